"""Server mode from this process: the thingsgraph_server fixture, and ThingsGraphServer's arguments and life.

Requests go over real HTTP with http.client and raw sockets (loopback URLs are never answered
in-process); boto3 clients in this process are answered in-process by the same stub.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import threading
import warnings
from contextlib import closing
from typing import Any

import pytest
from helpers import make_client
from server_helpers import (
    TIMEOUT,
    TOO_LARGE,
    call,
    connect,
    exchange,
    read_until_closed,
    responses,
    signed_headers,
    signed_request,
    still_serves,
)

from pytest_thingsgraph import StubError, ThingsGraphServer, ThingsGraphStub, UsageError
from pytest_thingsgraph._endpoints import is_loopback_host
from pytest_thingsgraph._threaded_server import non_loopback_warning, serving

CREATED = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone.utc)


# --- the fixture -----------------------------------------------------------------------------------------------


def test_fixture_serves_the_tests_stub(
    thingsgraph_server: ThingsGraphServer, thingsgraph_stub: ThingsGraphStub
) -> None:
    assert thingsgraph_server.stub is thingsgraph_stub
    host, _, port = thingsgraph_server.endpoint_url.removeprefix("http://").partition(":")
    assert (host, int(port)) == ("127.0.0.1", thingsgraph_server.port)
    assert thingsgraph_server.port > 0
    environ = thingsgraph_server.environ
    assert environ["AWS_ENDPOINT_URL_IOTTHINGSGRAPH"] == thingsgraph_server.endpoint_url
    assert environ["AWS_EC2_METADATA_DISABLED"] == "true"
    assert environ["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert environ["AWS_SECRET_ACCESS_KEY"]


def test_http_and_in_process_calls_share_one_record(
    thingsgraph_server: ThingsGraphServer, thingsgraph_stub: ThingsGraphStub
) -> None:
    thingsgraph_stub.add_upload(
        "u-1", ["IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"], namespace_version=7, created_date=CREATED
    )
    url = thingsgraph_server.endpoint_url
    with closing(connect(url)) as connection:
        first = call(connection, url, {"uploadId": "u-1"}, region="eu-west-1")
        second = make_client("eu-west-1").get_upload_status(uploadId="u-1")  # answered in-process
        third = call(connection, url, {"uploadId": "u-1"}, region="eu-west-1")

    assert json.loads(first[2])["uploadStatus"] == "IN_PROGRESS"
    assert second["uploadStatus"] == "IN_PROGRESS"
    assert json.loads(third[2]) == {
        "uploadId": "u-1",
        "uploadStatus": "SUCCEEDED",
        "namespaceVersion": 7,
        "createdDate": CREATED.timestamp(),
    }
    calls = thingsgraph_stub.calls
    assert [c.upload_status for c in calls] == ["IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"]
    assert {c.region for c in calls} == {"eu-west-1"}  # from the signature's scope, not the loopback host
    status, headers, _ = third
    assert status == 200
    assert headers["x-amzn-RequestId"] == calls[2].request_id
    assert headers["Content-Type"] == "application/x-amz-json-1.1"


def test_same_bytes_as_the_stub_answers_in_process(thingsgraph_server: ThingsGraphServer) -> None:
    from pytest_thingsgraph._http import wire_request  # the wire protocol, as the server imports it

    script: list[Any] = ["IN_PROGRESS", {"uploadStatus": "FAILED", "failureReason": ["Line 3: unknown type"]}]
    thingsgraph_server.stub.add_upload("u", script, namespace_name="acme", created_date=CREATED)
    twin = ThingsGraphStub()
    twin.add_upload("u", script, namespace_name="acme", created_date=CREATED)
    url = thingsgraph_server.endpoint_url
    with closing(connect(url)) as connection:
        over_http = [call(connection, url, {"uploadId": "u"})[2] for _ in range(3)]
    body = json.dumps({"uploadId": "u"}).encode()
    headers = {name.lower(): value for name, value in signed_headers(url + "/", body).items()}
    in_process = [twin.answer(wire_request("POST", url + "/", headers, body)).body for _ in range(3)]
    assert over_http == in_process


def test_stub_error_is_400_and_in_the_report(
    thingsgraph_server: ThingsGraphServer, thingsgraph_stub: ThingsGraphStub
) -> None:
    url = thingsgraph_server.endpoint_url
    with closing(connect(url)) as connection:
        status, _, body = call(connection, url, {"namespaceName": "acme"}, operation="DescribeNamespace")
    assert status == 400
    answer = json.loads(body)
    assert answer["__type"] == "StubError"
    assert answer["message"] == (
        "DescribeNamespace (request 1, namespaceName='acme') has no answer queued: add one with "
        "stub.add_response('DescribeNamespace', {...}) before the code under test calls it (thingsgraph-server: "
        'POST /_thingsgraph/responses, or a script file\'s "responses").'
    )
    (section,) = thingsgraph_stub.failures()
    assert "DescribeNamespace" in section
    thingsgraph_stub.reset()  # the report was the point of this test


def test_unsigned_or_invalid_requests_get_the_services_errors(own_server: ThingsGraphServer) -> None:
    with closing(connect(own_server.endpoint_url)) as connection:
        connection.request("GET", "/", headers={"X-Amz-Target": "IotThingsGraphFrontEndService.GetUploadStatus"})
        response = connection.getresponse()
        answer = json.loads(response.read())
    assert response.status in (400, 403)  # 400 UnknownOperation for GET; a check of signatures answers 403 first
    assert answer["__type"] in ("UnknownOperationException", "MissingAuthenticationTokenException")
    own_server.stub.reset()


@pytest.mark.thingsgraph_stub(allow_invalid_requests=True)
def test_server_never_logs_credentials_or_bodies(
    thingsgraph_server: ThingsGraphServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG", logger="pytest_thingsgraph")
    thingsgraph_server.stub.add_upload("secret-upload-id", ["SUCCEEDED"])
    url = thingsgraph_server.endpoint_url
    with closing(connect(url)) as connection:
        call(connection, url, {"uploadId": "secret-upload-id"})
    exchange(thingsgraph_server, b"POST / HTTP/1.1\r\nHost: x\r\nAuthorization: AWS4 Signature=abc\r\nbad\r\n\r\n")
    assert caplog.records  # the requests were logged, at DEBUG/INFO ...
    text = caplog.text
    for secret in ("Signature=", "AKIDSERVERTESTS", "Credential", "secret-upload-id", "uploadStatus"):
        assert secret not in text  # ... without headers or bodies


def test_fixture_stops_the_server_before_the_stubs_teardown_checks(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_inner="""
        import json, socket, urllib.request
        import pytest

        PORTS = []

        @pytest.fixture
        def probe(thingsgraph_stub):
            # set up before thingsgraph_server, so torn down after it and before the stub's checks
            yield
            try:
                socket.create_connection(("127.0.0.1", PORTS[0]), timeout=5).close()
                PORTS.append("still listening")
            except ConnectionRefusedError:
                PORTS.append("closed")

        def test_half_polled(probe, thingsgraph_server):
            thingsgraph_server.stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
            PORTS.append(thingsgraph_server.port)
            request = urllib.request.Request(thingsgraph_server.endpoint_url + "/_thingsgraph/calls")
            with urllib.request.urlopen(request, timeout=10) as answer:
                assert json.load(answer) == {"calls": []}

        def test_after():
            assert PORTS[1:] == ["closed"]
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*These uploads were not polled to the end of their scripts:*", "*'u': 0 of 2 items*"])


# --- 8 threads polling at once ---------------------------------------------------------------------------------


def test_threads_polling_over_http(thingsgraph_server: ThingsGraphServer, thingsgraph_stub: ThingsGraphStub) -> None:
    threads_count, polls = 8, 25
    for number in range(threads_count):
        script: list[Any] = [{"uploadStatus": "IN_PROGRESS", "namespaceVersion": index} for index in range(polls - 1)]
        script.append({"uploadStatus": "SUCCEEDED", "namespaceVersion": polls - 1})
        thingsgraph_stub.add_upload(f"thread-{number}", script)
    url = thingsgraph_server.endpoint_url
    seen: dict[int, list[int]] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(threads_count, timeout=TIMEOUT)

    def poll(number: int) -> None:
        try:
            connection = connect(url)
            start.wait()
            try:
                versions = []
                for _ in range(polls):
                    status, _, body = call(connection, url, {"uploadId": f"thread-{number}"})
                    assert status == 200
                    versions.append(json.loads(body)["namespaceVersion"])
                seen[number] = versions
            finally:
                connection.close()
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    workers = [threading.Thread(target=poll, args=(number,)) for number in range(threads_count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(TIMEOUT)
    assert not errors, errors
    assert seen == {number: list(range(polls)) for number in range(threads_count)}
    calls = thingsgraph_stub.calls
    assert len(calls) == threads_count * polls
    for number in range(threads_count):
        mine = [c.response["namespaceVersion"] for c in calls if c.upload_id == f"thread-{number}"]
        assert mine == list(range(polls))
    assert len({c.request_id for c in calls}) == len(calls)


# --- ThingsGraphServer's own arguments -------------------------------------------------------------------------


def test_start_twice_and_bad_arguments() -> None:
    with pytest.raises(UsageError, match="timeout=0 is not a number of seconds"):
        ThingsGraphServer(timeout=0)
    with pytest.raises(UsageError, match="max_body_bytes=-1 is not a size"):
        ThingsGraphServer(max_body_bytes=-1)
    server = ThingsGraphServer()
    with pytest.raises(UsageError, match="not running: call start"):
        _ = server.port
    with server, pytest.raises(UsageError, match="already running"):
        server.start()


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ({"timeout": True}, "ThingsGraphServer timeout=True is not a number of seconds: pass one above 0."),
        ({"timeout": "10"}, "ThingsGraphServer timeout='10' is not a number of seconds: pass one above 0."),
        ({"max_body_bytes": True}, "ThingsGraphServer max_body_bytes=True is not a size: pass an int above 0."),
        ({"max_body_bytes": "8"}, "ThingsGraphServer max_body_bytes='8' is not a size: pass an int above 0."),
        ({"max_body_bytes": 0}, "ThingsGraphServer max_body_bytes=0 is not a size: pass an int above 0."),
    ],
)
def test_arguments_that_are_not_numbers_are_refused_by_name(keywords: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError) as caught:
        ThingsGraphServer(**keywords)
    assert str(caught.value) == message


def test_a_one_byte_limit_is_a_limit() -> None:
    request = b"POST /_thingsgraph/reset HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s"
    with ThingsGraphServer(max_body_bytes=1) as server:
        [(status, _, _)] = responses(exchange(server, request % (1, b"{")))
        assert status == "HTTP/1.1 200 OK"
        [(status, _, _)] = responses(exchange(server, request % (2, b"{}")))
        assert status == TOO_LARGE


def test_without_a_stub_the_server_serves_one_of_its_own() -> None:
    with ThingsGraphServer() as server:
        server.stub.add_upload("own", ["SUCCEEDED"])
        with closing(connect(server.endpoint_url)) as connection:
            status, _, body = call(connection, server.endpoint_url, {"uploadId": "own"})
        assert (status, json.loads(body)["uploadStatus"]) == (200, "SUCCEEDED")


def test_by_default_the_os_picks_a_free_port_for_each_server() -> None:
    with ThingsGraphServer() as first, ThingsGraphServer() as second:
        assert first.port != second.port
        assert exchange(first, b"GET /_thingsgraph/calls HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 200 ")
        assert exchange(second, b"GET /_thingsgraph/calls HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 200 ")


def test_ipv6_loopback() -> None:
    if not socket.has_ipv6:
        pytest.skip("this Python has no IPv6")
    server = ThingsGraphServer(ThingsGraphStub(), host="::1")
    try:
        server.start()
    except OSError as error:
        pytest.skip(f"no IPv6 loopback on this machine: {error}")
    try:
        assert server.endpoint_url == f"http://[::1]:{server.port}"
        assert still_serves(server)
    finally:
        server.stop()


def test_ipv6_loopback_serves_where_the_machine_has_one() -> None:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError as error:
        pytest.skip(f"no IPv6 loopback on this machine: {error}")
    with ThingsGraphServer(host="::1") as server:  # must not fail where a plain socket binds
        assert server.endpoint_url == f"http://[::1]:{server.port}"
        with socket.create_connection(("::1", server.port), timeout=TIMEOUT) as sock:
            sock.sendall(b"GET /_thingsgraph/calls HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert sock.recv(15) == b"HTTP/1.1 200 OK"


def test_loopback_addresses() -> None:
    assert all(is_loopback_host(host) for host in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"))
    assert not any(is_loopback_host(host) for host in ("0.0.0.0", "::", "192.0.2.1", "example.test"))
    assert "no authentication" in non_loopback_warning("0.0.0.0")


def test_non_loopback_host_warns_when_started(monkeypatch: pytest.MonkeyPatch) -> None:
    # nothing may listen beyond the loopback in tests: the bind is replaced by one on 127.0.0.1
    from pytest_thingsgraph import _http

    original = _http.ThreadedHTTPServer.__init__

    def bind_loopback(self: Any, address: tuple[str, int], owner: ThingsGraphServer) -> None:
        original(self, ("127.0.0.1", 0), owner)

    monkeypatch.setattr(_http.ThreadedHTTPServer, "__init__", bind_loopback)
    server = ThingsGraphServer(host="0.0.0.0")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        server.start()
    server.stop()
    assert any("not a loopback address" in str(warning.message) for warning in caught)


def test_the_non_loopback_warning_points_at_the_caller_of_start() -> None:
    server = ThingsGraphServer(host="192.0.2.1")  # TEST-NET-1: on no interface, the bind fails after the warning
    with warnings.catch_warnings(record=True) as caught, pytest.raises(OSError, match="address"):
        warnings.simplefilter("always")
        server.start()
    [warning] = caught
    assert str(warning.message) == (
        "thingsgraph server: listening on 192.0.2.1, which is not a loopback address: anyone who can reach it "
        "can script the stub and read its calls through the control API, which has no authentication. "
        "Use --host 127.0.0.1 unless other machines (or containers) must reach it."
    )
    if "MUTANT_UNDER_TEST" not in os.environ:  # mutmut's trampoline (tox -e mutation) adds a frame of its own
        assert warning.filename == __file__


# --- its life ---------------------------------------------------------------------------------------------------


def test_repr_says_where_it_listens_or_that_it_stopped() -> None:
    server = ThingsGraphServer()
    assert repr(server) == "<ThingsGraphServer stopped>"
    with server:
        assert repr(server) == f"<ThingsGraphServer http://127.0.0.1:{server.port}>"
    assert repr(server) == "<ThingsGraphServer stopped>"


def test_starting_twice_says_what_to_do() -> None:
    with ThingsGraphServer() as server, pytest.raises(UsageError) as caught:
        server.start()
    assert str(caught.value) == "ThingsGraphServer.start(): the server is already running: stop() it first."


def test_stop_waits_for_a_request_in_flight(monkeypatch: pytest.MonkeyPatch) -> None:
    stub = ThingsGraphStub()
    answering, release = threading.Event(), threading.Event()
    real_answer = stub.answer

    def slow_answer(request: Any) -> Any:
        answering.set()
        release.wait(TIMEOUT)
        return real_answer(request)

    monkeypatch.setattr(stub, "answer", slow_answer)
    server = ThingsGraphServer(stub).start()
    client = threading.Thread(target=exchange, args=(server, signed_request(server, b"{}")), daemon=True)
    client.start()
    assert answering.wait(TIMEOUT)
    handlers = [thread for thread in threading.enumerate() if "process_request_thread" in thread.name]
    assert len(handlers) == 1
    threading.Timer(0.2, release.set).start()
    server.stop()
    assert not handlers[0].is_alive()  # joined: the answer was written before stop() returned
    client.join(TIMEOUT)


def test_idle_keep_alive_connections_are_closed_on_stop() -> None:
    server = ThingsGraphServer(ThingsGraphStub()).start()
    port = server.port
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    try:
        sock.sendall(b"GET /_thingsgraph/report HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 200 ")
        thread = server._thread
        server.stop()
        assert thread is not None
        assert not thread.is_alive()
        assert read_until_closed(sock) == b""  # the open keep-alive connection was closed too
    finally:
        sock.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT).close()
    server.stop()  # a second stop does nothing


def test_stop_raises_if_the_thread_hangs(monkeypatch: pytest.MonkeyPatch) -> None:
    server = ThingsGraphServer().start()
    thread = server._thread
    assert thread is not None
    real_join = thread.join
    monkeypatch.setattr(thread, "join", lambda timeout=None: real_join(timeout))
    monkeypatch.setattr(thread, "is_alive", lambda: True)
    with pytest.raises(StubError, match="did not stop"):
        server.stop()


def test_serving_generator_stops_the_server() -> None:
    generator = serving(ThingsGraphStub())
    server = next(generator)
    port = server.port
    assert still_serves(server)
    with pytest.raises(StopIteration):
        next(generator)
    assert not server.running
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT).close()


def test_serving_passes_its_keywords_to_the_server() -> None:
    generator = serving(ThingsGraphStub(), max_body_bytes=10)
    server = next(generator)
    try:
        status, _, answer = responses(exchange(server, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n"))[0]
    finally:
        assert next(generator, None) is None  # as pytest ends a fixture: the server stops
    assert status == TOO_LARGE
    assert "limit of 10 bytes" in answer["message"]
    assert not server.running


def test_a_server_never_stopped_does_not_keep_its_process_alive() -> None:
    code = "from pytest_thingsgraph import ThingsGraphServer; print(ThingsGraphServer().start().port > 0)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert (done.returncode, done.stdout) == (0, "True\n")

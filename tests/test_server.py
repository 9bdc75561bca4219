"""Server mode: the thingsgraph_server fixture and ThingsGraphServer, on the wire, from this process.

Requests go over real HTTP with http.client and raw sockets (loopback URLs are never answered
in-process); boto3 clients in this process are answered in-process by the same stub.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import socketserver
import ssl
import threading
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from helpers import make_client
from server_helpers import TIMEOUT, call, connect, control, signed_headers

from pytest_thingsgraph import ServiceError, StubError, ThingsGraphServer, ThingsGraphStub, UsageError
from pytest_thingsgraph._registry import is_loopback_host
from pytest_thingsgraph._script_json import apply_script, parse_created_date
from pytest_thingsgraph._threaded_server import non_loopback_warning, serving

CREATED = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def own_server() -> Iterator[ThingsGraphServer]:
    """A server of its own stub, with a short timeout and body limit, for the edge cases."""
    server = ThingsGraphServer(ThingsGraphStub(), timeout=0.5, max_body_bytes=1000).start()
    try:
        yield server
    finally:
        server.stop()


def raw_exchange(server: ThingsGraphServer, data: bytes) -> bytes:
    """Send ``data`` on a fresh connection, half-close, and read everything the server answers."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        return read_until_closed(sock)


def read_until_closed(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def still_serves(server: ThingsGraphServer) -> bool:
    connection = connect(server.endpoint_url)
    try:
        status, _, body = call(connection, server.endpoint_url, {"uploadId": "nobody-scripted-this"})
    finally:
        connection.close()
    return status == 404 and json.loads(body)["__type"] == "ResourceNotFoundException"


# --- the fixture --------------------------------------------------------------------------------


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
    connection = connect(url)
    try:
        first = call(connection, url, {"uploadId": "u-1"}, region="eu-west-1")
        second = make_client("eu-west-1").get_upload_status(uploadId="u-1")  # answered in-process
        third = call(connection, url, {"uploadId": "u-1"}, region="eu-west-1")
    finally:
        connection.close()

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
    connection = connect(url)
    try:
        over_http = [call(connection, url, {"uploadId": "u"})[2] for _ in range(3)]
    finally:
        connection.close()
    body = json.dumps({"uploadId": "u"}).encode()
    headers = {name.lower(): value for name, value in signed_headers(url + "/", body).items()}
    in_process = [twin.answer(wire_request("POST", url + "/", headers, body)).body for _ in range(3)]
    assert over_http == in_process


def test_keep_alive_one_connection_many_calls(thingsgraph_server: ThingsGraphServer) -> None:
    thingsgraph_server.stub.add_upload("u", ["SUCCEEDED"])
    url = thingsgraph_server.endpoint_url
    connection = connect(url)
    try:
        call(connection, url, {"uploadId": "u"})
        sock = connection.sock
        statuses = [call(connection, url, {"uploadId": "u"})[0] for _ in range(5)]
        assert connection.sock is sock  # http.client reconnects when the server closes: it did not
    finally:
        connection.close()
    assert statuses == [200] * 5


def test_chunked_request_body(thingsgraph_server: ThingsGraphServer) -> None:
    thingsgraph_server.stub.add_upload("chunked", ["SUCCEEDED"])
    url = thingsgraph_server.endpoint_url
    body = b'{"uploadId": "chunked"}'
    headers = signed_headers(url + "/", body)
    headers.pop("Content-Length", None)
    connection = connect(url)
    try:
        connection.request(
            "POST", "/", body=iter([body[:5], body[5:12], body[12:]]), headers=headers, encode_chunked=True
        )
        response = connection.getresponse()
        answer = json.loads(response.read())
    finally:
        connection.close()
    assert answer["uploadStatus"] == "SUCCEEDED"
    assert thingsgraph_server.stub.calls[0].request == {"uploadId": "chunked"}


def test_response_is_written_in_one_write(
    thingsgraph_server: ThingsGraphServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Headers and body leave in one write: no second small segment waits for a delayed ACK."""
    writes: list[bytes] = []
    original = socketserver._SocketWriter.write  # type: ignore[attr-defined]

    def write(self: Any, data: bytes) -> int:
        writes.append(bytes(data))
        return original(self, data)  # type: ignore[no-any-return]

    monkeypatch.setattr(socketserver._SocketWriter, "write", write)  # type: ignore[attr-defined]
    thingsgraph_server.stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
    url = thingsgraph_server.endpoint_url
    connection = connect(url)
    try:
        bodies = [call(connection, url, {"uploadId": "u"})[2] for _ in range(2)]
    finally:
        connection.close()
    assert len(writes) == 2
    for data, body in zip(writes, bodies, strict=True):
        assert data.startswith(b"HTTP/1.1 200 OK\r\n")
        assert data.endswith(b"\r\n\r\n" + body)


def test_accepted_sockets_have_tcp_nodelay(thingsgraph_server: ThingsGraphServer) -> None:
    thingsgraph_server.stub.add_upload("u", ["SUCCEEDED"])
    url = thingsgraph_server.endpoint_url
    connection = connect(url)
    try:
        call(connection, url, {"uploadId": "u"})
        httpd = thingsgraph_server._httpd
        assert httpd is not None
        with httpd.connections_lock:
            sockets = list(httpd.connections)
        assert len(sockets) == 1
        assert sockets[0].getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        connection.close()


def test_stub_error_is_400_and_in_the_report(
    thingsgraph_server: ThingsGraphServer, thingsgraph_stub: ThingsGraphStub
) -> None:
    url = thingsgraph_server.endpoint_url
    connection = connect(url)
    try:
        status, _, body = call(connection, url, {"namespaceName": "acme"}, operation="DescribeNamespace")
    finally:
        connection.close()
    assert status == 400
    answer = json.loads(body)
    assert answer["__type"] == "StubError"
    assert "DescribeNamespace" in answer["message"]
    assert "is not stubbed" in answer["message"]
    (section,) = thingsgraph_stub.failures()
    assert "DescribeNamespace" in section
    thingsgraph_stub.reset()  # the report was the point of this test


def test_unsigned_or_invalid_requests_get_the_services_errors(own_server: ThingsGraphServer) -> None:
    connection = connect(own_server.endpoint_url)
    try:
        connection.request("GET", "/", headers={"X-Amz-Target": "IotThingsGraphFrontEndService.GetUploadStatus"})
        response = connection.getresponse()
        answer = json.loads(response.read())
    finally:
        connection.close()
    assert response.status in (400, 403)  # 400 UnknownOperation for GET; a check of signatures answers 403 first
    assert answer["__type"] in ("UnknownOperationException", "MissingAuthenticationTokenException")
    own_server.stub.reset()


# --- the edges of HTTP ----------------------------------------------------------------------------


def test_oversized_body_refused_before_it_is_read(own_server: ThingsGraphServer) -> None:
    with socket.create_connection(("127.0.0.1", own_server.port), timeout=TIMEOUT) as sock:
        # a Content-Length of 100 MB, and no body sent at all: the answer comes anyway
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n")
        answer = read_until_closed(sock)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ")
    assert b"Connection: close" in head
    assert "larger than the server's limit of 1000 bytes" in json.loads(body)["message"]
    assert still_serves(own_server)
    assert own_server.stub.calls[-1].upload_id == "nobody-scripted-this"  # the 413 reached no stub


def test_oversized_chunked_body_refused(own_server: ThingsGraphServer) -> None:
    chunk = b"x" * 600
    request = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    request += (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 2 + b"0\r\n\r\n"
    answer = raw_exchange(own_server, request)
    assert answer.startswith(b"HTTP/1.1 413 ")


def test_expect_continue_refused_without_continue(own_server: ThingsGraphServer) -> None:
    with socket.create_connection(("127.0.0.1", own_server.port), timeout=TIMEOUT) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n")
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"100 Continue" not in answer


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x00\x01\x02garbage\r\n\r\n",
        b"HELLO\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: twelve\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
    ],
)
def test_garbage_gets_a_4xx_and_the_server_goes_on(own_server: ThingsGraphServer, garbage: bytes) -> None:
    answer = raw_exchange(own_server, garbage)
    expected = b"HTTP/1.1 505 " if b"HTTP/9.9" in garbage else b"HTTP/1.1 4"  # 505: HTTP Version Not Supported
    assert answer.startswith(expected)
    if answer:
        assert json.loads(answer.partition(b"\r\n\r\n")[2])["message"]
    assert still_serves(own_server)


def test_tls_hello_is_closed_and_the_server_goes_on(own_server: ThingsGraphServer) -> None:
    context = ssl.create_default_context()
    with (
        socket.create_connection(("127.0.0.1", own_server.port), timeout=TIMEOUT) as sock,
        pytest.raises((ssl.SSLError, ConnectionError, OSError)),
    ):
        context.wrap_socket(sock, server_hostname="localhost")
    assert still_serves(own_server)


@pytest.mark.parametrize(
    "partial",
    [b"POST / HTTP/1.1\r\nHost: x\r\n", b'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n{"upl'],
)
def test_slow_client_is_disconnected(own_server: ThingsGraphServer, partial: bytes) -> None:
    with socket.create_connection(("127.0.0.1", own_server.port), timeout=TIMEOUT) as sock:
        sock.sendall(partial)  # then nothing: the server's 0.5 s timeout closes the connection
        assert read_until_closed(sock) == b""
    assert still_serves(own_server)


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


@pytest.mark.thingsgraph_stub(allow_invalid_requests=True)
def test_server_never_logs_credentials_or_bodies(
    thingsgraph_server: ThingsGraphServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG", logger="pytest_thingsgraph")
    thingsgraph_server.stub.add_upload("secret-upload-id", ["SUCCEEDED"])
    url = thingsgraph_server.endpoint_url
    connection = connect(url)
    try:
        call(connection, url, {"uploadId": "secret-upload-id"})
    finally:
        connection.close()
    raw_exchange(thingsgraph_server, b"POST / HTTP/1.1\r\nHost: x\r\nAuthorization: AWS4 Signature=abc\r\nbad\r\n\r\n")
    assert caplog.records  # the requests were logged, at DEBUG/INFO ...
    text = caplog.text
    for secret in ("Signature=", "AKIDSERVERTESTS", "Credential", "secret-upload-id", "uploadStatus"):
        assert secret not in text  # ... without headers or bodies


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


# --- 8 threads polling at once -------------------------------------------------------------------


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


# --- the control API --------------------------------------------------------------------------------


def test_control_api_scripts_and_reads_the_stub(thingsgraph_server: ThingsGraphServer) -> None:
    url = thingsgraph_server.endpoint_url
    upload = {
        "uploadId": "u-1",
        "script": ["IN_PROGRESS", {"__type": "ThrottlingException", "message": "Rate exceeded"}, "SUCCEEDED"],
        "namespaceName": "acme",
        "namespaceVersion": 3,
        "createdDate": "2024-05-01T12:00:00Z",
        "region": "us-east-1",
    }
    assert control(url, "POST", "/_thingsgraph/uploads", upload) == (200, {"uploadId": "u-1"})
    status, report = control(url, "GET", "/_thingsgraph/report")
    assert status == 200
    (section,) = report["failures"]
    assert "'u-1': 0 of 3 items served" in section
    assert control(url, "GET", "/_thingsgraph/report?checkConsumed=false") == (200, {"failures": []})

    connection = connect(url)
    try:
        answers = [call(connection, url, {"uploadId": "u-1"}) for _ in range(3)]
    finally:
        connection.close()
    assert [status for status, _, _ in answers] == [200, 400, 200]
    status, calls = control(url, "GET", "/_thingsgraph/calls")
    assert status == 200
    first, throttled, last = calls["calls"]
    assert first == {
        "operation": "GetUploadStatus",
        "uploadId": "u-1",
        "region": "us-east-1",
        "statusCode": 200,
        "errorCode": None,
        "request": {"uploadId": "u-1"},
        "response": {
            "uploadId": "u-1",
            "uploadStatus": "IN_PROGRESS",
            "namespaceName": "acme",
            "namespaceVersion": 3,
            "createdDate": CREATED.timestamp(),
        },
        "requestId": answers[0][1]["x-amzn-RequestId"],
    }
    assert throttled["errorCode"] == "ThrottlingException"
    assert throttled["response"] == {"__type": "ThrottlingException", "message": "Rate exceeded"}
    assert last["response"]["uploadStatus"] == "SUCCEEDED"
    assert control(url, "GET", "/_thingsgraph/report") == (200, {"failures": []})
    assert control(url, "POST", "/_thingsgraph/reset") == (200, {})
    assert control(url, "GET", "/_thingsgraph/calls") == (200, {"calls": []})


def test_control_api_queues_upload_entity_definitions(
    thingsgraph_server: ThingsGraphServer, thingsgraph_stub: ThingsGraphStub
) -> None:
    url = thingsgraph_server.endpoint_url
    error = {"__type": "InternalFailureException", "message": "try again", "statusCode": 500}
    assert control(url, "POST", "/_thingsgraph/upload-entity-definitions", error) == (200, {"uploadId": None})
    queued = {"uploadId": "from-control", "script": ["SUCCEEDED"], "namespaceVersion": 9}
    assert control(url, "POST", "/_thingsgraph/upload-entity-definitions", queued) == (
        200,
        {"uploadId": "from-control"},
    )
    status, answer = control(url, "POST", "/_thingsgraph/upload-entity-definitions", {})
    assert status == 200
    generated = answer["uploadId"]
    document = {"document": {"language": "GRAPHQL", "text": "type Lamp { on: Boolean }"}}
    connection = connect(url)
    try:
        results = [call(connection, url, document, operation="UploadEntityDefinitions") for _ in range(3)]
        polled = call(connection, url, {"uploadId": "from-control"})
        for _ in range(2):
            call(connection, url, {"uploadId": generated})
    finally:
        connection.close()
    assert [status for status, _, _ in results] == [500, 200, 200]
    assert [json.loads(body).get("uploadId") for _, _, body in results[1:]] == ["from-control", generated]
    assert json.loads(polled[2])["namespaceVersion"] == 9
    assert thingsgraph_stub.failures() == []


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"script": ["SUCCEEDED"]}, "uploadId is missing"),
        ({"uploadId": "u", "script": "SUCCEEDED"}, "script is a string: give a JSON array"),
        ({"uploadId": "u", "script": ["DONE"]}, '"DONE" is not an upload status'),
        ({"uploadId": "u", "script": ["SUCCEEDED"], "namespace": "x"}, "unknown key 'namespace'"),
        (
            {"uploadId": "u", "script": ["SUCCEEDED"], "namespaceVersion": "3"},
            "namespaceVersion='3': Input should be a valid integer",
        ),
        ({"uploadId": "u", "script": ["SUCCEEDED"], "createdDate": "2024-05-01T12:00:00"}, "has no UTC offset"),
        ({"uploadId": "u", "script": ["SUCCEEDED"], "createdDate": "yesterday"}, "is not an ISO 8601 date"),
        ({"uploadId": "u", "script": [{"__type": "Oops", "message": "m"}]}, "needs a statusCode"),
        ({"uploadId": "u", "script": [{"__type": "ThrottlingException", "code": 1}]}, "unknown key 'code'"),
        (["SUCCEEDED"], "is an array: give a JSON object"),
    ],
)
def test_control_api_refuses_a_bad_upload(
    thingsgraph_server: ThingsGraphServer, document: object, message: str
) -> None:
    status, answer = control(thingsgraph_server.endpoint_url, "POST", "/_thingsgraph/uploads", document)
    assert status == 400
    assert message in answer["message"]
    assert answer["message"].startswith("POST /_thingsgraph/uploads")
    assert thingsgraph_server.stub.failures() == []  # a refused script is no failure of the report


def test_control_api_refuses_a_region_on_a_queued_upload(thingsgraph_server: ThingsGraphServer) -> None:
    status, answer = control(
        thingsgraph_server.endpoint_url, "POST", "/_thingsgraph/upload-entity-definitions", {"region": "us-east-1"}
    )
    assert status == 400
    assert "unknown key 'region' (the upload lives in the region of the call)" in answer["message"]


def test_control_api_bad_json_paths_and_methods(thingsgraph_server: ThingsGraphServer) -> None:
    url = thingsgraph_server.endpoint_url
    connection = connect(url)
    try:
        connection.request("POST", "/_thingsgraph/uploads", body=b'{"uploadId": ', headers={})
        response = connection.getresponse()
        bad_json = (response.status, json.loads(response.read()))
    finally:
        connection.close()
    assert bad_json[0] == 400
    assert "the body is not JSON: Expecting value at line 1 column 14" in bad_json[1]["message"]

    status, answer = control(url, "GET", "/_thingsgraph/nothing-here")
    assert status == 404
    for route in ("POST /_thingsgraph/uploads", "GET /_thingsgraph/calls", "POST /_thingsgraph/reset"):
        assert route in answer["message"]

    status, answer = control(url, "DELETE", "/_thingsgraph/calls")
    assert status == 405
    assert answer["message"] == "DELETE /_thingsgraph/calls is not allowed: use GET /_thingsgraph/calls."

    status, answer = control(url, "GET", "/_thingsgraph/report?checkConsumed=maybe")
    assert status == 400
    assert "checkConsumed='maybe' is not a boolean" in answer["message"]


# --- the JSON form ---------------------------------------------------------------------------------


def test_created_date_forms() -> None:
    assert parse_created_date(1714564800) == CREATED
    assert parse_created_date(1714564800.5) == CREATED + dt.timedelta(milliseconds=500)
    assert parse_created_date("2024-05-01T12:00:00Z") == CREATED
    assert parse_created_date("2024-05-01T14:00:00+02:00") == CREATED
    with pytest.raises(UsageError, match="true is a boolean"):
        parse_created_date(True)
    with pytest.raises(UsageError, match="no UTC offset"):
        parse_created_date("2024-05-01")


def test_script_file_form_is_add_upload() -> None:
    stub = ThingsGraphStub()
    queued = apply_script(
        stub,
        {
            "uploads": [
                {"uploadId": "a", "script": ["SUCCEEDED"], "createdDate": 1714564800, "failureReason": None},
                {
                    "uploadId": "b",
                    "script": [
                        {"uploadStatus": "FAILED", "failureReason": ["bad"], "createdDate": "2024-05-01T12:00Z"}
                    ],
                },
            ],
            "uploadEntityDefinitions": [{"__type": "ThrottlingException"}, {"uploadId": "c"}],
        },
    )
    assert queued == [None, "c"]
    twin = ThingsGraphStub()
    twin.add_upload("a", ["SUCCEEDED"], created_date=CREATED)
    twin.add_upload("b", [{"uploadStatus": "FAILED", "failureReason": ["bad"], "createdDate": CREATED}])
    twin.on_upload_entity_definitions(ServiceError("ThrottlingException"))
    twin.on_upload_entity_definitions(upload_id="c")
    assert stub.failures() == twin.failures()
    assert len(stub.failures()) == 2  # two uploads unpolled, two answers untaken, in both


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "a script file is a JSON object"),
        ({"upload": []}, "unknown key 'upload': a script file has uploads and uploadEntityDefinitions"),
        ({"uploads": {}}, "uploads is an object: give a JSON array"),
        ({"uploads": [{"uploadId": "a", "script": []}]}, "uploads[0]"),
    ],
)
def test_script_file_errors_name_the_entry(document: object, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        apply_script(ThingsGraphStub(), document, where="script.json")
    assert message in str(caught.value)
    assert str(caught.value).startswith("script.json")


def test_stop_raises_if_the_thread_hangs(monkeypatch: pytest.MonkeyPatch) -> None:
    server = ThingsGraphServer().start()
    thread = server._thread
    assert thread is not None
    real_join = thread.join
    monkeypatch.setattr(thread, "join", lambda timeout=None: real_join(timeout))
    monkeypatch.setattr(thread, "is_alive", lambda: True)
    with pytest.raises(StubError, match="did not stop"):
        server.stop()


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


def test_control_api_queued_answer_with_an_expected_request(thingsgraph_server: ThingsGraphServer) -> None:
    url = thingsgraph_server.endpoint_url
    queued = {"uploadId": "expecting", "script": ["SUCCEEDED"], "expected": {"deprecateExistingEntities": True}}
    assert control(url, "POST", "/_thingsgraph/upload-entity-definitions", queued) == (200, {"uploadId": "expecting"})
    error = {"__type": "ThrottlingException", "expected": {"deprecateExistingEntities": True}}
    assert control(url, "POST", "/_thingsgraph/upload-entity-definitions", error) == (200, {"uploadId": None})
    document = {"document": {"language": "GRAPHQL", "text": "type Lamp { on: Boolean }"}}
    connection = connect(url)
    try:
        results = [call(connection, url, document, operation="UploadEntityDefinitions") for _ in range(2)]
        call(connection, url, {"uploadId": "expecting"})
    finally:
        connection.close()
    assert [status for status, _, _ in results] == [200, 400]
    failures = thingsgraph_server.stub.failures()
    assert len(failures) == 1
    assert failures[0].count("deprecateExistingEntities") == 2  # both calls differed from what was expected
    thingsgraph_server.stub.reset()

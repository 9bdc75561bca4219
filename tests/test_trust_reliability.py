"""Reliability figures: threads racing for one script under a 1 µs switch interval; secrets never recorded.

The threaded test is the one that must fail when the stub's lock is removed
(checked by hand with ``self._lock`` in ``_stub.py`` replaced by a no-op
context manager: items are then served twice or skipped).
"""

from __future__ import annotations

import dataclasses
import json
import sys
import threading
from collections import Counter
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError
from helpers import make_client

from pytest_thingsgraph import ServiceError, StubError, mock_thingsgraph

THREADS = 24
POLLS = 60
UPLOADS = 2


def test_threads_racing_for_each_item_under_a_tiny_switch_interval_get_it_once_in_order() -> None:
    per_upload = THREADS * POLLS // UPLOADS
    clients = [make_client() for _ in range(THREADS)]
    received: list[tuple[str, int]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def poll(number: int) -> None:
        client = clients[number]
        try:
            start.wait()
            for step in range(POLLS):
                upload_id = f"upload-{(number + step) % UPLOADS}"
                received.append((upload_id, client.get_upload_status(uploadId=upload_id)["namespaceVersion"]))
        except BaseException as error:  # pragma: no cover - reported by the assertion below
            errors.append(error)

    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter can
    try:
        with mock_thingsgraph() as stub:
            for number in range(UPLOADS):
                script = [{"uploadStatus": "IN_PROGRESS", "namespaceVersion": v} for v in range(per_upload - 1)]
                stub.add_upload(f"upload-{number}", [*script, {"uploadStatus": "SUCCEEDED", "namespaceVersion": -1}])
            threads = [threading.Thread(target=poll, args=(number,)) for number in range(THREADS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    finally:
        sys.setswitchinterval(previous)

    assert errors == []
    assert sys.getswitchinterval() == previous
    script_order = [*range(per_upload - 1), -1]
    for number in range(UPLOADS):
        upload_id = f"upload-{number}"
        served = [call.response["namespaceVersion"] for call in stub.calls if call.upload_id == upload_id]
        assert served == script_order, f"{upload_id}: not every item served exactly once, in order"
        got = Counter(version for polled, version in received if polled == upload_id)
        assert got == Counter(script_order), f"{upload_id}: the clients did not get each item exactly once"


class _WatchedLock:
    """The stub's lock, noting when a given thread is about to wait for it."""

    def __init__(self, lock: Any, thread_waits: threading.Event) -> None:
        self._lock = lock
        self._thread_waits = thread_waits
        self.watched: threading.Thread | None = None

    def __enter__(self) -> Any:
        if threading.current_thread() is self.watched:
            self._thread_waits.set()
        return self._lock.__enter__()

    def __exit__(self, *exc_info: Any) -> Any:
        return self._lock.__exit__(*exc_info)


def test_a_poll_that_comes_while_another_is_being_answered_waits_for_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The interleaving forced, not hoped for: the first poll holds its item until the second poll
    is either waiting for the stub's lock (the lock holds) or has been answered (it did not)."""
    from pytest_thingsgraph._operations._uploads import Upload

    second_waits_or_is_done = threading.Event()
    first_holds_its_item = threading.Event()
    original = Upload.next_item
    taken: list[str] = []

    def next_item(upload: Upload) -> Any:
        item = original(upload)
        taken.append(threading.current_thread().name)
        if len(taken) == 1:
            first_holds_its_item.set()
            assert second_waits_or_is_done.wait(timeout=60), "the second poll never came"
        return item

    monkeypatch.setattr(Upload, "next_item", next_item)
    clients = [make_client(), make_client()]
    received: dict[str, int] = {}

    def poll(name: str, client: Any) -> None:
        received[name] = client.get_upload_status(uploadId="u")["namespaceVersion"]
        if name == "second":
            second_waits_or_is_done.set()

    with mock_thingsgraph() as stub:
        stub.add_upload(
            "u",
            [
                {"uploadStatus": "IN_PROGRESS", "namespaceVersion": 1},
                {"uploadStatus": "SUCCEEDED", "namespaceVersion": 2},
            ],
        )
        watched = _WatchedLock(stub._lock, second_waits_or_is_done)
        monkeypatch.setattr(stub, "_lock", watched)
        first = threading.Thread(target=poll, args=("first", clients[0]), name="first")
        second = threading.Thread(target=poll, args=("second", clients[1]), name="second")
        watched.watched = second
        first.start()
        assert first_holds_its_item.wait(timeout=60)
        second.start()
        first.join()
        second.join()

    assert taken == ["first", "second"]
    assert received == {"first": 1, "second": 2}
    assert [call.upload_status for call in stub.calls] == ["IN_PROGRESS", "SUCCEEDED"]


# Secrets

SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY1"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN/+//////////wEaCXVzLWVhc3QtMSJHMEUCIQ"
ACCESS_KEY = "ASIAREALLOOKING12345"


@pytest.fixture
def real_looking_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)


def _capture_signatures(client: Any) -> list[str]:
    """The SigV4 signature of each request the client sends (a before-send handler of the test's own)."""
    signatures: list[str] = []

    def capture(request: Any, **_: Any) -> None:
        authorization = request.headers["Authorization"]
        authorization = authorization.decode() if isinstance(authorization, bytes) else authorization
        signatures.append(authorization.rsplit("Signature=", 1)[1])
        assert request.headers["X-Amz-Security-Token"] in (SESSION_TOKEN, SESSION_TOKEN.encode())

    client.meta.events.register("before-send.iotthingsgraph", capture)
    return signatures


def _texts_of(call: Any) -> list[str]:
    """Every field of a recorded call, as text."""
    return [repr(call), str(call), *(repr(getattr(call, f.name)) for f in dataclasses.fields(call))]


@pytest.mark.usefixtures("real_looking_credentials")
def test_secrets_never_reach_calls_messages_or_the_teardown_report() -> None:
    from requests_aws4auth import AWS4Auth  # type: ignore[import-untyped]

    client = make_client(fresh_session=True, parameter_validation=False)
    signatures = _capture_signatures(client)
    requests_auth = AWS4Auth(ACCESS_KEY, SECRET_KEY, "us-east-1", "iotthingsgraph", session_token=SESSION_TOKEN)
    messages: list[str] = []

    with pytest.raises(StubError) as teardown, mock_thingsgraph(fake_credentials=False) as stub:
        stub.add_upload("u", ["IN_PROGRESS", ServiceError("ThrottlingException", "Rate exceeded"), "SUCCEEDED"])
        stub.add_upload("left", ["SUCCEEDED"])  # unconsumed: a teardown report section
        stub.on_upload_entity_definitions(ServiceError("InternalFailureException", "Try again"))
        assert client.get_upload_status(uploadId="u")["uploadStatus"] == "IN_PROGRESS"
        for bad in [{"uploadId": ""}, {"uploadId": "x" * 41}, {"uploadId": 7}, {}, {"uploadId": "unknown"}]:
            with pytest.raises(ClientError) as invalid:
                client.get_upload_status(**bad)
            messages += [str(invalid.value), repr(invalid.value.response)]
        with pytest.raises(ClientError) as throttled:
            client.get_upload_status(uploadId="u")
        messages += [str(throttled.value), repr(client.get_upload_status(uploadId="u"))]
        with pytest.raises(ClientError) as limited:
            client.upload_entity_definitions(document={"language": "GRAPHQL", "text": "type A {}"})
        messages.append(str(limited.value))
        with pytest.raises(StubError) as unstubbed:
            client.describe_namespace()
        messages.append(str(unstubbed.value))
        for body in [b'{"uploadId": "u"', json.dumps({"uploadId": "u"}).encode()]:
            answer = requests.post(
                "https://iotthingsgraph.us-east-1.amazonaws.com/",
                data=body,
                headers={
                    "X-Amz-Target": "IotThingsGraphFrontEndService.GetUploadStatus",
                    "Content-Type": "application/x-amz-json-1.1",
                },
                auth=requests_auth,
                timeout=5,
            )
            messages += [answer.text, repr(dict(answer.headers))]
            signatures.append(answer.request.headers["Authorization"].rsplit("Signature=", 1)[1])
        failures = stub.failures()

    assert len(signatures) >= 10
    assert len(stub.calls) >= 10
    assert any(call.error_code == "InvalidRequestException" for call in stub.calls)
    assert len(failures) >= 3  # invalid requests, the unstubbed operation, the unconsumed script
    everything = "\n".join(
        [*messages, *failures, str(teardown.value), repr(stub), *(text for c in stub.calls for text in _texts_of(c))]
    )
    for secret in [SECRET_KEY, SESSION_TOKEN, *signatures]:
        assert secret not in everything, f"a secret ({secret[:8]}…) reached a record, message or report"


REPORTED = """
import boto3, pytest
from botocore.config import Config

def make_client():
    config = Config(retries={"total_max_attempts": 1})
    return boto3.Session().client("iotthingsgraph", region_name="us-east-1", config=config)

@pytest.mark.thingsgraph_stub(fake_credentials=False)
def test_fails(thingsgraph_stub):
    client = make_client()
    thingsgraph_stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
    client.get_upload_status(uploadId="u")
    try:
        client.get_upload_status(uploadId="")
    except client.exceptions.InvalidRequestException:
        pass
    raise AssertionError("the test failed, so its calls are reported")

@pytest.mark.thingsgraph_stub(fake_credentials=False)
def test_teardown_report(thingsgraph_stub):
    client = make_client()
    thingsgraph_stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
    client.get_upload_status(uploadId="u")
    try:
        client.get_upload_status(uploadId="x" * 41)
    except client.exceptions.InvalidRequestException:
        pass
"""


@pytest.mark.usefixtures("real_looking_credentials")
def test_secrets_never_reach_the_reports_pytest_prints(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_inner=REPORTED)

    result = pytester.runpytest("-p", "no:randomly", "-p", "no:xdist", "-rA")

    result.assert_outcomes(failed=1, passed=1, errors=1)
    output = result.stdout.str() + result.stderr.str()
    assert "Things Graph calls" in output  # the failed test's call section was printed
    assert "These uploads were not polled to the end of their scripts" in output
    for secret in [SECRET_KEY, SESSION_TOKEN]:
        assert secret not in output

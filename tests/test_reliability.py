"""Reliability: nothing leaks out of a test, teardown always runs, and threads racing for scripts are served each
item exactly once and in order (also under a 1 µs switch interval).

The threaded tests are the ones that must fail when the stub's lock is removed
(checked by hand with ``self._lock`` in ``_stub.py`` replaced by a no-op
context manager: items are then served twice or skipped).
"""

from __future__ import annotations

import sys
import threading
from collections import Counter, defaultdict
from typing import Any

import pytest
from helpers import make_client

from pytest_thingsgraph import ThingsGraphStub, mock_thingsgraph

LEAK_CHECK = """
import os, sys
import boto3
import botocore.handlers
import pytest
from botocore.config import Config
from pytest_thingsgraph import ServiceError
import pytest_thingsgraph._registry as activation

BEFORE = {}

def client():
    return boto3.client("iotthingsgraph", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1}))

def snapshot():
    environment = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}  # pytest's own, per test
    return environment, list(botocore.handlers.BUILTIN_HANDLERS), list(sys.meta_path)

class Boom(BaseException):
    pass

def test_0_record_state():
    BEFORE["state"] = snapshot()

def test_1_passes(thingsgraph_stub):
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"])
    client().get_upload_status(uploadId="u")

def test_2_fails(thingsgraph_stub):
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"])
    assert False, "the test body failed"

def test_3_raises(thingsgraph_stub):
    raise RuntimeError("the code under test raised")

def test_4_raises_base_exception(thingsgraph_stub):
    raise Boom("a BaseException that is not an Exception")

def test_5_teardown_check_fails(thingsgraph_stub):
    thingsgraph_stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])

def test_6_nothing_left_behind(monkeypatch):
    assert activation.active() is None
    assert snapshot() == BEFORE["state"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example-secret")
    one_attempt = Config(retries={"total_max_attempts": 1})
    c = boto3.Session().client("iotthingsgraph", region_name="us-east-1", config=one_attempt)
    answered = []
    c.meta.events.register("before-send.iotthingsgraph", lambda request, **kw: answered.append(request) or 0)
    with pytest.raises(Exception):
        c.get_upload_status(uploadId="u")
    assert len(answered) == 1, "the request went past the stub's handler to the test's own"
"""


@pytest.mark.usefixtures("unguarded")  # the inner session's ini turns its own guard off
def test_nothing_leaks_from_a_test_that_passed_failed_raised_or_failed_teardown(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_leaks=LEAK_CHECK)
    pytester.makeini("[pytest]\nthingsgraph_block_unstubbed = false\n")  # test_6 calls with no stub on purpose

    result = pytester.runpytest("-v", "-p", "no:randomly", "-p", "no:xdist")

    result.assert_outcomes(passed=4, failed=3, errors=1)  # test_5 passes its call, then errors at teardown
    result.stdout.fnmatch_lines(
        [
            "*test_1_passes PASSED*",
            "*test_2_fails FAILED*",
            "*test_3_raises FAILED*",
            "*test_4_raises_base_exception FAILED*",
            "*test_5_teardown_check_fails ERROR*",
            "*test_6_nothing_left_behind PASSED*",
        ]
    )


def test_16_threads_x_200_polls_over_8_uploads_serve_each_item_once_in_order(thingsgraph_stub: ThingsGraphStub) -> None:
    threads_count, polls_per_thread, uploads = 16, 200, 8
    per_upload = threads_count * polls_per_thread // uploads
    for number in range(uploads):
        script = [{"uploadStatus": "IN_PROGRESS", "namespaceVersion": step} for step in range(per_upload - 1)]
        thingsgraph_stub.add_upload(
            f"upload-{number}", [*script, {"uploadStatus": "SUCCEEDED", "namespaceVersion": -1}]
        )
    clients = [make_client() for _ in range(threads_count)]
    seen: dict[str, list[int]] = defaultdict(list)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def poll(thread_number: int) -> None:
        try:
            for step in range(polls_per_thread):
                upload_id = f"upload-{(thread_number + step) % uploads}"
                version = clients[thread_number].get_upload_status(uploadId=upload_id)["namespaceVersion"]
                with lock:
                    seen[upload_id].append(version)
        except BaseException as error:  # pragma: no cover - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=poll, args=(number,)) for number in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    calls = thingsgraph_stub.calls
    assert len(calls) == 3_200
    for number in range(uploads):
        served = [c.response["namespaceVersion"] for c in calls if c.upload_id == f"upload-{number}"]
        assert served == [*range(per_upload - 1), -1], f"upload-{number} was not served in script order"
        assert sorted(seen[f"upload-{number}"]) == sorted(served)


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

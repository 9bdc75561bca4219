"""instant_retries in adaptive mode: no retry sleep, no rate-limiter wait, for stubbed calls only.

The waits are observed where they would happen, not timed: every call of
``time.sleep`` (which the endpoint's sleep forwards to), every timed
``threading.Condition.wait`` (where botocore's token bucket blocks), and for
aiobotocore every ``asyncio.sleep`` and ``asyncio.wait_for``. The delays botocore
asked for are read from its own debug log line, "sleeping for %s seconds".
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.exceptions import CapacityNotAvailableError, ClientError
from helpers import AskedDelays, AsyncWaits, aio_client, botocore_response, make_client, stand_clock_still

from pytest_thingsgraph import ServiceError, ThingsGraphStub, mock_thingsgraph

THROTTLES = [ServiceError("ThrottlingException", "Rate exceeded")] * 5


@dataclass
class Waits:
    """Real waits asked for during a test: sleeps (with the module that asked) and timed condition waits."""

    sleeps: list[tuple[float, str]] = field(default_factory=list)
    condition_waits: list[float] = field(default_factory=list)
    skipped: float = 0.0  # seconds time.time() is moved on by the waits not waited

    def clear(self) -> None:
        self.sleeps.clear()
        self.condition_waits.clear()


def _asking_module() -> str:
    """The first module outside this file and pytest_thingsgraph up the stack: who asked to sleep.

    mutmut's trampoline (``tox -e mutation``) stands between a mutated function and its caller: skipped too.
    """
    frame = sys._getframe(2)
    while frame is not None:
        name = str(frame.f_globals.get("__name__", ""))
        if name != __name__ and not name.startswith(("pytest_thingsgraph", "mutmut.")):
            return name
        frame = frame.f_back  # type: ignore[assignment]
    return "?"  # pragma: no cover


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> Waits:
    """Record, instead of waiting, every ``time.sleep`` and every timed ``Condition.wait`` of this thread.

    ``time.time()`` stands still but for what was not waited (:func:`helpers.stand_clock_still`), so botocore's
    token bucket sees that time pass and no other.
    """
    seen = Waits()
    test_thread = threading.get_ident()
    real_wait = threading.Condition.wait

    def sleep(seconds: float) -> None:
        seen.sleeps.append((seconds, _asking_module()))
        seen.skipped += seconds

    def wait(condition: threading.Condition, timeout: float | None = None) -> bool:
        if timeout is not None and threading.get_ident() == test_thread:
            seen.condition_waits.append(timeout)
            seen.skipped += timeout
            return False  # as if the timeout passed
        return real_wait(condition, timeout)

    stand_clock_still(monkeypatch, seen)
    monkeypatch.setattr(time, "sleep", sleep)
    monkeypatch.setattr(threading.Condition, "wait", wait)
    return seen


def _rate_limiter_bucket(client: Any) -> Any:
    """The token bucket of an adaptive-mode client (botocore's own limiter state)."""
    handlers = client.meta.events._emitter._lookup_cache.get("before-send.iotthingsgraph.GetUploadStatus", [])
    (limiter,) = [h.__self__ for h in handlers if getattr(h, "__name__", "") == "on_sending_request"]
    return limiter._token_bucket


def _acquire_in_a_fresh_thread(bucket: Any) -> object:
    """What ``bucket.acquire(block=False)`` gives a thread that makes no stubbed call: True or the error."""
    outcome: list[object] = []

    def probe() -> None:
        try:
            outcome.append(bucket.acquire(block=False))
        except CapacityNotAvailableError as error:
            outcome.append(error)

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join()
    return outcome[0]


def test_five_throttles_then_succeeded_in_adaptive_mode_never_wait(
    thingsgraph_stub: ThingsGraphStub, waits: Waits, asked_delays: AskedDelays
) -> None:
    thingsgraph_stub.add_upload("u", [*THROTTLES, "SUCCEEDED"])
    client = make_client(attempts=6, mode="adaptive")

    response = client.get_upload_status(uploadId="u")

    assert response["uploadStatus"] == "SUCCEEDED"
    assert response["ResponseMetadata"]["RetryAttempts"] == 5
    assert waits.sleeps == []
    assert waits.condition_waits == []
    assert [c.error_code for c in thingsgraph_stub.calls] == ["ThrottlingException"] * 5 + [None]
    delays = thingsgraph_stub.retry_delays
    assert len(delays) == 5
    # standard backoff with jitter: attempt n (0 based) waits rand(0, 1) * 2 ** n seconds
    assert all(0 <= delay <= 2**attempt for attempt, delay in enumerate(delays))
    assert delays == asked_delays()  # exactly what botocore asked for, in order


def test_one_throttle_too_many_for_the_attempts_is_raised(thingsgraph_stub: ThingsGraphStub, waits: Waits) -> None:
    thingsgraph_stub.add_upload("u", [*THROTTLES, ServiceError("ThrottlingException", "Rate exceeded"), "SUCCEEDED"])
    client = make_client(attempts=6, mode="adaptive")

    with pytest.raises(ClientError) as caught:
        client.get_upload_status(uploadId="u")

    assert caught.value.response["Error"]["Code"] == "ThrottlingException"
    assert len(thingsgraph_stub.retry_delays) == 5  # 6 attempts, 5 waits between them
    assert client.get_upload_status(uploadId="u")["uploadStatus"] == "SUCCEEDED"
    assert (waits.sleeps, waits.condition_waits) == ([], [])


def test_the_throttled_rate_limiter_does_not_slow_later_stubbed_calls(
    thingsgraph_stub: ThingsGraphStub, waits: Waits
) -> None:
    thingsgraph_stub.add_upload("u", [*THROTTLES, "SUCCEEDED"])
    client = make_client(attempts=6, mode="adaptive")
    client.get_upload_status(uploadId="u")
    bucket = _rate_limiter_bucket(client)

    # botocore's own limiter now holds callers back: a thread with no stubbed call gets no token at once
    assert isinstance(_acquire_in_a_fresh_thread(bucket), CapacityNotAvailableError)
    assert bucket.max_rate < 1  # the throttles cut the rate below one request a second

    thingsgraph_stub.add_upload("v", ["IN_PROGRESS"] * 49 + ["SUCCEEDED"])
    statuses = [client.get_upload_status(uploadId="v")["uploadStatus"] for _ in range(50)]

    assert statuses == ["IN_PROGRESS"] * 49 + ["SUCCEEDED"]
    assert waits.condition_waits == []  # 50 calls through a bucket that would make each wait
    assert waits.sleeps == []


def test_a_client_shared_across_tests_carries_no_slowdown_into_the_next(waits: Waits) -> None:
    client = make_client(attempts=6, mode="adaptive")  # made once, as a module-level client is
    with mock_thingsgraph() as first_test:
        first_test.add_upload("u", [*THROTTLES, "SUCCEEDED"])
        client.get_upload_status(uploadId="u")
    assert isinstance(_acquire_in_a_fresh_thread(_rate_limiter_bucket(client)), CapacityNotAvailableError)

    with mock_thingsgraph() as next_test:
        next_test.add_upload("u", ["IN_PROGRESS"] * 19 + ["SUCCEEDED"])
        statuses = [client.get_upload_status(uploadId="u")["uploadStatus"] for _ in range(20)]

    assert statuses[-1] == "SUCCEEDED"
    assert (waits.sleeps, waits.condition_waits) == ([], [])
    assert next_test.retry_delays == []


def test_without_instant_retries_the_rate_limiter_and_backoff_wait(waits: Waits) -> None:
    """The same script with the option off: the waits the tests above watch for do happen."""
    with mock_thingsgraph(instant_retries=False) as stub:
        stub.add_upload("u", [*THROTTLES, "SUCCEEDED"])
        make_client(attempts=6, mode="adaptive").get_upload_status(uploadId="u")

    assert stub.retry_delays == []
    assert [module for _, module in waits.sleeps] == ["botocore.endpoint"] * 5
    assert waits.condition_waits != []  # the token bucket waited for capacity


class _Canned500:
    """An SSM endpoint answering 500 (a before-send handler of the test's own)."""

    def __init__(self) -> None:
        self.attempts = 0

    def __call__(self, request: Any, **_: Any) -> AWSResponse:
        self.attempts += 1
        return botocore_response(request.url, 500, b'{"__type": "InternalServerError", "message": "down"}')


@pytest.mark.parametrize("mode", ["standard", "adaptive"])
def test_other_services_keep_their_real_waits_while_a_stub_runs(
    monkeypatch: pytest.MonkeyPatch, waits: Waits, asked_delays: AskedDelays, mode: str
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example-secret")
    ssm = boto3.Session().client(
        "ssm", region_name="us-east-1", config=Config(retries={"mode": mode, "total_max_attempts": 2})
    )
    network = _Canned500()
    ssm.meta.events.register("before-send.ssm", network)

    with mock_thingsgraph() as stub:
        stub.add_upload("u", [ServiceError("ThrottlingException"), "SUCCEEDED"])
        things_graph = make_client(attempts=2, mode=mode)
        # a stubbed retry first, in the same thread: its instant wait must not carry over to SSM
        assert things_graph.get_upload_status(uploadId="u")["uploadStatus"] == "SUCCEEDED"
        with pytest.raises(ClientError) as caught:
            ssm.get_parameter(Name="p")

    assert caught.value.response["Error"]["Code"] == "InternalServerError"
    assert network.attempts == 2
    stub_delay, ssm_delay = asked_delays()
    assert stub.retry_delays == [stub_delay]
    assert waits.sleeps == [(ssm_delay, "botocore.endpoint")]  # slept for real, with botocore's delay


# aiobotocore: the same, in tests/test_aio.py's style (skipped without the aio extra)


@pytest.mark.asyncio
async def test_aiobotocore_adaptive_mode_never_waits(
    thingsgraph_stub: ThingsGraphStub, async_waits: AsyncWaits, asked_delays: AskedDelays
) -> None:
    adaptive = aio_client("adaptive", 6)  # skips the test without the aio extra, before anything is scripted
    thingsgraph_stub.add_upload("u", [*THROTTLES, "SUCCEEDED"])
    thingsgraph_stub.add_upload("v", ["IN_PROGRESS"] * 29 + ["SUCCEEDED"])

    async with adaptive as client:
        response = await client.get_upload_status(uploadId="u")
        later = [(await client.get_upload_status(uploadId="v"))["uploadStatus"] for _ in range(30)]

    assert response["uploadStatus"] == "SUCCEEDED"
    assert response["ResponseMetadata"]["RetryAttempts"] == 5
    assert later == ["IN_PROGRESS"] * 29 + ["SUCCEEDED"]
    assert async_waits.sleeps == []
    assert async_waits.timed_waits == []  # the throttled token bucket never held a stubbed call back
    delays = thingsgraph_stub.retry_delays
    assert len(delays) == 5
    assert delays == asked_delays()


@pytest.mark.asyncio
async def test_aiobotocore_adaptive_mode_waits_without_instant_retries(async_waits: AsyncWaits) -> None:
    adaptive = aio_client("adaptive", 6)  # skips the test without the aio extra
    with mock_thingsgraph(instant_retries=False) as stub:
        stub.add_upload("u", [*THROTTLES, "SUCCEEDED"])
        async with adaptive as client:
            assert (await client.get_upload_status(uploadId="u"))["uploadStatus"] == "SUCCEEDED"

    assert stub.retry_delays == []
    assert len(async_waits.sleeps) == 5
    assert async_waits.timed_waits != []  # the token bucket waited for capacity

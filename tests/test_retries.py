"""instant_retries: the backoff botocore and aiobotocore ask for before retrying a stubbed call is recorded, not
waited (the waits are observed where they would happen: ``time.sleep``, ``asyncio.sleep``, ``asyncio.wait_for``)."""

from __future__ import annotations

import random
import time
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from helpers import AskedDelays, AsyncWaits, aio_client, botocore_response, make_client

from pytest_thingsgraph import ServiceError, ThingsGraphStub, mock_thingsgraph


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every real sleep requested during the test (recorded instead of slept)."""
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    return slept


@pytest.mark.parametrize("mode", ["legacy", "standard"])
def test_a_retried_throttle_does_not_sleep(thingsgraph_stub: ThingsGraphStub, mode: str, sleeps: list[float]) -> None:
    thingsgraph_stub.add_upload("u", [ServiceError("ThrottlingException"), "SUCCEEDED"])

    response = make_client(attempts=None, mode=mode).get_upload_status(uploadId="u")

    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    (delay,) = thingsgraph_stub.retry_delays
    assert 0 <= delay <= 1  # the first backoff of both modes: random() * 2 ** 0 seconds
    assert sleeps == []


@pytest.mark.parametrize("mode", ["legacy", "standard"])
def test_the_delays_grow_as_botocore_backs_off(
    thingsgraph_stub: ThingsGraphStub, sleeps: list[float], mode: str
) -> None:
    # both modes wait random.random() * 2 ** retry: from a seeded generator the delays are known, and grow
    random.seed(SEED)
    expected = [random.random() * 2**retry for retry in range(2)]
    assert 0 < expected[0] < expected[1]
    throttles = [ServiceError("ThrottlingException")] * 2
    thingsgraph_stub.add_upload("u", [*throttles, "SUCCEEDED"])
    client = make_client(attempts=3, mode=mode)
    random.seed(SEED)

    response = client.get_upload_status(uploadId="u")

    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert thingsgraph_stub.retry_delays == expected
    assert sleeps == []


SEED = 11


@pytest.mark.thingsgraph_stub(instant_retries=False)
def test_without_instant_retries_botocore_sleeps(thingsgraph_stub: ThingsGraphStub, sleeps: list[float]) -> None:
    thingsgraph_stub.add_upload("u", [ServiceError("InternalFailureException"), "SUCCEEDED"])

    make_client(attempts=None).get_upload_status(uploadId="u")

    assert thingsgraph_stub.retry_delays == []
    assert len(sleeps) == 1


class _FlakyNetwork:
    """Answers two 500s, then the parameter: an SSM endpoint that needs retries."""

    def __init__(self) -> None:
        self.attempts = 0

    def __call__(self, request: Any, **_: Any) -> AWSResponse:
        self.attempts += 1
        if self.attempts < 3:
            return botocore_response(request.url, 500, b'{"__type": "InternalServerError", "message": "x"}')
        return botocore_response(request.url, 200, b'{"Parameter": {"Name": "p", "Value": "v", "Type": "String"}}')


def test_other_services_still_sleep_between_retries(monkeypatch: pytest.MonkeyPatch, sleeps: list[float]) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example-secret")
    ssm = boto3.Session().client("ssm", region_name="us-east-1")
    ssm.meta.events.register("before-send.ssm", _FlakyNetwork())
    with mock_thingsgraph() as stub:
        stub.add_upload("u", [ServiceError("ThrottlingException"), "SUCCEEDED"])

        assert ssm.get_parameter(Name="p")["Parameter"]["Value"] == "v"
        make_client(attempts=None).get_upload_status(uploadId="u")

    assert len(sleeps) == 2  # SSM's two retries slept (into the fixture's list)
    assert len(stub.retry_delays) == 1  # Things Graph's one did not


def test_reset_forgets_the_delays(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("u", [ServiceError("ThrottlingException"), "SUCCEEDED"])
    make_client(attempts=None).get_upload_status(uploadId="u")

    thingsgraph_stub.reset()

    assert thingsgraph_stub.retry_delays == []


# aiobotocore (skipped without the aio extra)


THROTTLES = [ServiceError("ThrottlingException", "Rate exceeded")] * 2


@pytest.mark.asyncio
@pytest.mark.parametrize("mode", ["standard", "adaptive"])
async def test_aiobotocore_retry_waits_of_stubbed_calls_are_recorded_not_waited(
    mode: str, async_waits: AsyncWaits, asked_delays: AskedDelays, no_sockets: list[Any]
) -> None:
    with mock_thingsgraph() as stub:
        stub.add_upload("u", [*THROTTLES, "SUCCEEDED"])
        async with aio_client(mode, 4) as client:
            response = await client.get_upload_status(uploadId="u")

    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert len(asked_delays()) == 2
    assert stub.retry_delays == asked_delays()
    assert async_waits.sleeps == []
    assert async_waits.timed_waits == []  # in adaptive mode, the throttled token bucket held nothing back


@pytest.mark.asyncio
@pytest.mark.parametrize("mode", ["standard", "adaptive"])
async def test_aiobotocore_without_instant_retries_waits_what_it_asked(
    mode: str, async_waits: AsyncWaits, asked_delays: AskedDelays, no_sockets: list[Any]
) -> None:
    with mock_thingsgraph(instant_retries=False) as stub:
        stub.add_upload("u", [*THROTTLES, "SUCCEEDED"])
        async with aio_client(mode, 4) as client:
            response = await client.get_upload_status(uploadId="u")

    assert response["uploadStatus"] == "SUCCEEDED"
    assert len(asked_delays()) == 2
    assert async_waits.sleeps == asked_delays()
    assert stub.retry_delays == []
    if mode == "adaptive":
        assert async_waits.timed_waits != []  # the token bucket waited for capacity

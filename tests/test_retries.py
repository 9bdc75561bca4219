"""instant_retries: botocore's backoff before retrying a stubbed call is recorded, not slept."""

from __future__ import annotations

import random
import time
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from helpers import make_client

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
            return AWSResponse(request.url, 500, {}, _Raw(b'{"__type": "InternalServerError", "message": "x"}'))
        return AWSResponse(request.url, 200, {}, _Raw(b'{"Parameter": {"Name": "p", "Value": "v", "Type": "String"}}'))


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


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

"""Tests of ``thingsgraph_deploy.wait_for_upload`` against the ``thingsgraph_stub`` fixture.

Every test injects a fake clock, so nothing here really sleeps: the fake ``sleep`` only
moves the fake clock on and records the delay.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import boto3
import pytest
from botocore.config import Config
from hypothesis import given, settings
from thingsgraph_deploy import (
    DefinitionsClient,
    UploadError,
    UploadFailed,
    UploadNotFound,
    UploadStatusClient,
    UploadTimedOut,
    deploy_definitions,
    wait_for_upload,
)

from pytest_thingsgraph import ServiceError, ThingsGraphStub, mock_thingsgraph
from pytest_thingsgraph.strategies import scripts, upload_ids

REGION = "us-east-1"
UPLOAD_ID = "upload-0001"


@dataclass
class FakeClock:
    """A monotonic clock that only moves when the code under test sleeps."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_client(config: Config | None = None) -> UploadStatusClient:
    # boto3.client() is typed as a plain BaseClient unless the iotthingsgraph type stubs are installed.
    return cast(UploadStatusClient, boto3.client("iotthingsgraph", region_name=REGION, config=config))


@pytest.fixture(scope="module")
def client() -> UploadStatusClient:
    """A client with botocore's default retries, for scripts without retryable errors."""
    return make_client()


@pytest.fixture(scope="module")
def no_retry_client() -> UploadStatusClient:
    """A client that makes one HTTP attempt per call.

    botocore retries ThrottlingException and 5xx errors itself (the stub's instant_retries
    skips its sleeps), and each attempt consumes one script item. With a single attempt every
    scripted error reaches the poller at once, so its own (fake) backoff is what is tested.
    """
    return make_client(Config(retries={"total_max_attempts": 1}))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def wait(client: UploadStatusClient, clock: FakeClock, upload_id: str = UPLOAD_ID, **options: float) -> int:
    return wait_for_upload(client, upload_id, sleep=clock.sleep, clock=clock, **options)


def test_returns_the_namespace_version_once_the_upload_succeeded(
    thingsgraph_stub: ThingsGraphStub, client: UploadStatusClient, clock: FakeClock
) -> None:
    thingsgraph_stub.add_upload(
        UPLOAD_ID, ["IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"], namespace_name="acme", namespace_version=7
    )

    assert wait(client, clock) == 7

    calls = thingsgraph_stub.calls
    assert [call.upload_status for call in calls] == ["IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"]
    assert all(call.request == {"uploadId": UPLOAD_ID} for call in calls)
    assert {call.region for call in calls} == {REGION}
    assert clock.sleeps == [1.0, 2.0]


def test_a_failed_upload_raises_with_every_failure_reason(
    thingsgraph_stub: ThingsGraphStub, client: UploadStatusClient, clock: FakeClock
) -> None:
    reasons = ["Device model acme:Lamp is not defined", "Action acme:turnOn has no mapping"]
    thingsgraph_stub.add_upload(UPLOAD_ID, ["IN_PROGRESS", "FAILED"], failure_reason=reasons)

    with pytest.raises(UploadFailed) as info:
        wait(client, clock)

    assert info.value.upload_id == UPLOAD_ID
    assert info.value.reasons == tuple(reasons)
    assert all(reason in str(info.value) for reason in reasons)
    assert [call.upload_status for call in thingsgraph_stub.calls] == ["IN_PROGRESS", "FAILED"]


def test_a_success_without_namespace_version_is_an_error(
    thingsgraph_stub: ThingsGraphStub, client: UploadStatusClient, clock: FakeClock
) -> None:
    # The stub leaves namespaceVersion out unless add_upload() is given one.
    thingsgraph_stub.add_upload(UPLOAD_ID, ["SUCCEEDED"])

    with pytest.raises(UploadError, match="without a namespaceVersion"):
        wait(client, clock)


def test_throttling_and_internal_failures_are_polled_through_with_backoff(
    thingsgraph_stub: ThingsGraphStub, no_retry_client: UploadStatusClient, clock: FakeClock
) -> None:
    thingsgraph_stub.add_upload(
        UPLOAD_ID,
        [
            "IN_PROGRESS",
            ServiceError("ThrottlingException", "Rate exceeded"),
            ServiceError("ThrottlingException", "Rate exceeded"),
            ServiceError("InternalFailureException"),
            "SUCCEEDED",
        ],
        namespace_version=3,
    )

    assert wait(no_retry_client, clock, max_delay=4.0) == 3

    calls = thingsgraph_stub.calls
    assert [call.error_code for call in calls] == [
        None,
        "ThrottlingException",
        "ThrottlingException",
        "InternalFailureException",
        None,
    ]
    assert [call.status_code for call in calls] == [200, 400, 400, 500, 200]
    assert clock.sleeps == [1.0, 2.0, 4.0, 4.0]  # doubling, capped at max_delay


def test_an_unknown_upload_raises_upload_not_found(
    thingsgraph_stub: ThingsGraphStub, client: UploadStatusClient, clock: FakeClock
) -> None:
    with pytest.raises(UploadNotFound) as info:
        wait(client, clock, upload_id="upload-never-started")

    assert isinstance(info.value.__cause__, client.exceptions.ResourceNotFoundException)
    assert [call.status_code for call in thingsgraph_stub.calls] == [404]
    assert clock.sleeps == []


# The upload's script is never served (the client asks in another region): don't fail teardown for it.
@pytest.mark.thingsgraph_stub(assert_all_consumed=False)
def test_an_upload_of_another_region_is_not_found(
    thingsgraph_stub: ThingsGraphStub, client: UploadStatusClient, clock: FakeClock
) -> None:
    thingsgraph_stub.add_upload(UPLOAD_ID, ["SUCCEEDED"], namespace_version=1, region="eu-west-1")

    with pytest.raises(UploadNotFound):
        wait(client, clock)


def test_an_invalid_request_is_not_retried(
    thingsgraph_stub: ThingsGraphStub, client: UploadStatusClient, clock: FakeClock
) -> None:
    thingsgraph_stub.add_upload(UPLOAD_ID, [ServiceError("InvalidRequestException", "Upload ID is malformed")])

    with pytest.raises(client.exceptions.InvalidRequestException, match="Upload ID is malformed"):
        wait(client, clock)

    assert len(thingsgraph_stub.calls) == 1
    assert clock.sleeps == []


def test_times_out_after_a_last_poll_at_the_deadline(
    thingsgraph_stub: ThingsGraphStub, client: UploadStatusClient, clock: FakeClock
) -> None:
    # Polls at t=0, 1, 3, 7 and, after a sleep cut short to the deadline, at t=10.
    thingsgraph_stub.add_upload(UPLOAD_ID, ["IN_PROGRESS"] * 5)
    start = clock.now

    with pytest.raises(UploadTimedOut) as info:
        wait(client, clock, timeout=10.0)

    assert info.value.last_status == "IN_PROGRESS"
    assert clock.sleeps == [1.0, 2.0, 4.0, 3.0]
    assert clock.now == start + 10.0
    assert len(thingsgraph_stub.calls) == 5


VERSION = 42
REASONS = ["Entity acme:Lamp failed validation"]


# 50 examples: about half a second (each drives ~6 botocore calls). No per-example deadline: a cold
# first example can be slow on a busy CI machine.
@settings(max_examples=50, deadline=None)
# scripts() puts the transient errors (ThrottlingException, InternalFailureException) between polls: botocore
# retries them itself, and what is left after its retries the poller must absorb.
@given(upload_id=upload_ids(), script=scripts())
def test_contract_the_poller_ends_as_the_script_does(
    no_retry_client: UploadStatusClient, upload_id: str, script: list[str | Mapping[str, Any] | ServiceError]
) -> None:
    """IN_PROGRESS polls with transient errors between them: the last, terminal item decides the result.

    A dict item is merged over add_upload's keywords, and a None in it removes that member.
    """
    last = script[-1]
    fields: Mapping[str, Any] = {"uploadStatus": last} if isinstance(last, str) else cast(Mapping[str, Any], last)
    clock = FakeClock()
    with mock_thingsgraph() as stub:  # a fresh stub per example; its teardown checks run on exit
        stub.add_upload(upload_id, script, namespace_version=VERSION, failure_reason=REASONS)
        if fields["uploadStatus"] == "SUCCEEDED":
            version = fields.get("namespaceVersion", VERSION)
            if version is None:
                with pytest.raises(UploadError, match="without a namespaceVersion"):
                    wait(no_retry_client, clock, upload_id, timeout=1e9)
            else:
                assert wait(no_retry_client, clock, upload_id, timeout=1e9) == version
        else:
            with pytest.raises(UploadFailed) as info:
                wait(no_retry_client, clock, upload_id, timeout=1e9)
            assert info.value.reasons == tuple(fields.get("failureReason", REASONS) or ())
        # Every item was served (the stub checks it on exit), one poll each: every error was absorbed.
        assert len(stub.calls) == len(script)
        assert len(clock.sleeps) == len(script) - 1


LAMP = 'type Lamp @entity(id: "urn:tdm:acme/Lamp") { on: Boolean }'


def test_deploy_uploads_the_definitions_then_polls(
    client: UploadStatusClient, thingsgraph_stub: ThingsGraphStub
) -> None:
    upload_id = thingsgraph_stub.on_upload_entity_definitions(["IN_PROGRESS", "SUCCEEDED"], namespace_version=8)
    clock = FakeClock()

    version = deploy_definitions(cast(DefinitionsClient, client), LAMP, sleep=clock.sleep, clock=clock)

    assert version == 8
    assert [(c.operation, c.upload_id) for c in thingsgraph_stub.calls] == [
        ("UploadEntityDefinitions", upload_id),
        ("GetUploadStatus", upload_id),
        ("GetUploadStatus", upload_id),
    ]
    assert thingsgraph_stub.calls[0].request == {
        "document": {"language": "GRAPHQL", "text": LAMP},
        "deprecateExistingEntities": False,
    }


@pytest.mark.thingsgraph_stub(validate_definitions=True)
def test_deploy_of_definitions_that_do_not_parse_fails(
    client: UploadStatusClient, thingsgraph_stub: ThingsGraphStub
) -> None:
    clock = FakeClock()

    with pytest.raises(UploadFailed) as info:
        deploy_definitions(cast(DefinitionsClient, client), "type Lamp {", sleep=clock.sleep, clock=clock)

    assert info.value.reasons == ("line 1 column 12: Syntax Error: Expected Name, found <EOF>.",)

"""A typed user's tests: everything here type-checks under ``mypy --strict`` (tox -e type) and runs in the suite.

Written as a new user would write them, with mypy-boto3-iotthingsgraph's client type: no ``assert``
narrows what the package's types already say, no ``cast`` and no ``type: ignore``.
"""

from __future__ import annotations

import unittest
from typing import TYPE_CHECKING, Literal

import boto3
import pytest
from botocore.config import Config
from hypothesis import given, settings

from pytest_thingsgraph import (
    Call,
    ResponseMembers,
    ScriptItem,
    ServiceError,
    StubError,
    ThingsGraphStub,
    UploadStatus,
    mock_thingsgraph,
)
from pytest_thingsgraph.strategies import scripts, upload_ids

if TYPE_CHECKING:  # the stubs are needed by mypy only (tox -e type installs them)
    from mypy_boto3_iotthingsgraph import IoTThingsGraphClient
    from mypy_boto3_iotthingsgraph.type_defs import GetUploadStatusResponseTypeDef


def client(region: str = "us-east-1") -> IoTThingsGraphClient:
    return boto3.client("iotthingsgraph", region_name=region, config=Config(retries={"total_max_attempts": 1}))


def poll_until_done(things_graph: IoTThingsGraphClient, upload_id: str) -> UploadStatus:
    """The code under test: poll until the upload ends, past throttles and internal failures."""
    while True:
        try:
            status = things_graph.get_upload_status(uploadId=upload_id)["uploadStatus"]
        except (things_graph.exceptions.ThrottlingException, things_graph.exceptions.InternalFailureException):
            continue
        if status != "IN_PROGRESS":
            return status


def test_the_fixture_with_a_mixed_script(thingsgraph_stub: ThingsGraphStub) -> None:
    script: list[ScriptItem] = ["IN_PROGRESS", ServiceError("ThrottlingException"), {"uploadStatus": "SUCCEEDED"}]
    thingsgraph_stub.add_upload("u-1", script)

    assert poll_until_done(client(), "u-1") == "SUCCEEDED"
    calls: list[Call] = thingsgraph_stub.calls
    statuses: list[UploadStatus | None] = [call.upload_status for call in calls]
    assert statuses == ["IN_PROGRESS", None, "SUCCEEDED"]
    assert calls[-1].upload_status == "SUCCEEDED"
    assert [call.error_code for call in calls] == [None, "ThrottlingException", None]


def test_an_upload_script_returns_its_id(thingsgraph_stub: ThingsGraphStub) -> None:
    refused: None = thingsgraph_stub.on_upload_entity_definitions(ServiceError("ThrottlingException"))
    upload_id: str = thingsgraph_stub.on_upload_entity_definitions(["SUCCEEDED"])  # str, no assert needed
    things_graph = client()

    with pytest.raises(things_graph.exceptions.ThrottlingException):
        things_graph.upload_entity_definitions(syncWithPublicNamespace=True)
    created = things_graph.upload_entity_definitions(syncWithPublicNamespace=True)["uploadId"]
    assert (created, refused) == (upload_id, None)
    assert poll_until_done(things_graph, upload_id) == "SUCCEEDED"


def test_a_boto3_response_is_a_script_item(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("recorded", ["FAILED"], failure_reason=["bad definition"])
    recorded: GetUploadStatusResponseTypeDef = client().get_upload_status(uploadId="recorded")
    members: ResponseMembers = recorded  # what boto3 returned fits as it is
    thingsgraph_stub.reset()
    thingsgraph_stub.add_upload("recorded", [members])

    assert client().get_upload_status(uploadId="recorded")["failureReason"] == ["bad definition"]


@mock_thingsgraph()
def test_the_decorator() -> None:
    from pytest_thingsgraph import active_stub

    stub: ThingsGraphStub = active_stub()
    stub.add_upload("d", ["SUCCEEDED"])
    assert poll_until_done(client(), "d") == "SUCCEEDED"


@mock_thingsgraph
def test_the_decorator_without_parentheses() -> None:
    from pytest_thingsgraph import active_stub

    active_stub().add_upload("b", ["SUCCEEDED"])
    assert poll_until_done(client(), "b") == "SUCCEEDED"


def test_the_with_block() -> None:
    with mock_thingsgraph(assert_all_consumed=False) as stub:
        stub.add_upload("w", ["IN_PROGRESS", "SUCCEEDED"], region="us-west-2")
        status: Literal["IN_PROGRESS", "SUCCEEDED", "FAILED"] = client("us-west-2").get_upload_status(uploadId="w")[
            "uploadStatus"
        ]
    assert status == "IN_PROGRESS"


def test_start_and_stop() -> None:
    patcher = mock_thingsgraph()
    stub = patcher.start()
    stub.add_upload("s", ["IN_PROGRESS", "SUCCEEDED"])
    client().get_upload_status(uploadId="s")

    with pytest.raises(StubError, match="'s': 1 of 2 items served"):
        patcher.stop()


class TestWithUnittest(unittest.TestCase):
    def setUp(self) -> None:
        patcher = mock_thingsgraph()
        self.stub = patcher.start()
        self.addCleanup(patcher.stop)

    def test_poll(self) -> None:
        self.stub.add_upload("t", ["SUCCEEDED"])
        self.assertEqual(poll_until_done(client(), "t"), "SUCCEEDED")


@settings(max_examples=10, deadline=None)
@given(upload_id=upload_ids(), script=scripts(terminal=True))
def test_every_generated_script_ends(upload_id: str, script: list[ScriptItem]) -> None:
    with mock_thingsgraph(assert_all_consumed=False) as stub:
        stub.add_upload(upload_id, script)
        final: UploadStatus = poll_until_done(client(), upload_id)
    assert final in ("SUCCEEDED", "FAILED")

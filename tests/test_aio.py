"""aiobotocore and aioboto3 clients are answered by the same stub (run by ``tox -e aio``)."""

from __future__ import annotations

import asyncio

import pytest

aiobotocore_session = pytest.importorskip("aiobotocore.session", reason="the aio extra is tested by tox -e aio")
aioboto3 = pytest.importorskip("aioboto3")

from botocore.config import Config  # noqa: E402

from pytest_thingsgraph import ServiceError, StubError, ThingsGraphStub, mock_thingsgraph  # noqa: E402

ONE_ATTEMPT = Config(retries={"total_max_attempts": 1})


@pytest.mark.asyncio
async def test_an_aiobotocore_client_polls_through_a_retried_throttle(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload(
        "u", ["IN_PROGRESS", ServiceError("ThrottlingException", "Rate exceeded"), "SUCCEEDED"], namespace_version=3
    )

    async with aiobotocore_session.get_session().create_client("iotthingsgraph", region_name="us-east-1") as client:
        first = await client.get_upload_status(uploadId="u")
        second = await client.get_upload_status(uploadId="u")

    assert (first["uploadStatus"], second["uploadStatus"]) == ("IN_PROGRESS", "SUCCEEDED")
    assert second["namespaceVersion"] == 3
    assert second["ResponseMetadata"]["RetryAttempts"] == 1
    assert [c.error_code for c in thingsgraph_stub.calls] == [None, "ThrottlingException", None]
    assert len(thingsgraph_stub.retry_delays) == 1  # instant_retries: recorded, not slept


@pytest.mark.asyncio
async def test_another_operation_polls_through_a_retried_error_to_its_answer(thingsgraph_stub: ThingsGraphStub) -> None:
    urn = "urn:tdm:us-east-1/123456789012/default:System:Lamps"
    thingsgraph_stub.add_response("GetSystemInstance", ServiceError("InternalFailureException"))
    thingsgraph_stub.add_response(
        "get_system_instance", {"description": {"summary": {"id": urn, "status": "DEPLOYED_IN_TARGET"}}}
    )

    async with aiobotocore_session.get_session().create_client("iotthingsgraph", region_name="us-east-1") as client:
        answer = await client.get_system_instance(id=urn)

    assert answer["description"]["summary"] == {"id": urn, "status": "DEPLOYED_IN_TARGET"}
    assert answer["ResponseMetadata"]["RetryAttempts"] == 1
    assert [(c.operation, c.status_code) for c in thingsgraph_stub.calls] == [
        ("GetSystemInstance", 500),
        ("GetSystemInstance", 200),
    ]


@pytest.mark.asyncio
async def test_errors_and_validation_are_the_same(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("u", [ServiceError("ThrottlingException", "Rate exceeded"), "FAILED"])
    session = aiobotocore_session.get_session()
    async with session.create_client("iotthingsgraph", region_name="eu-west-1", config=ONE_ATTEMPT) as client:
        with pytest.raises(client.exceptions.ThrottlingException, match="Rate exceeded"):
            await client.get_upload_status(uploadId="u")
        assert (await client.get_upload_status(uploadId="u"))["uploadStatus"] == "FAILED"
        with pytest.raises(client.exceptions.InvalidRequestException):
            await client.get_upload_status(uploadId="x" * 41)
        with pytest.raises(StubError):
            await client.describe_namespace()

    assert [c.region for c in thingsgraph_stub.calls] == ["eu-west-1"] * 3
    assert len(thingsgraph_stub.failures()) == 2  # the invalid request and the unstubbed operation
    thingsgraph_stub.reset()


@pytest.mark.asyncio
async def test_an_aioboto3_client_uploads_then_polls(thingsgraph_stub: ThingsGraphStub) -> None:
    upload_id = thingsgraph_stub.on_upload_entity_definitions(["IN_PROGRESS", "SUCCEEDED"], namespace_version=6)

    async with aioboto3.Session().client("iotthingsgraph", region_name="us-east-1") as client:
        created = await client.upload_entity_definitions(document={"language": "GRAPHQL", "text": "type A {}"})
        statuses = [(await client.get_upload_status(uploadId=created["uploadId"]))["uploadStatus"] for _ in range(2)]

    assert created["uploadId"] == upload_id
    assert statuses == ["IN_PROGRESS", "SUCCEEDED"]


@pytest.mark.asyncio
async def test_concurrent_tasks_get_each_item_once_in_order() -> None:
    script = [{"uploadStatus": "IN_PROGRESS", "namespaceVersion": n} for n in range(39)] + ["SUCCEEDED"]
    with mock_thingsgraph() as stub:
        stub.add_upload("u", [*script[:20], ServiceError("ThrottlingException"), *script[20:]])
        async with aiobotocore_session.get_session().create_client("iotthingsgraph", region_name="us-east-1") as c:
            await asyncio.gather(*(c.get_upload_status(uploadId="u") for _ in range(40)))

    served = [call.response.get("namespaceVersion") for call in stub.calls if call.error_code is None]
    assert served == [*range(39), None]
    assert len(stub.retry_delays) == 1


@pytest.mark.anyio
async def test_under_anyio(thingsgraph_stub: ThingsGraphStub, anyio_backend: str) -> None:
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"])
    async with aiobotocore_session.get_session().create_client("iotthingsgraph", region_name="us-east-1") as client:
        assert (await client.get_upload_status(uploadId="u"))["uploadStatus"] == "SUCCEEDED"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.asyncio
async def test_a_sync_client_inside_a_coroutine_still_gets_a_sync_answer(thingsgraph_stub: ThingsGraphStub) -> None:
    import boto3

    thingsgraph_stub.add_upload("u", ["SUCCEEDED"])

    assert boto3.client("iotthingsgraph", region_name="us-east-1").get_upload_status(uploadId="u")["uploadStatus"]


@pytest.mark.asyncio
async def test_empty_keys_given_to_an_aiobotocore_client_are_refused(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"])
    session = aiobotocore_session.get_session()
    async with session.create_client(
        "iotthingsgraph", region_name="us-east-1", aws_access_key_id="", aws_secret_access_key="", config=ONE_ATTEMPT
    ) as client:
        with pytest.raises(client.exceptions.ClientError) as caught:
            await client.get_upload_status(uploadId="u")

    assert caught.value.response["Error"]["Code"] == "IncompleteSignatureException"
    assert [call.error_code for call in thingsgraph_stub.calls] == ["IncompleteSignatureException"]
    thingsgraph_stub.reset()  # the invalid request and the unpolled script are this test's point

"""Callers that use httpx, sync or async: Things Graph calls reach the stub, everything else goes where it went."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from helpers import record_lookups
from server_helpers import signed_headers

from pytest_thingsgraph import ANY, ServiceError, StubError, ThingsGraphStub, mock_thingsgraph

ENDPOINT = "https://iotthingsgraph.eu-west-1.amazonaws.com/"


def poll_request(upload_id: str, *, url: str = ENDPOINT, region: str = "eu-west-1") -> dict[str, Any]:
    """The arguments of a GetUploadStatus call sent with httpx, signed by hand as some callers do."""
    body = json.dumps({"uploadId": upload_id}).encode()
    return {"url": url, "content": body, "headers": signed_headers(url, body, region=region)}


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every host looked up (only loopback names are resolved): what the process tried to reach."""
    return record_lookups(monkeypatch)


def test_a_sync_httpx_client_is_answered_with_the_script(thingsgraph_stub: ThingsGraphStub, lookups: list[str]) -> None:
    thingsgraph_stub.add_upload(
        "u", ["IN_PROGRESS", ServiceError("ThrottlingException", "Rate exceeded"), "SUCCEEDED"], namespace_version=4
    )

    with httpx.Client(timeout=5) as client:
        answers = [client.post(**poll_request("u")) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 400, 200]
    assert answers[0].json()["uploadStatus"] == "IN_PROGRESS"
    assert answers[1].json() == {"__type": "ThrottlingException", "message": "Rate exceeded"}
    assert answers[2].json()["namespaceVersion"] == 4
    assert answers[2].headers["Content-Type"] == "application/x-amz-json-1.1"
    assert answers[2].headers["Content-Length"] == str(len(answers[2].content))
    assert [c.request_id for c in thingsgraph_stub.calls] == [a.headers["x-amzn-RequestId"] for a in answers]
    assert [(c.operation, c.upload_id, c.region) for c in thingsgraph_stub.calls] == [
        ("GetUploadStatus", "u", "eu-west-1")
    ] * 3
    assert lookups == []


@pytest.mark.asyncio
async def test_an_async_httpx_client_is_answered_with_the_script(
    thingsgraph_stub: ThingsGraphStub, lookups: list[str]
) -> None:
    thingsgraph_stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"], namespace_version=5, region="eu-west-1")

    async with httpx.AsyncClient(timeout=5) as client:
        first = await client.post(**poll_request("u"))
        second = await client.post(**poll_request("u"))

    assert (first.json()["uploadStatus"], second.json()["uploadStatus"]) == ("IN_PROGRESS", "SUCCEEDED")
    assert second.json()["namespaceVersion"] == 5
    assert [c.request_id for c in thingsgraph_stub.calls] == [a.headers["x-amzn-RequestId"] for a in (first, second)]
    assert lookups == []


@pytest.mark.asyncio
async def test_another_operation_is_answered_for_async_httpx_callers(
    thingsgraph_stub: ThingsGraphStub, lookups: list[str]
) -> None:
    thingsgraph_stub.add_response("search_things", {"things": [{"thingName": "lamp-1"}]}, match={"entityId": ANY})
    body = json.dumps({"entityId": "urn:tdm:aws/examples:Device:Lamp"}).encode()
    headers = signed_headers(ENDPOINT, body, operation="SearchThings", region="eu-west-1")

    async with httpx.AsyncClient(timeout=5) as client:
        answer = await client.post(ENDPOINT, content=body, headers=headers)

    assert (answer.status_code, answer.json()) == (200, {"things": [{"thingName": "lamp-1"}]})
    assert [(c.operation, c.region, c.request_id) for c in thingsgraph_stub.calls] == [
        ("SearchThings", "eu-west-1", answer.headers["x-amzn-RequestId"])
    ]
    assert lookups == []


@pytest.mark.parametrize(
    ("url", "region"),
    [
        ("https://iotthingsgraph.us-west-2.amazonaws.com/", "us-west-2"),
        ("https://IOTTHINGSGRAPH.ap-northeast-2.amazonaws.com./", "ap-northeast-2"),
        ("https://iotthingsgraph.ap-southeast-2.amazonaws.com:443/", "ap-southeast-2"),
    ],
)
def test_every_host_where_it_ran_is_answered_even_behind_a_proxy(
    thingsgraph_stub: ThingsGraphStub, lookups: list[str], url: str, region: str
) -> None:
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"], region=region)

    with httpx.Client(proxy="http://proxy.example.invalid:3128", timeout=5) as client:
        answer = client.post(**poll_request("u", url=url, region=region))

    assert answer.json()["uploadStatus"] == "SUCCEEDED"
    assert [(c.upload_id, c.region) for c in thingsgraph_stub.calls] == [("u", region)]
    assert lookups == []  # neither the service nor the proxy was looked up


def test_an_unsigned_call_is_refused_as_the_service_refuses_it(lookups: list[str]) -> None:
    with pytest.raises(StubError, match="MissingAuthenticationTokenException"), mock_thingsgraph() as stub:
        stub.add_upload("u", ["SUCCEEDED"])
        unsigned = {
            "X-Amz-Target": "IotThingsGraphFrontEndService.GetUploadStatus",
            "Content-Type": "application/x-amz-json-1.1",
        }
        answer = httpx.post(ENDPOINT, content=b'{"uploadId": "u"}', headers=unsigned, timeout=5)

    assert answer.status_code == 403
    assert answer.json() == {"__type": "MissingAuthenticationTokenException", "message": "Missing Authentication Token"}
    assert lookups == []


def guard_refusal(url: str = ENDPOINT) -> str:
    """The guard's message for an httpx call to ``url`` with no stub active."""
    return (
        f"A Things Graph request of an httpx client to {url} was made while no Things Graph stub is active, "
        "and was not sent. Request the thingsgraph_stub fixture in this test (or wrap the code in "
        "mock_thingsgraph()); a client that outlives its test still calls after the stub stopped. "
        "To let such calls through, set the ini key thingsgraph_block_unstubbed = false."
    )


def test_a_sync_call_with_no_stub_is_refused_by_the_guard_unsent(lookups: list[str]) -> None:
    with pytest.raises(StubError) as caught:
        httpx.post(**poll_request("u"), timeout=5)

    assert str(caught.value) == guard_refusal()
    assert lookups == []


@pytest.mark.asyncio
async def test_an_async_call_with_no_stub_is_refused_by_the_guard_unsent(lookups: list[str]) -> None:
    async with httpx.AsyncClient(timeout=5) as client:
        with pytest.raises(StubError) as caught:
            await client.post(**poll_request("u"))

    assert str(caught.value) == guard_refusal()
    assert lookups == []


@pytest.mark.usefixtures("unguarded")
def test_with_no_stub_and_no_guard_the_call_goes_where_it_went(lookups: list[str]) -> None:
    with pytest.raises(httpx.ConnectError, match="test refused to look up"):
        httpx.post(**poll_request("u"), timeout=5)

    assert lookups == ["iotthingsgraph.eu-west-1.amazonaws.com"]


@pytest.mark.asyncio
async def test_other_httpx_traffic_reaches_its_destination(
    thingsgraph_stub: ThingsGraphStub, local_server: str
) -> None:
    sync_answer = httpx.get(f"{local_server}/sync", timeout=5)
    async with httpx.AsyncClient(timeout=5) as client:
        async_answer = await client.get(f"{local_server}/async")

    assert sync_answer.json() == {"served_by": "local server", "path": "/sync"}
    assert async_answer.json() == {"served_by": "local server", "path": "/async"}
    assert thingsgraph_stub.calls == []


def test_a_tests_own_mock_transport_keeps_answering(thingsgraph_stub: ThingsGraphStub) -> None:
    own = httpx.MockTransport(lambda request: httpx.Response(200, json={"answered_by": "the test's own transport"}))

    with httpx.Client(transport=own) as client:
        answer = client.get("https://api.example.invalid/items")

    assert answer.json() == {"answered_by": "the test's own transport"}
    assert thingsgraph_stub.calls == []

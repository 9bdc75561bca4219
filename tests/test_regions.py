"""Regions: only the hosts where Things Graph ran are answered; every other AWS host of it cannot connect.

botocore's endpoints.json says where the service ran (the aws partition's six regions, no FIPS or
dual-stack endpoint). A call to any other Things Graph host of AWS fails as the network would,
with nothing sent; a client with its own ``endpoint_url`` (a VPC endpoint) is answered.
"""

from __future__ import annotations

import asyncio
import importlib.util
from typing import Any

import botocore.loaders
import botocore.session
import httpx
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError
from helpers import make_client

from pytest_thingsgraph import ThingsGraphStub, mock_thingsgraph

SERVED = "ap-northeast-1, ap-northeast-2, ap-southeast-2, eu-west-1, us-east-1 and us-west-2"
ENDPOINTS = botocore.loaders.create_loader().load_data("endpoints")
RAN_IN = sorted(
    region
    for partition in ENDPOINTS["partitions"]
    for region in partition["services"].get("iotthingsgraph", {}).get("endpoints", {})
)


def reason(host: str, region: str) -> str:
    return (
        f"No Things Graph endpoint ever answered at {host} (region {region}): the service ran only in "
        f"{SERVED} of the aws partition, with no FIPS or dual-stack endpoint (botocore's endpoints.json)."
    )


def test_the_regions_named_are_botocores() -> None:
    assert SERVED.replace(" and", ",").split(", ") == RAN_IN


@pytest.mark.parametrize("region", RAN_IN)
def test_every_region_where_it_ran_is_answered(
    thingsgraph_stub: ThingsGraphStub, no_sockets: list[Any], region: str
) -> None:
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"], region=region)

    assert make_client(region).get_upload_status(uploadId="u")["uploadStatus"] == "SUCCEEDED"
    assert no_sockets == []


UNREACHABLE = [
    pytest.param("cn-north-1", {}, "iotthingsgraph.cn-north-1.amazonaws.com.cn", id="china"),
    pytest.param("eu-central-1", {}, "iotthingsgraph.eu-central-1.amazonaws.com", id="never-ran-there"),
    pytest.param("us-gov-west-1", {}, "iotthingsgraph.us-gov-west-1.amazonaws.com", id="govcloud"),
    pytest.param("us-east1", {}, "iotthingsgraph.us-east1.amazonaws.com", id="typo"),
    pytest.param("us-east-1", {"use_fips_endpoint": True}, "iotthingsgraph-fips.us-east-1.amazonaws.com", id="fips"),
    pytest.param("us-east-1", {"use_dualstack_endpoint": True}, "iotthingsgraph.us-east-1.api.aws", id="dualstack"),
]


@pytest.mark.parametrize(("region", "config", "host"), UNREACHABLE)
def test_a_boto3_client_where_it_never_ran_cannot_connect(
    no_sockets: list[Any], region: str, config: dict[str, Any], host: str
) -> None:
    client = make_client(region, **config)
    # the code handles the error, so leaving the block (the teardown checks) raises nothing
    with mock_thingsgraph() as stub, pytest.raises(EndpointConnectionError) as caught:
        client.get_upload_status(uploadId="u")

    assert str(caught.value) == f'Could not connect to the endpoint URL: "https://{host}/": {reason(host, region)}'
    assert [(c.operation, c.region, c.status_code, c.error_code, c.request, c.request_id) for c in stub.calls] == [
        ("GetUploadStatus", region, 0, "EndpointConnectionError", None, "")
    ]
    assert no_sockets == []


def test_its_retries_run_as_against_the_network_instantly(thingsgraph_stub: ThingsGraphStub) -> None:
    client = make_client("eu-central-1", attempts=3)

    with pytest.raises(EndpointConnectionError):
        client.get_upload_status(uploadId="u")

    assert [c.error_code for c in thingsgraph_stub.calls] == ["EndpointConnectionError"] * 3
    assert len(thingsgraph_stub.retry_delays) == 2


def test_a_botocore_client_where_it_never_ran_cannot_connect(thingsgraph_stub: ThingsGraphStub) -> None:
    client = botocore.session.get_session().create_client(
        "iotthingsgraph", region_name="us-gov-west-1", config=Config(retries={"total_max_attempts": 1})
    )

    with pytest.raises(EndpointConnectionError, match=r"\(region us-gov-west-1\)"):
        client.upload_entity_definitions(document={"language": "GRAPHQL", "text": "type A {}"})

    assert [(c.operation, c.error_code) for c in thingsgraph_stub.calls] == [
        ("UploadEntityDefinitions", "EndpointConnectionError")
    ]


def test_a_vpc_endpoint_url_is_answered_in_any_region(thingsgraph_stub: ThingsGraphStub, no_sockets: list[Any]) -> None:
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"])
    url = "https://vpce-0123456789abcdef0-abcdefgh.iotthingsgraph.eu-central-1.vpce.amazonaws.com"

    assert make_client("eu-central-1", endpoint_url=url).get_upload_status(uploadId="u")["uploadStatus"] == "SUCCEEDED"
    assert [(c.region, c.status_code) for c in thingsgraph_stub.calls] == [("eu-central-1", 200)]
    assert no_sockets == []


def test_a_requests_caller_where_it_never_ran_cannot_connect(no_sockets: list[Any]) -> None:
    url = "https://iotthingsgraph.eu-central-1.amazonaws.com/"
    with mock_thingsgraph() as stub, pytest.raises(requests.exceptions.ConnectionError) as caught:
        requests.post(url, data=b"{}", headers={"X-Amz-Target": "IotThingsGraphFrontEndService.GetUploadStatus"})

    assert (
        str(caught.value)
        == f"Could not connect to {url}: {reason('iotthingsgraph.eu-central-1.amazonaws.com', 'eu-central-1')}"
    )
    assert caught.value.request is not None
    assert (caught.value.request.method, caught.value.request.url) == ("POST", url)  # as requests' own errors carry it
    assert [(c.operation, c.region, c.status_code, c.response, c.upload_status) for c in stub.calls] == [
        ("GetUploadStatus", "eu-central-1", 0, {}, None)
    ]
    assert no_sockets == []


def test_a_host_written_with_a_final_dot_is_named_without_it(no_sockets: list[Any]) -> None:
    url = "https://IOTTHINGSGRAPH.eu-central-1.amazonaws.com./"
    with mock_thingsgraph() as stub, pytest.raises(requests.exceptions.ConnectionError) as caught:
        requests.post(url, data=b"{}", headers={"X-Amz-Target": "IotThingsGraphFrontEndService.GetUploadStatus"})

    assert str(caught.value).endswith(f": {reason('iotthingsgraph.eu-central-1.amazonaws.com', 'eu-central-1')}")
    assert [(c.operation, c.region, c.status_code) for c in stub.calls] == [("GetUploadStatus", "eu-central-1", 0)]
    assert no_sockets == []


def test_a_call_without_an_operation_where_it_never_ran_is_recorded_without_one(no_sockets: list[Any]) -> None:
    url = "https://iotthingsgraph.eu-central-1.amazonaws.com/"
    with mock_thingsgraph() as stub, pytest.raises(requests.exceptions.ConnectionError):
        requests.post(url, data=b"{}")

    assert [(c.operation, c.region, c.status_code, c.error_code) for c in stub.calls] == [
        (None, "eu-central-1", 0, "EndpointConnectionError")
    ]
    assert no_sockets == []


def test_an_httpx_caller_where_it_never_ran_cannot_connect(no_sockets: list[Any]) -> None:
    url = "https://iotthingsgraph.cn-north-1.amazonaws.com.cn/"
    headers = {"X-Amz-Target": "IotThingsGraphFrontEndService.GetUploadStatus"}
    with mock_thingsgraph() as stub, pytest.raises(httpx.ConnectError) as caught, httpx.Client() as client:
        client.post(url, content=b"{}", headers=headers)

    assert str(caught.value) == reason("iotthingsgraph.cn-north-1.amazonaws.com.cn", "cn-north-1")
    assert [(c.operation, c.region, c.status_code) for c in stub.calls] == [("GetUploadStatus", "cn-north-1", 0)]
    assert no_sockets == []


def test_an_async_httpx_caller_where_it_never_ran_cannot_connect(no_sockets: list[Any]) -> None:
    url = "https://iotthingsgraph-fips.us-east-1.amazonaws.com/"
    headers = {"X-Amz-Target": "IotThingsGraphFrontEndService.GetUploadStatus"}

    async def call() -> None:
        async with httpx.AsyncClient() as client:
            await client.post(url, content=b"{}", headers=headers)

    with mock_thingsgraph() as stub, pytest.raises(httpx.ConnectError) as caught:
        asyncio.run(call())

    assert str(caught.value) == reason("iotthingsgraph-fips.us-east-1.amazonaws.com", "us-east-1")
    assert [(c.operation, c.region, c.status_code) for c in stub.calls] == [("GetUploadStatus", "us-east-1", 0)]
    assert no_sockets == []


@pytest.mark.skipif(importlib.util.find_spec("aiobotocore") is None, reason="the aio extra is tested by tox -e aio")
def test_an_aiobotocore_client_where_it_never_ran_cannot_connect(thingsgraph_stub: ThingsGraphStub) -> None:
    from aiobotocore.session import get_session

    async def call() -> None:
        async with get_session().create_client(
            "iotthingsgraph", region_name="cn-north-1", config=Config(retries={"total_max_attempts": 1})
        ) as client:
            await client.get_upload_status(uploadId="u")

    with pytest.raises(EndpointConnectionError) as caught:
        asyncio.run(call())

    host = "iotthingsgraph.cn-north-1.amazonaws.com.cn"
    assert (
        str(caught.value) == f'Could not connect to the endpoint URL: "https://{host}/": {reason(host, "cn-north-1")}'
    )
    assert [c.error_code for c in thingsgraph_stub.calls] == ["EndpointConnectionError"]


@pytest.mark.parametrize(
    "url",
    [
        "https://iotthingsgraph.us-east-1.amazonaws.com/",
        "https://IotThingsGraph.EU-WEST-1.amazonaws.com./",
        "http://127.0.0.1:5000/",
        "https://vpce-1.iotthingsgraph.eu-central-1.vpce.amazonaws.com/",
        "https://example.com/",
        "not a url",
    ],
)
def test_unreachable_reason_is_none_where_a_call_can_connect(url: str) -> None:
    from pytest_thingsgraph._endpoints import unreachable_reason  # the one function every adapter asks

    assert unreachable_reason(url) is None

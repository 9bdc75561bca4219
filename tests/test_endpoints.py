"""Things Graph hosts: every form botocore's own endpoint resolver makes is recognised, nothing else is."""

from __future__ import annotations

from urllib.parse import urlsplit

import boto3
import botocore.loaders
import pytest
from botocore.config import Config
from botocore.exceptions import EndpointVariantError

from pytest_thingsgraph._endpoints import host_patterns, is_loopback_host, things_graph_region, url_templates

PARTITIONS = botocore.loaders.create_loader().load_data("partitions")["partitions"]


def _regions(partition: dict[str, object]) -> list[str]:
    """The regions a client can be made for (botocore also lists pseudo-regions such as 'aws-global')."""
    regions = partition["regions"]
    assert isinstance(regions, dict)
    return [name for name in regions if not name.endswith("-global")]


RESOLVED = [
    pytest.param(region, fips, dual_stack, id=f"{region}-fips={fips}-dualstack={dual_stack}")
    for partition in PARTITIONS
    for region in _regions(partition)
    for fips in (False, True)
    for dual_stack in (False, True)
]


@pytest.mark.parametrize(
    ("host", "region"),
    [
        ("iotthingsgraph.us-east-1.amazonaws.com", "us-east-1"),
        ("iotthingsgraph.cn-north-1.amazonaws.com.cn", "cn-north-1"),
        ("iotthingsgraph-fips.us-east-1.amazonaws.com", "us-east-1"),
        ("iotthingsgraph.us-east-1.api.aws", "us-east-1"),
        ("iotthingsgraph-fips.us-west-2.api.aws", "us-west-2"),
        ("iotthingsgraph.us-gov-west-1.amazonaws.com", "us-gov-west-1"),
        ("iotthingsgraph.us-iso-east-1.c2s.ic.gov", "us-iso-east-1"),
        ("iotthingsgraph-fips.us-isob-east-1.sc2s.sgov.gov", "us-isob-east-1"),
        ("iotthingsgraph.cn-northwest-1.api.amazonwebservices.com.cn", "cn-northwest-1"),
        ("IOTTHINGSGRAPH.EU-WEST-1.AMAZONAWS.COM", "eu-west-1"),  # DNS ignores case
        ("iotthingsgraph.eu-west-1.amazonaws.com.", "eu-west-1"),  # a fully qualified name
        ("iotthingsgraph.xx-future-9.amazonaws.com", "xx-future-9"),  # a region botocore does not know yet
    ],
)
def test_known_hosts_name_their_region(host: str, region: str) -> None:
    assert things_graph_region(host) == region


@pytest.mark.parametrize(
    "host",
    [
        "iotthingsgraph.amazonaws.com.evil.com",
        "iotthingsgraph.us-east-1.amazonaws.com.evil.com",
        "xiotthingsgraph.us-east-1.amazonaws.com",
        "iotthingsgraph-x.us-east-1.amazonaws.com",
        "s3.us-east-1.amazonaws.com",
        "iotthingsgraph.amazonaws.com",
        "iotthingsgraph..amazonaws.com",
        "iotthingsgraph.us-east-1.eu-west-1.amazonaws.com",
        "iotthingsgraph.-us-east-1.amazonaws.com",
        "iotthingsgraph.us-east-1.amazonaws.co",
        "iotthingsgraph.us-east-1.amazonaws.com..",
        "127.0.0.1",
        "localhost",
        "",
    ],
)
def test_other_hosts_are_not_things_graph(host: str) -> None:
    assert things_graph_region(host) is None


def test_templates_are_read_from_botocores_ruleset() -> None:
    templates = url_templates()

    assert "https://iotthingsgraph.{Region}.{PartitionResult#dnsSuffix}" in templates
    assert "https://iotthingsgraph-fips.{Region}.{PartitionResult#dualStackDnsSuffix}" in templates
    assert all(template.startswith("https://iotthingsgraph") for template in templates)


def test_the_endpoint_templates_and_every_host_form_they_make() -> None:
    templates = url_templates()

    assert templates
    assert all(template.startswith("https://") and "{Region}" in template for template in templates)
    assert len(set(templates)) == len(templates)
    for host, region in [
        ("iotthingsgraph.us-east-1.amazonaws.com", "us-east-1"),
        ("iotthingsgraph-fips.eu-west-1.amazonaws.com", "eu-west-1"),
        ("iotthingsgraph.ap-south-1.api.aws", "ap-south-1"),
        ("iotthingsgraph-fips.us-west-2.api.aws", "us-west-2"),
        ("iotthingsgraph.cn-north-1.amazonaws.com.cn", "cn-north-1"),
    ]:
        assert things_graph_region(host) == region
    assert things_graph_region("iotthingsgraph.us-east-1.example.com") is None


def test_every_partitions_suffixes_are_matched() -> None:
    patterns = host_patterns()

    assert set(patterns) == {"iotthingsgraph.", "iotthingsgraph-fips."}
    for partition in PARTITIONS:
        outputs = partition["outputs"]
        for suffix in (outputs["dnsSuffix"], outputs["dualStackDnsSuffix"]):
            assert all(f".{suffix}" in suffixes for suffixes in patterns.values()), (partition["id"], suffix)


def test_every_partition_has_regions_to_resolve() -> None:
    assert {partition["id"] for partition in PARTITIONS} >= {"aws", "aws-cn", "aws-us-gov"}
    # newer partitions (aws-iso-e, aws-iso-f) list no regions in older botocore releases
    assert all(_regions(partition) for partition in PARTITIONS if partition["id"] in {"aws", "aws-cn", "aws-us-gov"})


@pytest.mark.parametrize(("region", "fips", "dual_stack"), RESOLVED)
def test_every_host_botocore_resolves_is_matched(region: str, fips: bool, dual_stack: bool) -> None:
    try:
        client = boto3.client(
            "iotthingsgraph",
            region_name=region,
            aws_access_key_id="AKIDEXAMPLE",
            aws_secret_access_key="not-a-secret",
            config=Config(use_fips_endpoint=fips, use_dualstack_endpoint=dual_stack),
        )
    except EndpointVariantError:  # botocore's endpoints data has no such variant there: no host to match
        pytest.skip(f"botocore makes no {'FIPS ' if fips else ''}dual-stack endpoint in {region}")
    host = urlsplit(client.meta.endpoint_url).hostname or ""

    assert host.startswith("iotthingsgraph-fips." if fips else "iotthingsgraph.")
    assert things_graph_region(host) == region


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("localhost.", True),  # a fully qualified name
        ("LOCALHOST", True),
        ("things.localhost.", True),
        ("127.0.0.1.", True),
        ("[::1]", True),
        ("Xlocalhost", False),
        ("localhostX", False),
        ("localhost.example.com", False),
        ("[::2]", False),
    ],
)
def test_loopback_hosts_are_localhost_names_and_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback

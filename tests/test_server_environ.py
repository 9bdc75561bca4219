"""``ThingsGraphServer.environ`` wins over whatever endpoint setting the child inherits.

Each child is given the server's ``environ`` on top of an inherited setting that, on its own, would send
it elsewhere; it must still reach the server. An HTTPS proxy on a closed loopback port stands in for the
network: a call that escaped to AWS would fail at once on it, and nothing leaves the machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from node_helpers import SDK_V3, node_or_skip
from server_helpers import TIMEOUT, child_environment, run_client, tool

from pytest_thingsgraph import ThingsGraphServer, ThingsGraphStub

#: Where an escaped HTTPS call would go: a loopback port nothing listens on.
DEAD_PROXY = "http://127.0.0.1:1"
ELSEWHERE = "http://127.0.0.1:1"

BOTO3_CHILD = """
import json, sys
import boto3

client = boto3.client("iotthingsgraph")  # endpoint, credentials and region from the environment only
result = {"endpoint": client.meta.endpoint_url}
if result["endpoint"] == sys.argv[1]:  # nothing is sent anywhere else
    result["status"] = client.get_upload_status(uploadId="env-child")["uploadStatus"]
print(json.dumps(result))
"""

#: What the child inherits: environment variables, and the text of its config file.
INHERITED: dict[str, tuple[dict[str, str], str]] = {
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true": ({"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}, ""),
    "ignore_configured_endpoint_urls in the config file": ({}, "[default]\nignore_configured_endpoint_urls = true\n"),
    "a general AWS_ENDPOINT_URL": ({"AWS_ENDPOINT_URL": ELSEWHERE}, ""),
    "endpoint URLs in the config file": (
        {},
        f"[default]\nendpoint_url = {ELSEWHERE}\nservices = elsewhere\n\n"
        f"[services elsewhere]\niotthingsgraph =\n  endpoint_url = {ELSEWHERE}\n",
    ),
    "FIPS and dual-stack": ({"AWS_USE_FIPS_ENDPOINT": "true", "AWS_USE_DUALSTACK_ENDPOINT": "true"}, ""),
}


def environment(
    server: ThingsGraphServer, tmp_path: Path, inherited: dict[str, str], config: str = ""
) -> dict[str, str]:
    """The parent's settings, then the server's environ merged over them, as the docs show."""
    config_file = tmp_path / "config"
    config_file.write_text(config, encoding="utf-8")
    return child_environment(
        {
            "AWS_CONFIG_FILE": str(config_file),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
            "AWS_DEFAULT_REGION": "us-west-2",
            "AWS_MAX_ATTEMPTS": "1",
            "HTTPS_PROXY": DEAD_PROXY,
            "https_proxy": DEAD_PROXY,
            **inherited,
            **server.environ,
        }
    )


def test_environ_sets_every_endpoint_setting(thingsgraph_server: ThingsGraphServer) -> None:
    environ = thingsgraph_server.environ
    assert environ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] == "false"
    assert environ["AWS_USE_FIPS_ENDPOINT"] == "false"
    assert environ["AWS_USE_DUALSTACK_ENDPOINT"] == "false"
    assert "AWS_ENDPOINT_URL" not in environ  # the child's other services keep their own endpoints


@pytest.mark.parametrize("setting", list(INHERITED))
def test_boto3_child_reaches_the_server_whatever_it_inherits(
    thingsgraph_server: ThingsGraphServer, thingsgraph_stub: ThingsGraphStub, tmp_path: Path, setting: str
) -> None:
    thingsgraph_stub.add_upload("env-child", ["SUCCEEDED"])
    inherited, config = INHERITED[setting]

    result = run_client(
        [sys.executable, "-c", BOTO3_CHILD, thingsgraph_server.endpoint_url],
        environment(thingsgraph_server, tmp_path, inherited, config),
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"endpoint": thingsgraph_server.endpoint_url, "status": "SUCCEEDED"}
    assert [(c.upload_id, c.region, c.status_code) for c in thingsgraph_stub.calls] == [("env-child", "us-west-2", 200)]


def test_aws_cli_reaches_the_server_with_configured_endpoints_ignored_by_the_parent(
    thingsgraph_server: ThingsGraphServer, thingsgraph_stub: ThingsGraphStub, tmp_path: Path
) -> None:
    aws = tool("aws", package="awscli")
    thingsgraph_stub.add_upload("env-cli", ["SUCCEEDED"])
    inherited, config = INHERITED["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true"]

    result = run_client(
        [aws, "iotthingsgraph", "get-upload-status", "--upload-id", "env-cli", "--output", "json"],
        environment(thingsgraph_server, tmp_path, inherited, config),
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["uploadStatus"] == "SUCCEEDED"
    assert [(c.upload_id, c.region, c.status_code) for c in thingsgraph_stub.calls] == [("env-cli", "us-west-2", 200)]


JS_V3_CHILD = """
const { IoTThingsGraphClient, GetUploadStatusCommand } = require("@aws-sdk/client-iotthingsgraph");
const client = new IoTThingsGraphClient({ maxAttempts: 1 });  // endpoint, credentials, region: the environment's
client.send(new GetUploadStatusCommand({ uploadId: "env-js" })).then(
  (answer) => console.log(JSON.stringify({ status: answer.uploadStatus })),
  (error) => console.log(JSON.stringify({ error: `${error.name}: ${error.message}` })),
);
"""


def test_javascript_sdk_v3_child_reaches_the_server_with_fips_and_dual_stack_inherited(
    thingsgraph_server: ThingsGraphServer, thingsgraph_stub: ThingsGraphStub, tmp_path: Path
) -> None:
    # the SDK refuses a custom endpoint with either ("Invalid Configuration: FIPS and custom endpoint
    # are not supported"): environ turns both off
    node, modules = node_or_skip(SDK_V3)
    thingsgraph_stub.add_upload("env-js", ["SUCCEEDED"])
    inherited, config = INHERITED["FIPS and dual-stack"]

    result = subprocess.run(
        [node, "-e", JS_V3_CHILD],
        env={
            **environment(thingsgraph_server, tmp_path, inherited, config),
            "AWS_REGION": "us-west-2",
            "NODE_PATH": modules,
        },
        capture_output=True,
        text=True,
        timeout=TIMEOUT * 2,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"status": "SUCCEEDED"}
    assert [(c.upload_id, c.region, c.status_code) for c in thingsgraph_stub.calls] == [("env-js", "us-west-2", 200)]

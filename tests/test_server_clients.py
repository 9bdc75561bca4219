"""Real clients in other processes against thingsgraph_server: boto3, the AWS CLI (v1) and the AWS SDK for
JavaScript v3 under node. None of them is told anything but ``thingsgraph_server.environ`` (and a region)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

from node_helpers import SDK_V3, node_or_skip
from server_helpers import TIMEOUT, client_environment, run_client, tool

from pytest_thingsgraph import ServiceError, ThingsGraphServer, ThingsGraphStub

NODE_TESTS = Path(__file__).parent / "node"

BOTO3_CHILD = """
import json
import boto3

client = boto3.client("iotthingsgraph")  # endpoint, credentials and region from the environment only
results = {"endpoint": client.meta.endpoint_url}
results["statuses"] = [client.get_upload_status(uploadId="child-poll")["uploadStatus"] for _ in range(2)]
results["version"] = client.get_upload_status(uploadId="child-poll")["namespaceVersion"]
created = client.upload_entity_definitions(document={"language": "GRAPHQL", "text": "type Lamp { on: Boolean }"})
results["created"] = created["uploadId"]
results["createdDate"] = client.get_upload_status(uploadId=created["uploadId"])["createdDate"].isoformat()
try:
    client.get_upload_status(uploadId="nobody")
except client.exceptions.ResourceNotFoundException as error:
    results["missing"] = error.response["Error"]["Code"]
print(json.dumps(results))
"""


def environment(server: ThingsGraphServer, tmp_path: Path, region: str = "eu-central-1") -> dict[str, str]:
    """The child's environment: the server's, a region, and no config file of the machine's."""
    return client_environment(server, tmp_path, region)


def test_boto3_in_a_subprocess(
    thingsgraph_server: ThingsGraphServer, thingsgraph_stub: ThingsGraphStub, tmp_path: Path
) -> None:
    thingsgraph_stub.add_upload("child-poll", ["IN_PROGRESS", "SUCCEEDED"], namespace_version=12)
    created = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone.utc)
    upload_id = thingsgraph_stub.on_upload_entity_definitions(["SUCCEEDED"], created_date=created)

    result = run_client([sys.executable, "-c", BOTO3_CHILD], environment(thingsgraph_server, tmp_path))

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "endpoint": thingsgraph_server.endpoint_url,
        "statuses": ["IN_PROGRESS", "SUCCEEDED"],
        "version": 12,
        "created": upload_id,
        "createdDate": "2024-05-01T12:00:00+00:00",
        "missing": "ResourceNotFoundException",
    }
    calls = thingsgraph_stub.calls
    assert [(c.operation, c.status_code) for c in calls] == [
        ("GetUploadStatus", 200),
        ("GetUploadStatus", 200),
        ("GetUploadStatus", 200),
        ("UploadEntityDefinitions", 200),
        ("GetUploadStatus", 200),
        ("GetUploadStatus", 404),
    ]
    assert {c.region for c in calls} == {"eu-central-1"}


def aws(server: ThingsGraphServer, tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return run_client(
        [tool("aws"), "iotthingsgraph", *arguments, "--output", "json"],
        environment(server, tmp_path, region="us-east-2"),
    )


def test_aws_cli(thingsgraph_server: ThingsGraphServer, thingsgraph_stub: ThingsGraphStub, tmp_path: Path) -> None:
    tool("aws", package="awscli")  # skipped before anything is scripted where the CLI is not installed
    thingsgraph_stub.add_upload("cli-upload", ["IN_PROGRESS", "FAILED"], failure_reason=["Line 2: bad"])
    upload_id = thingsgraph_stub.on_upload_entity_definitions(["SUCCEEDED"], upload_id="cli-created")

    first = aws(thingsgraph_server, tmp_path, "get-upload-status", "--upload-id", "cli-upload")
    second = aws(thingsgraph_server, tmp_path, "get-upload-status", "--upload-id", "cli-upload")
    created = aws(
        thingsgraph_server,
        tmp_path,
        "upload-entity-definitions",
        "--document",
        json.dumps({"language": "GRAPHQL", "text": "type Lamp { on: Boolean }"}),
    )
    polled = aws(thingsgraph_server, tmp_path, "get-upload-status", "--upload-id", upload_id or "")
    missing = aws(thingsgraph_server, tmp_path, "get-upload-status", "--upload-id", "nobody-scripted-this")

    for result in (first, second, created, polled):
        assert result.returncode == 0, result.stderr
    assert json.loads(first.stdout)["uploadStatus"] == "IN_PROGRESS"
    assert json.loads(second.stdout)["uploadStatus"] == "FAILED"
    assert json.loads(second.stdout)["failureReason"] == ["Line 2: bad"]
    assert json.loads(created.stdout) == {"uploadId": "cli-created"}
    assert json.loads(polled.stdout)["uploadStatus"] == "SUCCEEDED"
    assert missing.returncode != 0
    assert "ResourceNotFoundException" in missing.stderr
    assert "nobody-scripted-this was not found in region us-east-2" in missing.stderr
    assert [c.upload_id for c in thingsgraph_stub.calls] == [
        "cli-upload",
        "cli-upload",
        "cli-created",
        "cli-created",
        "nobody-scripted-this",
    ]
    assert {c.region for c in thingsgraph_stub.calls} == {"us-east-2"}


def test_javascript_sdk(
    thingsgraph_server: ThingsGraphServer, thingsgraph_stub: ThingsGraphStub, tmp_path: Path
) -> None:
    node, modules = node_or_skip(SDK_V3)
    created = dt.datetime(2024, 5, 1, 12, 0, 0, 250_000, tzinfo=dt.timezone.utc)
    thingsgraph_stub.add_upload(
        "js-poll", ["IN_PROGRESS", "SUCCEEDED"], namespace_name="acme", namespace_version=3, created_date=created
    )
    thingsgraph_stub.add_upload(
        "js-retry",
        [ServiceError("InternalFailureException", "try again"), "FAILED"],
        failure_reason=["Line 1: unknown type Lamp"],
    )
    thingsgraph_stub.on_upload_entity_definitions(["SUCCEEDED"], upload_id="js-upload")

    result = subprocess.run(
        [node, "--test", *sorted(str(path) for path in NODE_TESTS.glob("*.test.cjs"))],
        env={**environment(thingsgraph_server, tmp_path), "NODE_PATH": modules},
        capture_output=True,
        text=True,
        timeout=TIMEOUT * 4,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "# fail 0" in result.stdout
    assert "# pass 4" in result.stdout
    calls = [(c.operation, c.upload_id, c.status_code, c.error_code) for c in thingsgraph_stub.calls]
    assert calls == [
        ("GetUploadStatus", "js-poll", 200, None),
        ("GetUploadStatus", "js-poll", 200, None),
        ("GetUploadStatus", "js-retry", 500, "InternalFailureException"),
        ("GetUploadStatus", "js-retry", 200, None),
        ("GetUploadStatus", "js-missing", 404, "ResourceNotFoundException"),
        ("UploadEntityDefinitions", "js-upload", 200, None),
        ("GetUploadStatus", "js-upload", 200, None),
    ]
    assert {c.region for c in thingsgraph_stub.calls} == {"us-west-2"}

"""A call server mode cannot answer is retried by no SDK on this machine.

The stub answers it with 400 ``StubError``: a 4xx whose code no SDK treats as retryable, throttling or
clock skew (every SDK retries a 5xx: the JavaScript SDK v2 made 4 attempts at a 501). Each test makes one
such call with an SDK's default retry settings and checks that exactly one attempt reached the server:
boto3 in each retry mode, the AWS CLI (v1), and the AWS SDK for JavaScript v3 and v2 under node.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest
from node_helpers import NODE_TESTS, SDK_V2, SDK_V3, node_or_skip
from server_helpers import client_environment, run_client, tool

from pytest_thingsgraph import ThingsGraphServer, ThingsGraphStub

#: The stub's message for the call (DescribeNamespace, with no answer queued), as each SDK shows it.
NO_ANSWER = (
    "DescribeNamespace (request {number}) has no answer queued: add one with "
    "stub.add_response('DescribeNamespace', {{...}}) before the code under test calls it (thingsgraph-server: "
    'POST /_thingsgraph/responses, or a script file\'s "responses").'
)

BOTO3_CHILD = """
import json
import boto3
from botocore.config import Config

results = {}
for mode in ("legacy", "standard", "adaptive"):
    client = boto3.client("iotthingsgraph", config=Config(retries={"mode": mode}))
    try:
        client.describe_namespace()
    except client.exceptions.ClientError as error:
        results[mode] = {
            "status": error.response["ResponseMetadata"]["HTTPStatusCode"],
            "code": error.response["Error"]["Code"],
            "attempts": error.response["ResponseMetadata"]["RetryAttempts"] + 1,
        }
print(json.dumps(results))
"""


def environment(server: ThingsGraphServer, tmp_path: Path) -> dict[str, str]:
    return client_environment(server, tmp_path, "us-west-2")


def stub_errors(stub: ThingsGraphStub, count: int) -> None:
    """The report lists ``count`` unanswerable attempts, numbered from 1; then it is cleared (it was the point)."""
    (section,) = stub.failures()
    assert section == (
        "The stub raised StubError during the test (the code under test may have caught it):\n"
        + "\n".join(f"- {NO_ANSWER.format(number=number)}" for number in range(1, count + 1))
    )
    stub.reset()


def test_boto3_in_every_retry_mode_sends_it_once(
    thingsgraph_server: ThingsGraphServer,
    thingsgraph_stub: ThingsGraphStub,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="pytest_thingsgraph.server")
    result = run_client([sys.executable, "-c", BOTO3_CHILD], environment(thingsgraph_server, tmp_path))

    assert result.returncode == 0, result.stderr
    once = {"status": 400, "code": "StubError", "attempts": 1}
    assert json.loads(result.stdout) == {"legacy": once, "standard": once, "adaptive": once}
    assert server_log(caplog) == ["POST / -> 400"] * 3
    stub_errors(thingsgraph_stub, 3)


def test_aws_cli_sends_it_once(
    thingsgraph_server: ThingsGraphServer,
    thingsgraph_stub: ThingsGraphStub,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    aws = tool("aws", package="awscli")
    caplog.set_level(logging.INFO, logger="pytest_thingsgraph.server")

    result = run_client([aws, "iotthingsgraph", "describe-namespace"], environment(thingsgraph_server, tmp_path))

    assert result.returncode == 255, result.stderr  # the CLI v1's status for a service error
    assert result.stderr.strip() == (
        "An error occurred (StubError) when calling the DescribeNamespace operation: " + NO_ANSWER.format(number=1)
    )
    assert server_log(caplog) == ["POST / -> 400"]
    stub_errors(thingsgraph_stub, 1)


@pytest.mark.parametrize(("sdk", "package"), [("v3", SDK_V3), ("v2", SDK_V2)])
def test_javascript_sdk_sends_it_once(
    thingsgraph_server: ThingsGraphServer,
    thingsgraph_stub: ThingsGraphStub,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    sdk: str,
    package: str,
) -> None:
    node, modules = node_or_skip(package)
    caplog.set_level(logging.INFO, logger="pytest_thingsgraph.server")

    result = run_client(
        [node, str(NODE_TESTS / "unanswered_call.cjs"), sdk],
        {**environment(thingsgraph_server, tmp_path), "NODE_PATH": modules},
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == {
        "status": 400,
        "code": "StubError",
        "attempts": 1,
        "message": NO_ANSWER.format(number=1),
    }
    assert server_log(caplog) == ["POST / -> 400"]
    stub_errors(thingsgraph_stub, 1)


def server_log(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Each request the server answered, as ``METHOD PATH -> STATUS``, from its INFO log."""
    return [record.getMessage() for record in caplog.records if record.name == "pytest_thingsgraph.server"]

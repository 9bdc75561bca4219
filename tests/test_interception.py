"""Every Things Graph client in the process is answered while a stub is active, and only then."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from helpers import botocore_response, make_client

import pytest_thingsgraph
from pytest_thingsgraph import ServiceError, StubError, ThingsGraphStub, mock_thingsgraph

ONE_ATTEMPT = Config(retries={"total_max_attempts": 1})


@pytest.mark.parametrize(
    "make",
    [
        lambda: boto3.client("iotthingsgraph", region_name="us-east-1", config=ONE_ATTEMPT),
        lambda: boto3.Session().client("iotthingsgraph", region_name="us-east-1", config=ONE_ATTEMPT),
        lambda: boto3.session.Session(region_name="us-east-1").client("iotthingsgraph", config=ONE_ATTEMPT),
        lambda: botocore.session.get_session().create_client("iotthingsgraph", "us-east-1", config=ONE_ATTEMPT),
        lambda: botocore.session.Session().create_client(
            "iotthingsgraph", "us-east-1", endpoint_url="https://things.example.invalid", config=ONE_ATTEMPT
        ),
    ],
    ids=["boto3.client", "boto3.Session", "boto3.session.Session", "botocore.get_session", "botocore.endpoint_url"],
)
@pytest.mark.parametrize("created", ["before", "during"])
def test_every_way_of_making_a_client_is_answered(make: Any, created: str, no_sockets: list[Any]) -> None:
    client = make() if created == "before" else None
    with mock_thingsgraph() as stub:
        stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
        client = client or make()

        assert [client.get_upload_status(uploadId="u")["uploadStatus"] for _ in range(2)] == [
            "IN_PROGRESS",
            "SUCCEEDED",
        ]

    assert len(stub.calls) == 2
    assert no_sockets == []


def test_a_boto3_call_is_answered_and_recorded(thingsgraph_stub: ThingsGraphStub, no_sockets: list[Any]) -> None:
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"])

    assert make_client("eu-west-1").get_upload_status(uploadId="u")["uploadStatus"] == "SUCCEEDED"
    assert [(call.upload_id, call.region) for call in thingsgraph_stub.calls] == [("u", "eu-west-1")]
    assert no_sockets == []


def test_0_sockets_opened_for_stubbed_unknown_unstubbed_and_invalid_calls(no_sockets: list[Any]) -> None:
    with mock_thingsgraph(allow_invalid_requests=True) as stub:
        stub.add_upload("u", ["SUCCEEDED"])
        client = make_client()
        client.get_upload_status(uploadId="u")
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            client.get_upload_status(uploadId="unknown")
        with pytest.raises(client.exceptions.InvalidRequestException):
            client.get_upload_status(uploadId="x" * 41)
        with pytest.raises(StubError):
            client.list_flow_execution_messages(flowExecutionId="f")
        stub.reset()

    assert no_sockets == []


def test_clients_in_other_threads_are_answered(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"])
    results: list[str] = []

    def poll() -> None:
        client = boto3.Session().client("iotthingsgraph", region_name="us-east-1")
        results.append(client.get_upload_status(uploadId="u")["uploadStatus"])

    threads = [threading.Thread(target=poll) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == ["SUCCEEDED"] * 4


@pytest.mark.usefixtures("unguarded")
def test_with_no_stub_active_and_no_guard_requests_go_on_as_usual(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example-secret")
    client = make_client(fresh_session=True)
    sent: list[Any] = []

    def network(request: Any, **_: Any) -> AWSResponse:
        sent.append(request)
        return botocore_response(request.url, 200, b'{"uploadId": "u", "uploadStatus": "FAILED", "createdDate": 1}')

    client.meta.events.register("before-send.iotthingsgraph", network)

    assert client.get_upload_status(uploadId="u")["uploadStatus"] == "FAILED"
    (request,) = sent
    assert b"Credential=AKIDEXAMPLE/" in _header(request, "Authorization")


def _header(request: Any, name: str) -> bytes:
    value = request.headers[name]
    return value if isinstance(value, bytes) else value.encode()


MOTO_SCRIPT = """
import os
{imports}
import boto3
from moto import mock_aws
from pytest_thingsgraph import mock_thingsgraph

def check():
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="acme-bucket")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["acme-bucket"]
    ssm = boto3.client("ssm", region_name="us-east-1")
    ssm.put_parameter(Name="/acme/p", Value="v", Type="String")
    assert ssm.get_parameter(Name="/acme/p")["Parameter"]["Value"] == "v"
    tg = boto3.client("iotthingsgraph", region_name="us-east-1")
    assert tg.get_upload_status(uploadId="u")["uploadStatus"] == "SUCCEEDED"

with mock_aws():
    with mock_thingsgraph() as stub:
        stub.add_upload("u", ["SUCCEEDED"])
        check()
    assert len(stub.calls) == 1
with mock_thingsgraph() as stub:
    with mock_aws():
        stub.add_upload("u", ["SUCCEEDED"])
        check()
    assert len(stub.calls) == 1
print("moto and the stub both answered")
"""


@pytest.mark.parametrize(
    "imports",
    ["import moto\nimport pytest_thingsgraph", "import pytest_thingsgraph\nimport moto"],
    ids=["moto-first", "stub-first"],
)
def test_moto_keeps_answering_other_services(imports: str, tmp_path: Path) -> None:
    script = tmp_path / "coexist.py"
    script.write_text(textwrap.dedent(MOTO_SCRIPT.format(imports=imports)))

    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "moto and the stub both answered"


def test_service_errors_under_moto_reach_the_client(thingsgraph_stub: ThingsGraphStub) -> None:
    moto = pytest.importorskip("moto")
    thingsgraph_stub.add_upload("u", [ServiceError("ResourceNotFoundException", "deleted")])
    with moto.mock_aws():
        client = make_client()
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            client.get_upload_status(uploadId="u")


FRESH = """
import json, socket, sys
def refuse(self, address):
    raise OSError(f"refused a connection to {address!r}")
socket.socket.connect = socket.socket.connect_ex = refuse
{imports}
from pytest_thingsgraph import mock_thingsgraph
import boto3
with mock_thingsgraph() as stub:
    stub.add_upload("b", ["SUCCEEDED"])
    stub.add_upload("r", ["SUCCEEDED"])
    client = boto3.client("iotthingsgraph", region_name="us-east-1")
    boto = client.get_upload_status(uploadId="b")["uploadStatus"]
    import requests
    from requests_aws4auth import AWS4Auth
    answer = requests.post(
        "https://iotthingsgraph.eu-west-1.amazonaws.com/",
        data=json.dumps({"uploadId": "r"}),
        headers={"X-Amz-Target": "IotThingsGraphFrontEndService.GetUploadStatus",
                 "Content-Type": "application/x-amz-json-1.1"},
        auth=AWS4Auth("AKIDEXAMPLE", "example-secret", "eu-west-1", "iotthingsgraph"),
        timeout=5,
    )
print(boto, answer.status_code, answer.json()["uploadStatus"], [call.upload_id for call in stub.calls])
import time, botocore.endpoint, botocore.retries.bucket
# the last stub gone, every library is as it was
print(requests.Session.get_adapter.__module__, botocore.endpoint.time is time,
      botocore.retries.bucket.TokenBucket.acquire.__module__)
"""


@pytest.mark.parametrize(
    "imports",
    [
        pytest.param(
            'import pytest_thingsgraph\nassert "botocore" not in sys.modules and "requests" not in sys.modules',
            id="botocore-after-the-package-requests-during-a-stub",
        ),
        pytest.param("import boto3, requests\nimport pytest_thingsgraph", id="both-before-the-package"),
    ],
)
def test_libraries_imported_before_after_or_during_reach_the_stub_and_are_put_back(imports: str) -> None:
    package_root = Path(pytest_thingsgraph.__file__).resolve().parent.parent
    env: Mapping[str, str] = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_MAX_ATTEMPTS": "1",
    }

    script = FRESH.replace("{imports}", imports)

    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False, cwd=package_root,
        env=dict(env),
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "SUCCEEDED 200 SUCCEEDED ['b', 'r']",
        "requests.sessions True botocore.retries.bucket",
    ]

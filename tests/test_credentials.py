"""Credentials: fake ones sign stubbed requests; real ones never reach a request, record, message or report."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError
from helpers import make_client

from pytest_thingsgraph import ServiceError, StubError, mock_thingsgraph

REAL_KEY = "AKIAREALLOOKINGKEY12"
REAL_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYREALSECRET"
REAL_TOKEN = "FwoGZXIvYXdzEREALSESSIONTOKEN//////////"


@pytest.fixture
def real_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", REAL_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", REAL_SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", REAL_TOKEN)


def capture_headers(client: Any) -> list[dict[str, str]]:
    """The headers of each request as it goes out (a test-side before-send handler that answers nothing)."""
    sent: list[dict[str, str]] = []

    def capture(request: Any, **_: Any) -> None:
        sent.append({k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()})

    client.meta.events.register("before-send.iotthingsgraph.GetUploadStatus", capture)
    return sent


@pytest.mark.usefixtures("real_credentials")
def test_fake_credentials_sign_instead_of_the_real_ones() -> None:
    client = make_client(fresh_session=True)  # made before the stub, with the real credentials resolved
    sent = capture_headers(client)
    with mock_thingsgraph() as stub:
        stub.add_upload("u", ["SUCCEEDED"])
        client.get_upload_status(uploadId="u")

    (headers,) = sent
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=ASIATHINGSGRAPHSTUB0/")
    assert "/us-east-1/iotthingsgraph/aws4_request" in headers["Authorization"]
    assert headers["X-Amz-Security-Token"] == "thingsgraph-stub-fake-token"
    assert REAL_KEY not in str(headers)
    assert REAL_TOKEN not in str(headers)


@pytest.mark.usefixtures("real_credentials")
def test_without_fake_credentials_botocore_signs_with_its_own() -> None:
    client = make_client(fresh_session=True)
    sent = capture_headers(client)
    with mock_thingsgraph(fake_credentials=False) as stub:
        stub.add_upload("u", ["SUCCEEDED"])
        client.get_upload_status(uploadId="u")

    assert sent[0]["Authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={REAL_KEY}/")


@pytest.mark.usefixtures("real_credentials")
@pytest.mark.parametrize("fake_credentials", [True, False])
def test_secrets_never_reach_records_reprs_or_messages(fake_credentials: bool) -> None:
    # (the package writes no log: nothing to check there; botocore's own debug log is botocore's business)
    client = make_client(parameter_validation=False, fresh_session=True)
    sent = capture_headers(client)
    with pytest.raises(AssertionError) as caught, mock_thingsgraph(fake_credentials=fake_credentials) as stub:
        stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
        client.get_upload_status(uploadId="u")
        with pytest.raises(client.exceptions.InvalidRequestException):
            client.get_upload_status(uploadId="")

    signatures = [headers["Authorization"].rsplit("Signature=", 1)[1] for headers in sent]
    everything = "\n".join([repr(stub), repr(stub.calls), str(caught.value), *map(str, stub.calls)])
    for secret in [REAL_KEY, REAL_SECRET, REAL_TOKEN, "thingsgraph-stub-fake-secret", *signatures]:
        assert secret not in everything


def _capture_signatures(client: Any) -> list[str]:
    """The SigV4 signature of each request the client sends (a before-send handler of the test's own)."""
    signatures: list[str] = []

    def capture(request: Any, **_: Any) -> None:
        authorization = request.headers["Authorization"]
        authorization = authorization.decode() if isinstance(authorization, bytes) else authorization
        signatures.append(authorization.rsplit("Signature=", 1)[1])
        assert request.headers["X-Amz-Security-Token"] in (REAL_TOKEN, REAL_TOKEN.encode())

    client.meta.events.register("before-send.iotthingsgraph", capture)
    return signatures


def _texts_of(call: Any) -> list[str]:
    """Every field of a recorded call, as text."""
    return [repr(call), str(call), *(repr(getattr(call, f.name)) for f in dataclasses.fields(call))]


@pytest.mark.usefixtures("real_credentials")
def test_secrets_never_reach_calls_messages_or_the_teardown_report() -> None:
    from requests_aws4auth import AWS4Auth  # type: ignore[import-untyped]

    client = make_client(fresh_session=True, parameter_validation=False)
    signatures = _capture_signatures(client)
    requests_auth = AWS4Auth(REAL_KEY, REAL_SECRET, "us-east-1", "iotthingsgraph", session_token=REAL_TOKEN)
    messages: list[str] = []

    with pytest.raises(StubError) as teardown, mock_thingsgraph(fake_credentials=False) as stub:
        stub.add_upload("u", ["IN_PROGRESS", ServiceError("ThrottlingException", "Rate exceeded"), "SUCCEEDED"])
        stub.add_upload("left", ["SUCCEEDED"])  # unconsumed: a teardown report section
        stub.on_upload_entity_definitions(ServiceError("InternalFailureException", "Try again"))
        assert client.get_upload_status(uploadId="u")["uploadStatus"] == "IN_PROGRESS"
        for bad in [{"uploadId": ""}, {"uploadId": "x" * 41}, {"uploadId": 7}, {}, {"uploadId": "unknown"}]:
            with pytest.raises(ClientError) as invalid:
                client.get_upload_status(**bad)
            messages += [str(invalid.value), repr(invalid.value.response)]
        with pytest.raises(ClientError) as throttled:
            client.get_upload_status(uploadId="u")
        messages += [str(throttled.value), repr(client.get_upload_status(uploadId="u"))]
        with pytest.raises(ClientError) as limited:
            client.upload_entity_definitions(document={"language": "GRAPHQL", "text": "type A {}"})
        messages.append(str(limited.value))
        with pytest.raises(StubError) as unstubbed:
            client.describe_namespace()
        messages.append(str(unstubbed.value))
        for body in [b'{"uploadId": "u"', json.dumps({"uploadId": "u"}).encode()]:
            answer = requests.post(
                "https://iotthingsgraph.us-east-1.amazonaws.com/",
                data=body,
                headers={
                    "X-Amz-Target": "IotThingsGraphFrontEndService.GetUploadStatus",
                    "Content-Type": "application/x-amz-json-1.1",
                },
                auth=requests_auth,
                timeout=5,
            )
            messages += [answer.text, repr(dict(answer.headers))]
            signatures.append(answer.request.headers["Authorization"].rsplit("Signature=", 1)[1])
        failures = stub.failures()

    assert len(signatures) >= 10
    assert len(stub.calls) >= 10
    assert any(call.error_code == "InvalidRequestException" for call in stub.calls)
    assert len(failures) >= 3  # invalid requests, the unstubbed operation, the unconsumed script
    everything = "\n".join(
        [*messages, *failures, str(teardown.value), repr(stub), *(text for c in stub.calls for text in _texts_of(c))]
    )
    for secret in [REAL_SECRET, REAL_TOKEN, *signatures]:
        assert secret not in everything, f"a secret ({secret[:8]}…) reached a record, message or report"


REPORTED = """
import boto3, pytest
from botocore.config import Config

def make_client():
    config = Config(retries={"total_max_attempts": 1})
    return boto3.Session().client("iotthingsgraph", region_name="us-east-1", config=config)

@pytest.mark.thingsgraph_stub(fake_credentials=False)
def test_fails(thingsgraph_stub):
    client = make_client()
    thingsgraph_stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
    client.get_upload_status(uploadId="u")
    try:
        client.get_upload_status(uploadId="")
    except client.exceptions.InvalidRequestException:
        pass
    raise AssertionError("the test failed, so its calls are reported")

@pytest.mark.thingsgraph_stub(fake_credentials=False)
def test_teardown_report(thingsgraph_stub):
    client = make_client()
    thingsgraph_stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
    client.get_upload_status(uploadId="u")
    try:
        client.get_upload_status(uploadId="x" * 41)
    except client.exceptions.InvalidRequestException:
        pass
"""


@pytest.mark.usefixtures("real_credentials")
def test_secrets_never_reach_the_reports_pytest_prints(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_inner=REPORTED)

    result = pytester.runpytest("-p", "no:randomly", "-p", "no:xdist", "-rA")

    result.assert_outcomes(failed=1, passed=1, errors=1)
    output = result.stdout.str() + result.stderr.str()
    assert "Things Graph calls" in output  # the failed test's call section was printed
    assert "These uploads were not polled to the end of their scripts" in output
    for secret in [REAL_SECRET, REAL_TOKEN]:
        assert secret not in output


NO_CREDENTIALS = """
import boto3, botocore.exceptions
from pytest_thingsgraph import mock_thingsgraph

before = boto3.client("iotthingsgraph", region_name="eu-west-1")
with mock_thingsgraph() as stub:
    stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
    during = boto3.client("iotthingsgraph", region_name="eu-west-1")
    first = before.get_upload_status(uploadId="u")["uploadStatus"]
    print(first, during.get_upload_status(uploadId="u")["uploadStatus"])
with mock_thingsgraph(fake_credentials=False, assert_all_consumed=False) as stub:
    stub.add_upload("u", ["SUCCEEDED"])
    try:
        before.get_upload_status(uploadId="u")
    except botocore.exceptions.NoCredentialsError as error:
        print("without fake credentials:", error)
"""


def test_a_machine_without_credentials_or_config(tmp_path: Path) -> None:
    script = tmp_path / "no_credentials.py"
    script.write_text(textwrap.dedent(NO_CREDENTIALS))
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(tmp_path / "missing-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "missing-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }

    result = subprocess.run(
        [sys.executable, str(script)], env=environment, capture_output=True, text=True, timeout=120, check=False
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "IN_PROGRESS SUCCEEDED",
        "without fake credentials: Unable to locate credentials",
    ]


EMPTY_KEYS_MESSAGE = "Credential must start with an access key ID, e.g. keyid/date/region/service/term. "


@pytest.mark.usefixtures("real_credentials")
@pytest.mark.parametrize("fake_credentials", [True, False])
def test_empty_keys_given_to_the_client_are_refused_as_aws_refuses_them(fake_credentials: bool) -> None:
    import boto3
    from botocore.config import Config

    with mock_thingsgraph(
        fake_credentials=fake_credentials, allow_invalid_requests=True, assert_all_consumed=False
    ) as stub:
        stub.add_upload("u", ["SUCCEEDED"])
        client = boto3.client(
            "iotthingsgraph",
            region_name="us-east-1",
            aws_access_key_id="",  # an unset variable read by the code
            aws_secret_access_key="",
            config=Config(retries={"total_max_attempts": 1}),
        )
        with pytest.raises(client.exceptions.ClientError) as caught:
            client.get_upload_status(uploadId="u")

    assert caught.value.response["Error"] == {"Code": "IncompleteSignatureException", "Message": EMPTY_KEYS_MESSAGE}
    assert [(call.status_code, call.error_code) for call in stub.calls] == [(400, "IncompleteSignatureException")]


@pytest.mark.usefixtures("real_credentials")
@pytest.mark.parametrize("given_to", ["client", "session"])
def test_keys_the_code_passes_itself_sign_as_given(given_to: str) -> None:
    import boto3

    keys = {"aws_access_key_id": "AKIDGIVENBYTHECODE01", "aws_secret_access_key": "given-secret"}
    if given_to == "client":
        client = boto3.Session().client("iotthingsgraph", region_name="us-east-1", **keys)
    else:
        client = boto3.Session(**keys).client("iotthingsgraph", region_name="us-east-1")
    sent = capture_headers(client)
    with mock_thingsgraph() as stub:
        stub.add_upload("u", ["SUCCEEDED"])
        assert client.get_upload_status(uploadId="u")["uploadStatus"] == "SUCCEEDED"

    assert sent[0]["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDGIVENBYTHECODE01/")
    assert "X-Amz-Security-Token" not in sent[0]


@pytest.mark.usefixtures("real_credentials")
def test_a_session_token_the_code_passes_itself_is_sent_with_its_keys() -> None:
    import boto3

    client = boto3.Session().client(
        "iotthingsgraph",
        region_name="us-east-1",
        aws_access_key_id="AKIDGIVENBYTHECODE01",
        aws_secret_access_key="given-secret",
        aws_session_token="given-token",
    )
    sent = capture_headers(client)
    with mock_thingsgraph() as stub:
        stub.add_upload("u", ["SUCCEEDED"])
        assert client.get_upload_status(uploadId="u")["uploadStatus"] == "SUCCEEDED"

    assert sent[0]["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDGIVENBYTHECODE01/")
    assert sent[0]["X-Amz-Security-Token"] == "given-token"

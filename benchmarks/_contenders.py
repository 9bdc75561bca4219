"""What the sections time: the floor, the stub, botocore's Stubber and moto, each as a factory of batches."""

from __future__ import annotations

import contextlib
import functools
import json
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import boto3
from _measure import Operation
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber

from pytest_thingsgraph import StubError, active_stub, mock_thingsgraph

UPLOAD = "bench-upload"
FLOOR_EVENT = "before-send.iotthingsgraph.GetUploadStatus"
CONTENT_TYPE = "application/x-amz-json-1.1"
REGION = "us-east-1"


class _Raw:
    """The raw body of a prebuilt response: botocore reads it through ``stream()``."""

    __slots__ = ("_body",)

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def assert_no_stub() -> None:
    """Fail unless no stub is active (its handlers must stay out of the floor's way)."""
    try:
        stub = active_stub()
    except StubError:
        return
    raise RuntimeError(f"a stub is active during a floor or Stubber batch: {stub!r}")


@dataclass
class Things:
    """One Things Graph client and what the floor and the Stubber answer on it."""

    client: Any
    floor_response: AWSResponse
    parsed: dict[str, Any]

    @classmethod
    def make(cls) -> Things:
        """The client, plus the exact answer the stub sends, prebuilt for the floor."""
        client = boto3.client("iotthingsgraph", region_name=REGION)
        with mock_thingsgraph() as stub:
            stub.add_upload(UPLOAD, ["SUCCEEDED"])
            stub_answer = client.get_upload_status(uploadId=UPLOAD)
            call = stub.calls[0]
        body = json.dumps(call.response, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {"x-amzn-RequestId": call.request_id, "Content-Type": CONTENT_TYPE, "Content-Length": str(len(body))}
        url = f"https://iotthingsgraph.{REGION}.amazonaws.com/"
        response = AWSResponse(url, 200, headers, _Raw(body))  # type: ignore[arg-type]  # botocore takes any mapping
        things = cls(client, response, {key: value for key, value in stub_answer.items() if key != "ResponseMetadata"})
        with things.floor(1) as operation:
            floor_answer = operation()
        if not isinstance(floor_answer, dict) or floor_answer != stub_answer:
            raise RuntimeError(f"the floor answers {floor_answer} but the stub {stub_answer}")
        return things

    def operation(self) -> Operation:
        """One GetUploadStatus call of the benchmark's upload."""
        return functools.partial(self.client.get_upload_status, uploadId=UPLOAD)

    @contextlib.contextmanager
    def floor(self, count: int) -> Iterator[Operation]:
        """The floor: a bare before-send handler returning the prebuilt response, no stub active."""
        assert_no_stub()
        response = self.floor_response

        def answer(**_: Any) -> AWSResponse:
            return response

        self.client.meta.events.register_first(FLOOR_EVENT, answer)
        try:
            operation = self.operation()
            operation()
            yield operation
        finally:
            self.client.meta.events.unregister(FLOOR_EVENT, answer)

    @contextlib.contextmanager
    def stub(self, count: int) -> Iterator[Operation]:
        """The stub answering a script that ends on SUCCEEDED (it keeps answering that)."""
        with mock_thingsgraph() as stub:
            stub.add_upload(UPLOAD, ["SUCCEEDED"])
            operation = self.operation()
            operation()
            yield operation

    @contextlib.contextmanager
    def stubber(self, count: int) -> Iterator[Operation]:
        """botocore's Stubber on the same client, one queued response per call."""
        assert_no_stub()
        with Stubber(self.client) as stubber:
            for _ in range(count + 1):
                stubber.add_response("get_upload_status", self.parsed, {"uploadId": UPLOAD})
            operation = self.operation()
            operation()
            yield operation

    @contextlib.contextmanager
    def stub_test(self, count: int) -> Iterator[Operation]:
        """What the stub costs a test: enter, one add_upload, exit (with the teardown checks)."""

        def test() -> None:
            # the timed test makes no call, so it must not ask for its script to be consumed
            with mock_thingsgraph(assert_all_consumed=False) as stub:
                stub.add_upload(UPLOAD, ["IN_PROGRESS", "SUCCEEDED"])

        test()
        yield test


@dataclass
class Moto:
    """moto's ``mock_aws`` and an SSM client: GetParameter is a JSON 1.1 operation too."""

    mock_aws: Callable[[], AbstractContextManager[object]]
    ssm: Any

    @classmethod
    def make(cls) -> Moto | None:
        """``None`` when moto is not installed."""
        try:
            from moto import mock_aws
        except ModuleNotFoundError as error:
            if error.name != "moto":
                raise  # moto is installed but broken: say so rather than skip
            return None
        # a session made after moto's import carries moto's before-send handler
        ssm = boto3.session.Session().client("ssm", region_name=REGION)
        return cls(mock_aws, ssm)

    @contextlib.contextmanager
    def calls(self, count: int) -> Iterator[Operation]:
        """GetParameter of one stored parameter, inside ``mock_aws()``."""
        with self.mock_aws():
            self.ssm.put_parameter(Name="/bench/parameter", Value="value", Type="String")
            operation = functools.partial(self.ssm.get_parameter, Name="/bench/parameter")
            operation()
            yield operation

    @contextlib.contextmanager
    def tests(self, count: int) -> Iterator[Operation]:
        """What moto costs a test at least: ``mock_aws()`` enter and exit."""

        def test() -> None:
            with self.mock_aws():
                pass

        test()
        yield test


def isolate_from_aws() -> None:
    """No profile, config file or metadata service: only fake credentials, from the environment."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    os.environ.update(
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_ACCESS_KEY_ID="ASIABENCHMARKFAKEKEY",
        AWS_SECRET_ACCESS_KEY="benchmark-fake-secret",
        AWS_SESSION_TOKEN="benchmark-fake-token",
        AWS_DEFAULT_REGION=REGION,
    )

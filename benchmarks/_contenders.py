"""What the sections time: the floor, the stub, botocore's Stubber and moto, each as a factory of batches."""

from __future__ import annotations

import contextlib
import datetime as dt
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


def prebuilt(document: dict[str, Any], request_id: str) -> AWSResponse:
    """The floor's answer: the response the stub sent (same body, same headers), built once."""
    body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    headers = {"x-amzn-RequestId": request_id, "Content-Type": CONTENT_TYPE, "Content-Length": str(len(body))}
    url = f"https://iotthingsgraph.{REGION}.amazonaws.com/"
    return AWSResponse(url, 200, headers, _Raw(body))  # type: ignore[arg-type]  # botocore takes any mapping


def without_metadata(answer: dict[str, Any]) -> dict[str, Any]:
    """A client's answer as Stubber is given it: without ``ResponseMetadata``."""
    return {key: value for key, value in answer.items() if key != "ResponseMetadata"}


@contextlib.contextmanager
def floor_handler(client: Any, event: str, response: AWSResponse) -> Iterator[None]:
    """A bare before-send handler on ``client`` returning ``response``, no stub active."""
    assert_no_stub()

    def answer(**_: Any) -> AWSResponse:
        return response

    client.meta.events.register_first(event, answer)
    try:
        yield
    finally:
        client.meta.events.unregister(event, answer)


@contextlib.contextmanager
def stubber_batch(
    client: Any, method: str, answer: dict[str, Any], params: dict[str, Any], count: int
) -> Iterator[Operation]:
    """botocore's Stubber on ``client``: ``answer`` queued once per call of ``method(**params)`` to come, and once
    for the untimed first call made here."""
    assert_no_stub()
    with Stubber(client) as stubber:
        for _ in range(count + 1):
            stubber.add_response(method, answer, params)
        operation = functools.partial(getattr(client, method), **params)
        operation()
        yield operation


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
        things = cls(client, prebuilt(call.response, call.request_id), without_metadata(stub_answer))
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
        with floor_handler(self.client, FLOOR_EVENT, self.floor_response):
            operation = self.operation()
            operation()
            yield operation

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
        with stubber_batch(self.client, "get_upload_status", self.parsed, {"uploadId": UPLOAD}, count) as operation:
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


URN = "urn:tdm:us-east-1/123456789012/default:Deployment:BenchDeployment"
ACCOUNT_ARN = "arn:aws:iotthingsgraph:us-east-1:123456789012"
ROLE_ARN = "arn:aws:iam::123456789012:role/bench-thingsgraph"
CREATED = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.timezone.utc)
UPDATED = dt.datetime(2026, 11, 20, 16, 45, 12, tzinfo=dt.timezone.utc)
SYSTEM_DEFINITION = (
    '{query BenchSystem @deployment(id: "urn:tdm:us-east-1/123456789012/default:Deployment:BenchDeployment", '
    'systemId: "urn:tdm:us-east-1/123456789012/default:System:BenchSystem") '
    '{motionSensor(deviceModel: "urn:tdm:aws/examples:deviceModel:MotionSensor") '
    'camera(deviceModel: "urn:tdm:aws/examples:deviceModel:Camera")}}'
)
#: GetSystemInstance: a deployed cloud instance, every member of its description filled.
SYSTEM_INSTANCE: dict[str, Any] = {
    "description": {
        "summary": {
            "id": URN,
            "arn": f"{ACCOUNT_ARN}:Deployment/default/BenchDeployment",
            "status": "DEPLOYED_IN_TARGET",
            "target": "CLOUD",
            "createdAt": CREATED,
            "updatedAt": UPDATED,
        },
        "definition": {"language": "GRAPHQL", "text": SYSTEM_DEFINITION},
        "s3BucketName": "bench-thingsgraph-deployments",
        "metricsConfiguration": {"cloudMetricEnabled": True, "metricRuleRoleArn": ROLE_ARN},
        "validatedNamespaceVersion": 3,
        "validatedDependencyRevisions": [
            {"id": "urn:tdm:us-east-1/123456789012/default:Workflow:BenchFlow", "revisionNumber": 2}
        ],
        "flowActionsRoleArn": ROLE_ARN,
    }
}
#: SearchEntities: a larger request (types, two filters, a page size) and three entities with definitions.
SEARCH_REQUEST: dict[str, Any] = {
    "entityTypes": ["DEVICE", "DEVICE_MODEL", "CAPABILITY"],
    "filters": [
        {"name": "NAMESPACE", "value": ["aws", "default"]},
        {"name": "SEMANTIC_TYPE_PATH", "value": ["aws/examples/Camera", "aws/examples/MotionSensor"]},
    ],
    "maxResults": 50,
    "namespaceVersion": 3,
}
URN_OF = {kind: f"urn:tdm:aws/examples:{kind}:" for kind in ("device", "deviceModel", "capability")}
SEARCH_ANSWER: dict[str, Any] = {
    "descriptions": [
        {
            "id": f"{URN_OF[kind]}{name}",
            "arn": f"{ACCOUNT_ARN}:{kind}/aws/examples/{name}",
            "type": entity_type,
            "createdAt": CREATED,
            "definition": {"language": "GRAPHQL", "text": f'{{type {name} @{kind}(id: "{URN_OF[kind]}{name}") {{}}}}'},
        }
        for kind, name, entity_type in (
            ("device", "BenchCamera", "DEVICE"),
            ("deviceModel", "Camera", "DEVICE_MODEL"),
            ("capability", "Camera", "CAPABILITY"),
        )
    ],
    "nextToken": "bench-next-page",
}


@dataclass
class Answered:
    """An operation ``add_response`` answers, on the same client: the floor, the stub and Stubber answer it alike.

    The stub and Stubber both get one answer queued per call before the batch, each for
    the call's whole request (the stub's ``match=``, Stubber's ``expected_params``).
    """

    client: Any
    method: str
    params: dict[str, Any]
    answer: dict[str, Any]
    floor_response: AWSResponse

    @classmethod
    def make(cls, client: Any, method: str, params: dict[str, Any], answer: dict[str, Any]) -> Answered:
        """The contenders of ``method``, with the exact answer the stub sends prebuilt for the floor."""
        with mock_thingsgraph() as stub:
            stub.add_response(method, answer, match=params)
            stub_answer = getattr(client, method)(**params)
            call = stub.calls[0]
        answered = cls(client, method, params, answer, prebuilt(call.response, call.request_id))
        with answered.floor(1) as operation:
            floor_answer = operation()
        if floor_answer != stub_answer or without_metadata(stub_answer) != answer:
            raise RuntimeError(f"{method}: the floor answers {floor_answer} but the stub {stub_answer}")
        return answered

    @property
    def operation_name(self) -> str:
        """The API name: ``get_system_instance`` -> ``GetSystemInstance``."""
        return self.client.meta.method_to_api_mapping[self.method]

    def operation(self) -> Operation:
        """One call of the operation with the benchmark's request."""
        return functools.partial(getattr(self.client, self.method), **self.params)

    @contextlib.contextmanager
    def floor(self, count: int) -> Iterator[Operation]:
        """The floor: a bare before-send handler returning the prebuilt response, no stub active."""
        with floor_handler(self.client, f"before-send.iotthingsgraph.{self.operation_name}", self.floor_response):
            operation = self.operation()
            operation()
            yield operation

    @contextlib.contextmanager
    def stub(self, count: int) -> Iterator[Operation]:
        """The stub, one answer queued with ``add_response(..., match=request)`` per call (all taken by the end)."""
        with mock_thingsgraph() as stub:
            for _ in range(count + 1):
                stub.add_response(self.method, self.answer, match=self.params)
            operation = self.operation()
            operation()
            yield operation

    @contextlib.contextmanager
    def stubber(self, count: int) -> Iterator[Operation]:
        """botocore's Stubber on the same client, one queued response per call."""
        with stubber_batch(self.client, self.method, self.answer, self.params, count) as operation:
            yield operation


def answered_operations(things: Things) -> list[Answered]:
    """The operations section 1 times besides GetUploadStatus, on the same client."""
    return [
        Answered.make(things.client, "get_system_instance", {"id": URN}, SYSTEM_INSTANCE),
        Answered.make(things.client, "search_entities", SEARCH_REQUEST, SEARCH_ANSWER),
    ]


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

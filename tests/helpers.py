"""Helpers shared by the plugin's tests: real clients, signed wire requests, answers, waits, example counts and
deterministic searches of what a strategy draws."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import boto3
import botocore.session
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.compat import HTTPHeaders
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.validate import ParamValidator
from hypothesis import HealthCheck, Phase, find, given, settings, target
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from urllib3.response import HTTPResponse

from pytest_thingsgraph import Call, mock_thingsgraph
from pytest_thingsgraph._protocol import wire_request
from pytest_thingsgraph._wire import WireRequest

FAKE = Credentials("AKIDEXAMPLE", "example-secret")
SERVICE_MODEL = botocore.session.get_session().get_service_model("iotthingsgraph")
GET_UPLOAD_STATUS = "IotThingsGraphFrontEndService.GetUploadStatus"
UPLOAD_ENTITY_DEFINITIONS = "IotThingsGraphFrontEndService.UploadEntityDefinitions"


def make_client(
    region: str = "us-east-1",
    *,
    attempts: int | None = 1,
    mode: str = "standard",
    endpoint_url: str | None = None,
    fresh_session: bool = False,
    **config: Any,
) -> Any:
    """A real boto3 Things Graph client; ``attempts=None`` keeps botocore's default retries.

    ``fresh_session`` makes it from a new session, which resolves credentials from the
    environment now rather than reusing the ones boto3's default session cached.
    """
    retries: dict[str, Any] = {"mode": mode}
    if attempts is not None:
        retries["total_max_attempts"] = attempts
    session = boto3.Session() if fresh_session else boto3
    return session.client(
        "iotthingsgraph",
        region_name=region,
        endpoint_url=endpoint_url,
        config=Config(retries=retries, **config),  # type: ignore[arg-type]
    )


def aio_client(mode: str = "standard", attempts: int = 1) -> Any:
    """A real aiobotocore Things Graph client (an async context manager); skips the test without the aio extra."""
    session_module = pytest.importorskip("aiobotocore.session", reason="the aio extra is tested by tox -e aio")
    from aiobotocore.config import AioConfig

    config = AioConfig(retries={"mode": mode, "total_max_attempts": attempts})
    return session_module.get_session().create_client("iotthingsgraph", region_name="us-east-1", config=config)


def botocore_response(url: str, status: int, body: bytes) -> AWSResponse:
    """An HTTP answer as botocore's transport hands it on, for a before-send handler of the test's own."""
    raw = HTTPResponse(body=io.BytesIO(body), status=status, preload_content=False)
    return AWSResponse(url, status, HTTPHeaders(), raw)


def examples(count: int) -> int:
    """``count`` examples under the CI profile, scaled like the active profile (10x for soak)."""
    profile = settings.default
    assert profile is not None
    return count * profile.max_examples // 100


def validation_errors(params: Any, operation: str) -> str:
    """What botocore's own validator finds wrong with ``params`` for an operation ('' when valid)."""
    shape = SERVICE_MODEL.operation_model(operation).input_shape
    assert shape is not None
    report: str = ParamValidator().validate(params, shape).generate_report()
    return report


def signed_wire(
    body: bytes,
    *,
    target: str | None = GET_UPLOAD_STATUS,
    content_type: str | None = "application/x-amz-json-1.1",
    method: str = "POST",
    region: str = "us-east-1",
    url: str | None = None,
) -> WireRequest:
    """A request as the service sees it, signed by botocore's SigV4 with fake credentials, as a client sends it."""
    headers = {name: value for name, value in (("X-Amz-Target", target), ("Content-Type", content_type)) if value}
    request = AWSRequest(method, url or f"https://iotthingsgraph.{region}.amazonaws.com/", headers=headers, data=body)
    SigV4Auth(FAKE, "iotthingsgraph", region).add_auth(request)
    prepared = request.prepare()
    return wire_request(prepared.method, prepared.url, prepared.headers, prepared.body)


def answered(body: bytes, target: str = GET_UPLOAD_STATUS) -> tuple[int, Any, Call]:
    """The status, decoded JSON body and record of one raw signed request, answered by a stub of its own."""
    with mock_thingsgraph(allow_invalid_requests=True, assert_all_consumed=False) as stub:
        response = stub.answer(signed_wire(body, target=target))
        call = stub.calls[-1]
    return response.status_code, json.loads(response.body), call


def mypy_cache(config: Any, tmp_path: Path, name: str) -> Path:
    """A mypy cache folder in pytest's cache, shared between runs, or in ``tmp_path`` without the cache plugin."""
    cache = getattr(config, "cache", None)  # absent under -p no:cacheprovider
    return cache.mkdir(name) if cache is not None else tmp_path / "cache"


def deepest_decodable_nesting() -> int:
    """The deepest ``[[...]]`` nesting ``json.loads`` decodes on this Python (it differs between versions)."""

    def decodes(depth: int) -> bool:
        try:
            json.loads("[" * depth + "]" * depth)
        except RecursionError:
            return False
        return True

    low, high = 1, 2
    while decodes(high):
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if decodes(middle) else (low, middle)
    return low


# --- what the strategies draw ----------------------------------------------------------------------------------------

#: The members of a GetUploadStatus response besides uploadId, uploadStatus and createdDate.
OPTIONAL_MEMBERS = ("namespaceArn", "namespaceName", "namespaceVersion", "failureReason")


def is_surrogate(character: str) -> bool:
    return "\ud800" <= character <= "\udfff"


def invalid_kind(body: object) -> str:
    """Which way ``body`` breaks the GetUploadStatus request shape, worked out from the body alone."""
    if not isinstance(body, dict):
        return "not_an_object"
    if set(body) - {"uploadId"}:
        return "extra_member"
    upload_id = body.get("uploadId")
    if upload_id is None:
        return "missing"
    if not isinstance(upload_id, str):
        return "wrong_type"
    return "empty" if upload_id == "" else "too_long"


# --- waits recorded instead of waited ------------------------------------------------------------------------------


@dataclass
class AsyncWaits:
    """``asyncio.sleep`` and ``asyncio.wait_for`` calls with a timeout, recorded instead of waited."""

    sleeps: list[object] = field(default_factory=list)
    timed_waits: list[float] = field(default_factory=list)
    skipped: float = 0.0  # seconds time.time() is moved on by the waits not waited


class Skips(Protocol):
    """A record of waits not waited (:class:`AsyncWaits`, ``test_adaptive.Waits``)."""

    skipped: float  # seconds time.time() is moved on by the waits not waited


def stand_clock_still(monkeypatch: pytest.MonkeyPatch, seen: Skips) -> None:
    """Make ``time.time()`` stand still a quarter into this second, moved on only by the waits ``seen`` skipped.

    A token bucket then sees that time pass and no other, so what it makes wait does not hang on how fast a loaded
    machine runs the test. The quarter: botocore's rate clocker (``retries/adaptive.py``) starts its first
    half-second bucket at the whole second, so a first response read in a second's later half measures a send rate
    of 1.6 a second, and whether the bucket then waits hangs on the random retry delay; in the first half the
    measured rate is 0 and the bucket always waits.
    """
    start = math.floor(time.time()) + 0.25
    monkeypatch.setattr(time, "time", lambda: start + seen.skipped)


class AskedDelays:
    """The retry delays botocore's (and aiobotocore's) endpoint asked for so far, from its debug log."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self._caplog = caplog

    def __call__(self) -> list[float]:
        return [
            float(record.args[0])  # type: ignore[index,arg-type]
            for record in self._caplog.records
            if record.getMessage().startswith("Response received to retry, sleeping for")
        ]


LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def record_lookups(monkeypatch: Any) -> list[str]:
    """Record every host that reaches the system's resolver; refuse all but loopback names, so nothing leaves.

    It sits under ``socket.getaddrinfo`` (the C function that function calls), so it sees what the
    plugin's own layer let through, and a lookup it refused never shows here.
    """
    import _socket
    import socket

    lookups: list[str] = []
    resolve = _socket.getaddrinfo

    def recorded(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        lookups.append(name)
        if name not in LOOPBACK_NAMES:
            raise socket.gaierror(socket.EAI_NONAME, f"test refused to look up {name!r}")
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(_socket, "getaddrinfo", recorded)
    return lookups


# Values of every shape of the model, for the operations add_response answers

#: A system's ID, as the service's URNs are: ``urn:tdm:<namespace>:<kind>:<name>``.
SYSTEM_URN = "urn:tdm:us-east-1/123456789012/default:System:Lamps"
#: The timestamp of the example values: microseconds, which come back exactly.
EXAMPLE_TIME = dt.datetime(2024, 3, 5, 7, 9, 11, 131517, tzinfo=dt.timezone.utc)
#: Example strings of the shapes that have a pattern (or a minimum length), by shape name.
EXAMPLE_STRINGS = {
    "Urn": SYSTEM_URN,
    "FlowTemplateFilterValue": "urn:tdm:aws/examples:DeviceModel:Camera",
    "SystemTemplateFilterValue": "urn:tdm:aws/examples:Workflow:Flow",
    "ThingName": "lamp-1",
    "TagKey": "team",
    "TagValue": "lighting",
    "ResourceArn": "arn:aws:iotthingsgraph:us-east-1:123456789012:System/default/Lamps",
    "RoleArn": "arn:aws:iam::123456789012:role/things-graph",
    "DefinitionText": '{ type Lamp @deviceModel(id: "urn:tdm:aws/examples:DeviceModel:Lamp") }',
}


def example_value(shape: Any, *, every_member: bool = True) -> Any:
    """A valid value of ``shape`` (a botocore Shape) as boto3 takes and returns it: every member, or the required."""
    kind = shape.type_name
    if kind == "structure":
        names = shape.members if every_member else shape.required_members
        return {name: example_value(shape.members[name], every_member=every_member) for name in names}
    if kind == "list":
        return [example_value(shape.member, every_member=every_member)]
    if kind == "string":
        return shape.enum[0] if shape.enum else EXAMPLE_STRINGS.get(shape.name, f"{shape.name}-1")
    if kind in ("integer", "long"):
        return 7
    if kind == "boolean":
        return True
    assert kind == "timestamp", shape
    return EXAMPLE_TIME


def example_answer(operation: str) -> dict[str, Any]:
    """An answer of ``operation`` with every member of its response filled."""
    shape = SERVICE_MODEL.operation_model(operation).output_shape
    return {} if shape is None else example_value(shape)


def example_request(operation: str, *, every_member: bool = False) -> dict[str, Any]:
    """A valid request of ``operation`` (boto3's keywords): its required members, or every member."""
    shape = SERVICE_MODEL.operation_model(operation).input_shape
    return {} if shape is None else example_value(shape, every_member=every_member)


# --- deterministic searches of what a strategy draws ----------------------------------------------------------------

T = TypeVar("T")
#: Deterministic searches: the same examples on every run, whatever the active hypothesis profile.
SEARCH = settings(
    max_examples=400,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)
#: The same, shrinking what they find.
SHRINK = settings(SEARCH, phases=[Phase.generate, Phase.shrink])


def reach(strategy: st.SearchStrategy[T], condition: Callable[[T], bool], examples: int = 400) -> T:
    """The first of ``examples`` deterministic draws that meets ``condition`` (``NoSuchExample`` if none does)."""
    return find(strategy, condition, settings=settings(SEARCH, max_examples=examples))


def draws(strategy: st.SearchStrategy[T], examples: int = 300) -> list[T]:
    """``examples`` deterministic draws (fewer if the strategy has fewer distinct values)."""
    values: list[T] = []

    @settings(SEARCH, max_examples=examples)
    @given(strategy)
    def collect(value: T) -> None:
        values.append(value)

    collect()
    assert values
    return values


def longest(strategy: st.SearchStrategy[T], size: Callable[[T], int], examples: int = 300) -> int:
    """The largest ``size`` among deterministic draws that hypothesis's targeting phase pushes upwards."""
    sizes: list[int] = []

    @settings(SEARCH, max_examples=examples, phases=[Phase.generate, Phase.target])
    @given(strategy)
    def grow(value: T) -> None:
        sizes.append(size(value))
        target(float(sizes[-1]))

    grow()
    return max(sizes)


def shrunk(strategy: st.SearchStrategy[T]) -> T:
    """The value hypothesis shrinks every example of ``strategy`` towards."""
    return find(strategy, lambda _: True, settings=SHRINK)


def smallest(strategy: st.SearchStrategy[T], condition: Callable[[T], bool]) -> T:
    """The value hypothesis shrinks the examples that meet ``condition`` towards."""
    return find(strategy, condition, settings=SHRINK)


def refused(make: Callable[[], object]) -> str:
    with pytest.raises(InvalidArgument) as info:
        make()
    return str(info.value)

"""Helpers shared by the plugin's tests: real clients and example counts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.validate import ParamValidator
from hypothesis import settings

from pytest_thingsgraph._protocol import WireRequest, wire_request

FAKE = Credentials("AKIDEXAMPLE", "example-secret")
SERVICE_MODEL = botocore.session.get_session().get_service_model("iotthingsgraph")


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
        "iotthingsgraph", region_name=region, endpoint_url=endpoint_url, config=Config(retries=retries, **config)
    )


def examples(count: int) -> int:
    """``count`` examples under the CI profile, scaled like the active profile (10x for soak)."""
    return count * settings.default.max_examples // 100


def validation_errors(params: Any, operation: str) -> str:
    """What botocore's own validator finds wrong with ``params`` for an operation ('' when valid)."""
    shape = SERVICE_MODEL.operation_model(operation).input_shape
    return ParamValidator().validate(params, shape).generate_report()


def signed_wire(
    body: bytes,
    *,
    target: str | None = "IotThingsGraphFrontEndService.GetUploadStatus",
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

"""Shared set-up of the plugin's own tests."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from pytest_thingsgraph import _registry

# botocore looks for credentials when a client is made; none of these tests may ask the
# instance metadata service (a network address) for them.
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")

# Modest example counts for CI; HYPOTHESIS_PROFILE=soak (or --hypothesis-profile=soak) runs 10x.
settings.register_profile("ci", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("soak", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# tox -e mutation runs the suite once per mutant: a fifth of the CI examples
settings.register_profile("mutation", max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

pytest_plugins = ["pytester"]


@pytest.fixture
def unguarded() -> Iterator[None]:
    """Turn off the session's guard (ini thingsgraph_block_unstubbed) for one test."""
    _registry.guard(False)
    try:
        yield
    finally:
        _registry.guard(True)


if os.environ.get("HYPOTHESIS_PROFILE") == "mutation":
    from pytest_thingsgraph._operations import get_upload_status

    @pytest.fixture(autouse=True)
    def _parse_each_body_afresh() -> None:
        """mutmut forks each mutant's run from a process that already ran the tests: the GetUploadStatus bodies
        parsed then would be answered from ``get_upload_status.parse_body``'s cache, never reaching the mutant."""
        get_upload_status.parse_body.cache_clear()


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Record and refuse every outgoing connection, so a leak fails loudly instead of hanging."""
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise OSError(f"test refused a connection to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts

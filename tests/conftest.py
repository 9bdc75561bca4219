"""Shared set-up of the plugin's own tests."""

from __future__ import annotations

import importlib.metadata
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


def _pytest_asyncio_leaves_a_loop() -> bool:
    try:
        major, minor = (int(part) for part in importlib.metadata.version("pytest-asyncio").split(".")[:2])
    except importlib.metadata.PackageNotFoundError:
        return False
    return (major, minor) < (0, 24)


def pytest_configure(config: pytest.Config) -> None:
    if _pytest_asyncio_leaves_a_loop():
        # tox -e oldest: after each async test pytest-asyncio 0.23 (the last for pytest 7.4) makes a fresh event
        # loop current, which a later asyncio.run() replaces without closing it: its self-pipe, an AF_UNIX socket
        # pair, is collected unclosed in whatever test runs then. 0.24 and later leave no loop behind, so every
        # other env keeps this warning an error (the server's own socket pair included).
        config.addinivalue_line(
            "filterwarnings",
            "ignore:Exception ignored in. <socket.socket fd=-1, family=AddressFamily.AF_UNIX"
            ":pytest.PytestUnraisableExceptionWarning",
        )


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytester's inner sessions, with this suite's pytest-asyncio loop scope (unset, each session warns).

    pytester clears PYTEST_ADDOPTS when it starts; set after, it reaches in-process and subprocess runs alike,
    and ``-o`` overrides whatever ini file a test writes.
    """
    monkeypatch.setenv("PYTEST_ADDOPTS", "-o asyncio_default_fixture_loop_scope=function")
    return pytester


@pytest.fixture
def unguarded() -> Iterator[None]:
    """Turn off the session's guard (ini thingsgraph_block_unstubbed) for one test."""
    _registry.guard(False)
    try:
        yield
    finally:
        _registry.guard(True)


if os.environ.get("HYPOTHESIS_PROFILE") == "mutation":
    from pytest_thingsgraph import _protocol

    @pytest.fixture(autouse=True)
    def _parse_each_body_afresh() -> None:
        """mutmut forks each mutant's run from a process that already ran the tests: the GetUploadStatus bodies
        parsed then would be answered from ``_parse_get_upload_status``'s cache, never reaching the mutant."""
        _protocol._parse_get_upload_status.cache_clear()


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

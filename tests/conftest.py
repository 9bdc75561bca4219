"""Shared set-up of the plugin's own tests."""

from __future__ import annotations

import asyncio
import http.server
import importlib.metadata
import json
import logging
import os
import socket
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from helpers import AskedDelays, AsyncWaits, stand_clock_still
from hypothesis import HealthCheck, settings
from server_helpers import LIMIT

from pytest_thingsgraph import ThingsGraphServer, ThingsGraphStub, _adapters, _registry

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

    @pytest.fixture(autouse=True)
    def _every_cache_afresh() -> None:
        """mutmut forks each mutant's run from a process that already ran the tests: what the package's caches
        hold was computed then, without the mutant (a body parsed by ``parse_body``, a model, a compiled pattern,
        a strategy built from the model), and would answer the test without reaching it. Each test starts with
        every ``functools`` cache of the package empty, and the strategies ``_operation_strategies`` built."""
        for name, module in list(sys.modules.items()):
            if name == "pytest_thingsgraph" or name.startswith("pytest_thingsgraph."):
                for value in list(vars(module).values()):
                    clear = getattr(value, "cache_clear", None)
                    if callable(clear) and str(getattr(value, "__module__", "")).startswith("pytest_thingsgraph"):
                        clear()
        strategies = sys.modules.get("pytest_thingsgraph._operation_strategies")  # imports hypothesis: not here
        if strategies is not None:
            strategies._BUILT.clear()

    @pytest.fixture(autouse=True)
    def _every_library_patched_afresh() -> None:
        """The same for the adapters' patches: mutmut's parent process applied them (for the session's guard, and
        for each library as a test first imported it) without the mutant. While only the guard holds them, each
        test starts with every library put back and patched again, as a stub's first start in a process does."""
        if _adapters._holders == 1:
            _adapters.release()
            _adapters.acquire()


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


@pytest.fixture
def async_waits(monkeypatch: pytest.MonkeyPatch) -> AsyncWaits:
    """Record, instead of waiting, every ``asyncio.sleep`` and every ``asyncio.wait_for`` with a timeout.

    ``time.time()`` stands still but for what was not waited (:func:`helpers.stand_clock_still`), so aiobotocore's
    token bucket sees that time pass and no other.
    """
    seen = AsyncWaits()
    real_wait_for = asyncio.wait_for

    async def sleep(seconds: float, result: Any = None) -> Any:
        seen.sleeps.append(seconds)
        seen.skipped += seconds if isinstance(seconds, (int, float)) else 0
        return result

    async def wait_for(awaitable: Any, timeout: float | None) -> Any:
        if timeout is None:
            return await real_wait_for(awaitable, timeout)
        seen.timed_waits.append(timeout)
        seen.skipped += timeout
        if asyncio.iscoroutine(awaitable):
            awaitable.close()
        raise asyncio.TimeoutError  # as if the timeout passed

    stand_clock_still(monkeypatch, seen)
    monkeypatch.setattr(asyncio, "sleep", sleep)
    monkeypatch.setattr(asyncio, "wait_for", wait_for)
    return seen


@pytest.fixture
def asked_delays(caplog: pytest.LogCaptureFixture) -> Iterator[AskedDelays]:
    """The retry delays botocore's and aiobotocore's endpoints asked for, read from their debug log."""
    with (
        caplog.at_level(logging.DEBUG, logger="botocore.endpoint"),
        caplog.at_level(logging.DEBUG, logger="aiobotocore.endpoint"),
    ):
        yield AskedDelays(caplog)


@pytest.fixture
def own_server() -> Iterator[ThingsGraphServer]:
    """A server of its own stub, with a short timeout and a 1,000-byte body limit, for the edge cases."""
    with ThingsGraphServer(ThingsGraphStub(), timeout=0.5, max_body_bytes=LIMIT) as server:
        yield server


class _LocalHandler(http.server.BaseHTTPRequestHandler):
    """Answers every GET with ``{"served_by": "local server", "path": ...}``."""

    def do_GET(self) -> None:
        body = json.dumps({"served_by": "local server", "path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def local_server() -> Iterator[str]:
    """An HTTP server on 127.0.0.1 for the traffic that must pass by the stub and the fail-closed layer."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _LocalHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()

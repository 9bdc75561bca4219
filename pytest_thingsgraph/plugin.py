"""The pytest plugin: the ``thingsgraph_stub`` fixture, its marker and ini keys, and the session's guard.

It only wires pytest; it imports neither botocore nor pydantic, so loading it
costs nothing in suites that never ask for the fixture.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from . import _adapters, _registry
from ._errors import StubError, UsageError
from ._options import OPTION_HELP, OPTION_NAMES, StubOptions, options_from_markers

if TYPE_CHECKING:
    from ._stub import ThingsGraphStub
    from ._threaded_server import ThingsGraphServer

_INI_OPTIONS = pytest.StashKey[StubOptions]()
_GUARDED = pytest.StashKey[bool]()
_STUB = pytest.StashKey["ThingsGraphStub"]()
_FAILED = pytest.StashKey[bool]()
BLOCK_UNSTUBBED_HELP = "refuse Things Graph calls made while no stub is active (default true)"


def pytest_addoption(parser: pytest.Parser) -> None:
    for name in OPTION_NAMES:
        parser.addini(f"thingsgraph_{name}", OPTION_HELP[name], type="bool", default=getattr(StubOptions, name))
    parser.addini("thingsgraph_block_unstubbed", BLOCK_UNSTUBBED_HELP, type="bool", default=True)


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_INI_OPTIONS] = StubOptions(**{name: _ini(config, name) for name in OPTION_NAMES})
    options = ", ".join(f"{name}=<bool>" for name in OPTION_NAMES)
    config.addinivalue_line(
        "markers", f"thingsgraph_stub(**options): options of the thingsgraph_stub fixture: {options}"
    )
    config.stash[_GUARDED] = _ini(config, "block_unstubbed")
    if config.stash[_GUARDED]:
        _registry.guard(True)
        _adapters.acquire()


def pytest_unconfigure(config: pytest.Config) -> None:
    if config.stash.get(_GUARDED, False):
        _adapters.release()
        _registry.guard(False)


def _ini(config: pytest.Config, name: str) -> bool:
    try:
        return bool(config.getini(f"thingsgraph_{name}"))
    except (ValueError, pytest.UsageError) as error:  # pytest 9 raises UsageError, older ones ValueError
        message = f"ini key thingsgraph_{name}: {error}: set it to true or false."
    raise pytest.UsageError(message)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    report: pytest.TestReport = (yield).get_result()
    if report.failed and _STUB in item.stash:
        item.stash[_FAILED] = True  # the teardown leaves unused scripts of a failed test alone
        from ._report import calls_section

        report.sections.append(("Things Graph calls", calls_section(item.stash[_STUB].calls)))


@pytest.fixture
def thingsgraph_stub(request: pytest.FixtureRequest) -> Iterator[ThingsGraphStub]:
    """A stub of Things Graph (GetUploadStatus, UploadEntityDefinitions) that answers every botocore client
    (and aiobotocore and requests caller) during the test."""
    markers = reversed(list(request.node.iter_markers("thingsgraph_stub")))
    try:
        options = options_from_markers(request.config.stash[_INI_OPTIONS], ((m.args, m.kwargs) for m in markers))
    except UsageError as error:
        message = str(error)
    else:
        message = ""
    if message:
        pytest.fail(message, pytrace=False)
    from ._mock import ThingsGraphPatcher

    _, line, _ = request.node.location
    patcher = ThingsGraphPatcher(
        options,
        owner=f"the thingsgraph_stub fixture of {request.node.nodeid}",
        started_at=f"{request.node.path}:{line + 1}" if line is not None else str(request.node.path),
    )
    request.node.stash[_STUB] = stub = patcher.start()
    try:
        yield stub
    finally:
        try:
            patcher.stop(check_consumed=not request.node.stash.get(_FAILED, False))
        except StubError as error:
            message = str(error)
    if message:
        pytest.fail(message, pytrace=False)


@pytest.fixture
def thingsgraph_server(thingsgraph_stub: ThingsGraphStub) -> Iterator[ThingsGraphServer]:
    """The test's thingsgraph_stub served over HTTP on the loopback, for subprocesses and other languages' SDKs:
    ``endpoint_url``, ``environ`` (to merge into a child's environment) and ``stub``."""
    from ._threaded_server import serving

    yield from serving(thingsgraph_stub)

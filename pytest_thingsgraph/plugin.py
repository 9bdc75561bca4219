"""The pytest plugin: the ``thingsgraph_stub`` fixture, its marker and ini keys, and the session's guard.

It only wires pytest; it imports neither botocore nor pydantic, so loading it
costs nothing in suites that never ask for the fixture.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any, cast

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


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """A stub the test's body started and left running is stopped when the body ends, and fails the test."""
    __tracebackhide__ = True  # the test's traceback stays as it was without this wrapper
    before = _registry.active()
    try:
        result = yield
    except BaseException:
        _stop_left_running(before)
        raise
    message = _stop_left_running(before)
    if message:
        pytest.fail(message, pytrace=False)
    return result


def _stop_left_running(before: _registry.ActiveStub | None) -> str:
    """Stop the stub started since ``before`` was the active one, if any; the message that says so, or ``""``."""
    stub = _registry.active()
    if stub is None or stub is before:
        return ""
    owner = _registry.owner()
    stub.deactivate()
    _registry.note_raised(stub)
    return (
        f"The test left a Things Graph stub running: {owner}. It was stopped when the test ended, so no later "
        "test is answered by it. Stop it before the test ends (call stop() on what started it, or use a with "
        "block or the decorator), or start it in a fixture if it should outlive the test."
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    report: pytest.TestReport = (yield).get_result()
    raised = _registry.take_raised() if call.when == "call" else None
    if not (report.failed or report.skipped):
        return
    stub = cast("ThingsGraphStub | None", raised) or item.stash.get(_STUB, None)
    if _STUB in item.stash:
        item.stash[_FAILED] = True  # a failed, skipped or xfailed test gets that outcome alone, no teardown checks
    if not report.failed or stub is None:
        return
    report.sections.append(("Things Graph calls", stub.calls_report()))
    if call.when != "teardown":
        known = str(call.excinfo.value) if call.excinfo is not None else ""
        findings = stub.failures(check_consumed=False, known=known)
        if findings:
            report.sections.append(("Things Graph teardown checks", "\n\n".join(findings)))


@pytest.fixture
def thingsgraph_stub(request: pytest.FixtureRequest) -> Iterator[ThingsGraphStub]:
    """A stub of Things Graph (every operation) that answers every botocore and aiobotocore client, and every
    requests and httpx caller, during the test."""
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
    request.node.stash[_FAILED] = False  # each attempt (--reruns, flaky) gets its own checks
    try:
        yield stub
    finally:
        try:
            # a failed test's findings are in its report already (pytest_runtest_makereport)
            patcher.stop(check=not request.node.stash.get(_FAILED, False))
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

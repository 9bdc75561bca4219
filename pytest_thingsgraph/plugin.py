"""The pytest plugin: the ``thingsgraph_stub`` fixture, its marker and ini keys.

Kept small and free of botocore and pydantic imports, so loading it costs
nothing in suites that never ask for the fixture.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from ._errors import UsageError
from ._options import OPTION_HELP, OPTION_NAMES, StubOptions, options_from_markers

if TYPE_CHECKING:
    from ._stub import ThingsGraphStub

_CALL_FAILED = pytest.StashKey[bool]()
_INI_OPTIONS = pytest.StashKey[StubOptions]()


def pytest_addoption(parser: pytest.Parser) -> None:
    defaults = StubOptions()
    for name in OPTION_NAMES:
        parser.addini(f"thingsgraph_{name}", OPTION_HELP[name], type="bool", default=getattr(defaults, name))


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_INI_OPTIONS] = _ini_options(config)
    config.addinivalue_line(
        "markers",
        "thingsgraph_stub(**options): options of the thingsgraph_stub fixture: "
        + ", ".join(f"{name}=<bool>" for name in OPTION_NAMES),
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    # the fixture's teardown reads this: a test whose setup or body failed is not blamed for unused scripts
    if call.when in ("setup", "call") and outcome.get_result().failed:
        item.stash[_CALL_FAILED] = True


def _ini_options(config: pytest.Config) -> StubOptions:
    values = {}
    for name in OPTION_NAMES:
        key = f"thingsgraph_{name}"
        try:
            values[name] = bool(config.getini(key))
        except (ValueError, pytest.UsageError) as error:  # pytest 9 raises UsageError, older ones ValueError
            raise pytest.UsageError(f"ini key {key}: {error}: set it to true or false.") from None
    return StubOptions(**values)


@pytest.fixture
def thingsgraph_stub(request: pytest.FixtureRequest) -> Iterator[ThingsGraphStub]:
    """A stub of Things Graph (GetUploadStatus, UploadEntityDefinitions) that answers every botocore client
    (and aiobotocore and requests caller) during the test."""
    try:
        options = options_from_markers(
            request.config.stash[_INI_OPTIONS],
            ((marker.args, marker.kwargs) for marker in reversed(list(request.node.iter_markers("thingsgraph_stub")))),
        )
    except UsageError as error:
        pytest.fail(str(error), pytrace=False)
    from ._stub import ThingsGraphStub

    stub = ThingsGraphStub(options)
    stub._start(f"the thingsgraph_stub fixture of {request.node.nodeid}")
    try:
        yield stub
    finally:
        stub._stop()
    failures = stub.failures(check_consumed=not request.node.stash.get(_CALL_FAILED, False))
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)

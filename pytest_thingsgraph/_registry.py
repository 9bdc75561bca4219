"""The one active stub of the process, and the guard that refuses Things Graph calls while none is.

Light on purpose: the package imports it, so it imports neither botocore nor pydantic.
The adapters read :func:`active` on every Things Graph request, and see the stub
as :class:`ActiveStub` declares it: this module knows no stub class.
"""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, Protocol

from ._endpoints import is_loopback_url
from ._errors import StubError, UsageError

if TYPE_CHECKING:
    from ._options import StubOptions
    from ._wire import WireRequest, WireResponse


class ActiveStub(Protocol):
    """What the adapters ask of the active stub."""

    @property
    def options(self) -> StubOptions:
        """The options it runs with."""
        ...

    def answer(self, request: WireRequest) -> WireResponse:
        """Answer one HTTP attempt as the service would."""
        ...

    def record_retry_delay(self, seconds: float) -> None:
        """Note a retry delay a client asked for."""
        ...

    def deactivate(self) -> None:
        """Stop answering (for a stub its test left running)."""
        ...

    def record_unreachable(self, request: WireRequest) -> None:
        """Record a call to a host where Things Graph never ran (the adapter fails it as the network would)."""
        ...


_lock = threading.Lock()
_active: ActiveStub | None = None
_owner = ""
_guards = 0
_raised: ActiveStub | None = None  # the last stub a decorated call stopped while raising


def active() -> ActiveStub | None:
    """The active stub, or ``None``."""
    return _active


def active_stub() -> ActiveStub:
    """Return the active stub: the fixture's, or the one ``mock_thingsgraph`` started."""
    stub = _active
    if stub is None:
        raise StubError(
            "No Things Graph stub is active: request the thingsgraph_stub fixture, "
            "or call this inside a mock_thingsgraph() block, decorated function or start()/stop() pair."
        )
    return stub


def activate(stub: ActiveStub, owner: str, started_at: str | None = None) -> None:
    """Make ``stub`` the one that answers; refuse if another is active.

    ``owner`` names what starts it, and ``started_at`` where (``file:line``; by
    default the first caller outside this package), for the message a second stub gets.
    """
    global _active, _owner
    started_at = started_at or _caller_outside_package()
    with _lock:
        if _active is not None:
            raise UsageError(
                f"Cannot start {owner}: a Things Graph stub is already active, {_owner}. "
                "Only one answers at a time: use that stub (active_stub() returns it), or stop it first "
                "(leave its with block, or call stop() on what started it)."
            )
        _active, _owner = stub, f"{owner} started at {started_at}"


def deactivate(stub: ActiveStub) -> None:
    """Stop ``stub`` answering, if it is the active one."""
    global _active, _owner
    with _lock:
        if _active is stub:
            _active, _owner = None, ""


def owner() -> str:
    """What started the active stub, and where; empty when none is active."""
    return _owner


def note_raised(stub: ActiveStub) -> None:
    """Note the stub a decorated test stopped while raising, for the failed test's report."""
    global _raised
    _raised = stub


def take_raised() -> ActiveStub | None:
    """The stub :func:`note_raised` noted last, forgotten as it is returned."""
    global _raised
    stub, _raised = _raised, None
    return stub


def _caller_outside_package() -> str:
    """``file:line`` of the first caller outside this package, for messages."""
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_globals.get("__name__", "").startswith(__package__ or "?"):
        frame = frame.f_back
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


def guard(on: bool) -> None:
    """Refuse Things Graph calls made while no stub is active, for one more holder (a pytest session), or one less."""
    global _guards
    with _lock:
        _guards = max(0, _guards + (1 if on else -1))


def guarded() -> bool:
    """Whether the guard holds: Things Graph calls made while no stub is active are refused."""
    return _guards > 0


def refuse_unstubbed(call: str, url: str) -> None:
    """Raise :class:`StubError` for a Things Graph call made while no stub is active, when guarded.

    A call to a loopback endpoint (a server running on this machine) goes on.
    """
    if not _guards or is_loopback_url(url):
        return
    raise StubError(
        f"{call} to {url} was made while no Things Graph stub is active, and was not sent. "
        "Request the thingsgraph_stub fixture in this test (or wrap the code in mock_thingsgraph()); "
        "a client that outlives its test still calls after the stub stopped. "
        "To let such calls through, set the ini key thingsgraph_block_unstubbed = false."
    )

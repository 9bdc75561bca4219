"""The one active stub of the process, and the import hook that wires clients to it.

This module is imported with the package, so it must stay light: it imports
neither botocore nor pydantic. When ``botocore.handlers``,
``aiobotocore.endpoint`` or ``requests.sessions`` is imported, the hook hands
it to :mod:`._botocore` or :mod:`._requests`, so that every session made from
then on routes Things Graph requests here.
"""

from __future__ import annotations

import atexit
import importlib
import sys
import threading
from collections.abc import Callable, Sequence
from importlib.abc import Loader, MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ._errors import StubError, UsageError

if TYPE_CHECKING:
    from ._stub import ThingsGraphStub

_lock = threading.Lock()
_active: ThingsGraphStub | None = None
_active_owner = ""


def active() -> ThingsGraphStub | None:
    """The active stub, or ``None``; read on every Things Graph request."""
    return _active


def active_stub() -> ThingsGraphStub:
    """Return the active stub: the fixture's, or the one ``mock_thingsgraph`` started."""
    stub = _active
    if stub is None:
        raise StubError(
            "No Things Graph stub is active: request the thingsgraph_stub fixture, "
            "or call this inside a mock_thingsgraph() block or decorated function."
        )
    return stub


def activate(stub: ThingsGraphStub, owner: str) -> None:
    """Make ``stub`` the one that answers; refuse if another is active."""
    global _active, _active_owner
    with _lock:
        if _active is not None:
            raise UsageError(
                f"Cannot start {owner}: a Things Graph stub is already active ({_active_owner}). "
                "Use that stub instead of starting a second one; only one answers at a time."
            )
        _active, _active_owner = stub, owner


def deactivate(stub: ThingsGraphStub) -> None:
    """Stop ``stub`` answering, if it is the active one."""
    global _active, _active_owner
    with _lock:
        if _active is stub:
            _active, _active_owner = None, ""


class _RegisteringLoader(Loader):
    """Runs a module as usual, then wires the stub into it."""

    def __init__(self, loader: Loader, wire: Callable[[ModuleType], None]) -> None:
        self._loader = loader
        self._wire = wire

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        self._wire(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class _WiringFinder(MetaPathFinder):
    """Wraps the loaders of the modules in ``_WIRING``, each time they are imported afresh."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        wire = _WIRING.get(fullname)
        if wire is None:
            return None
        for finder in sys.meta_path:
            if finder is self:
                continue
            find_spec = getattr(finder, "find_spec", None)
            spec: ModuleSpec | None = find_spec(fullname, path, target) if find_spec is not None else None
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _RegisteringLoader(spec.loader, wire)
                return spec
        return None


_finder = _WiringFinder()


def _adapter(name: str) -> ModuleType:
    # import_module, not "from . import": botocore or requests may have been imported afresh
    # (pytester's inner sessions drop the modules they imported), and the adapter must bind
    # to the new one.
    adapter = importlib.import_module(f"{__package__}.{name}")
    library = name.strip("_")
    if getattr(adapter, library, None) is not sys.modules.get(library):
        adapter = importlib.reload(adapter)
    return adapter


def _wire_botocore(handlers_module: ModuleType) -> None:
    _adapter("_botocore").register(handlers_module)


def _wire_aiobotocore(endpoint_module: ModuleType) -> None:
    _adapter("_botocore").wire_aiobotocore(endpoint_module)


def _wire_requests(sessions_module: ModuleType) -> None:
    _adapter("_requests").install(sessions_module)


_WIRING: dict[str, Callable[[ModuleType], None]] = {
    "botocore.handlers": _wire_botocore,
    "aiobotocore.endpoint": _wire_aiobotocore,
    "requests.sessions": _wire_requests,
}


def _remove_finder() -> None:
    # A Python finder left in sys.meta_path makes the interpreter's own shutdown slower (about
    # 8 ms once pytest and hypothesis are loaded); nothing imports botocore that late.
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)


def install() -> None:
    """Route Things Graph requests of botocore sessions and requests made from now on to the active stub."""
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
        atexit.register(_remove_finder)
    for name, wire in _WIRING.items():
        module = sys.modules.get(name)
        if module is not None:
            wire(module)

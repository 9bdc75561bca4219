"""Which adapter patches which library, and when.

- :func:`install` (the package's import): botocore's handler table gets the
  stub's handlers as soon as ``botocore.handlers`` is imported, for good; they
  do nothing while no stub runs and the guard is off.
- :func:`acquire` / :func:`release`: while at least one holder (a running stub,
  the pytest session's guard) needs them, each library in :data:`PATCHES` is
  patched, now or when it is imported, and put back when the last holder goes.
  Its imports are watched from the first holder on (watching costs nothing
  between holders: an import then leaves the library as it is), so starting
  and stopping a stub touches only the libraries already imported.

Adapter modules import their library, so they are imported here only once
that library is.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Callable
from types import ModuleType
from typing import cast

from ._import_hook import when_imported
from ._patching import Undo

#: Imported module -> (adapter module, function that patches its library and returns an undo). Each is a
#: module its library imports last, so the adapter's own imports of the library find it whole.
PATCHES: dict[str, tuple[str, str]] = {
    "botocore.handlers": ("_botocore", "patch_retry_waits"),
    "aiobotocore.session": ("_aiobotocore", "patch_retry_waits"),
    "requests.sessions": ("_requests", "patch_session"),
    "httpx": ("_httpx", "patch_transports"),
    # the fail-closed layer under every other client (socket is always imported: patched at once)
    "socket": ("_network", "patch_socket"),
}

_lock = threading.RLock()
_holders = 0
_undos: list[Undo] = []


def _adapter_function(adapter: str, function: str) -> object:
    # looked up on each use: pytester's inner sessions drop the modules they imported, and an adapter
    # imported afresh binds to the library imported afresh
    name = f"{__package__}.{adapter}"
    return getattr(sys.modules.get(name) or importlib.import_module(name), function)


def _register_handlers(handlers_module: ModuleType) -> None:
    _adapter_function("_botocore", "register_handlers")(handlers_module)  # type: ignore[operator]


def install() -> None:
    """Put the stub's handlers into botocore's handler table, now or when it is imported."""
    when_imported("botocore.handlers", _register_handlers)


class _Patch:
    """The patch of one module, applied each time the module is (re)imported while held."""

    def __init__(self, module_name: str) -> None:
        self.module_name = module_name
        self.adapter, self.function = PATCHES[module_name]

    def __call__(self, module: ModuleType) -> None:
        with _lock:
            if not _holders:  # imported while nothing needs the adapters: left as it is
                return
            patch = cast("Callable[[ModuleType], Undo]", _adapter_function(self.adapter, self.function))
            _undos.append(patch(module))


_PATCHERS = [_Patch(name) for name in PATCHES]
_watching = False


def acquire() -> None:
    """Patch every library for one more holder (the first one patches)."""
    global _holders, _watching
    with _lock:
        _holders += 1
        if _holders > 1:
            return
        if not _watching:  # from the first holder on, each (re)import of a library is heard of
            _watching = True
            for patch in _PATCHERS:
                when_imported(patch.module_name, patch)  # patches it now if it is imported
            return
        for patch in _PATCHERS:
            module = sys.modules.get(patch.module_name)
            if module is not None:
                patch(module)


def release() -> None:
    """Let one holder go; the last one puts every library back as it was."""
    global _holders
    with _lock:
        if _holders == 0:
            return
        _holders -= 1
        if _holders:
            return
        while _undos:
            _undos.pop()()

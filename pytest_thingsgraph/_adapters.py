"""Which adapter patches which library, and when.

- :func:`install` (the package's import): botocore's handler table gets the
  stub's handlers as soon as ``botocore.handlers`` is imported, for good; they
  do nothing while no stub runs and the guard is off.
- :func:`acquire` / :func:`release`: while at least one holder (a running stub,
  the pytest session's guard) needs them, each library in :data:`PATCHES` is
  patched, now or when it is imported, and put back when the last holder goes.

Adapter modules import their library, so they are imported here only once
that library is.
"""

from __future__ import annotations

import importlib
import threading
from types import ModuleType

from ._import_hook import forget, when_imported
from ._patching import Undo

#: Imported module -> (adapter module, function that patches its library and returns an undo). Each is a
#: module its library imports last, so the adapter's own imports of the library find it whole.
PATCHES: dict[str, tuple[str, str]] = {
    "botocore.handlers": ("_botocore", "patch_retry_waits"),
    "aiobotocore.session": ("_aiobotocore", "patch_retry_waits"),
    "requests.sessions": ("_requests", "patch_session"),
}

_lock = threading.RLock()
_holders = 0
_undos: list[Undo] = []


def _adapter_function(adapter: str, function: str) -> object:
    return getattr(importlib.import_module(f"{__package__}.{adapter}"), function)


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
        undo: Undo = _adapter_function(self.adapter, self.function)(module)  # type: ignore[operator]
        with _lock:
            _undos.append(undo)


_PATCHERS = [_Patch(name) for name in PATCHES]


def acquire() -> None:
    """Patch every library for one more holder (the first one patches)."""
    global _holders
    with _lock:
        _holders += 1
        if _holders > 1:
            return
        for patch in _PATCHERS:
            when_imported(patch.module_name, patch)


def release() -> None:
    """Let one holder go; the last one puts every library back as it was."""
    global _holders
    with _lock:
        if _holders == 0:
            return
        _holders -= 1
        if _holders:
            return
        for patch in _PATCHERS:
            forget(patch.module_name, patch)
        while _undos:
            _undos.pop()()

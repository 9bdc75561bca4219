"""Which adapter patches which library, and when.

Each client family's adapter is an :class:`Adapter` record (respx's shape): the
module it waits for and its typed patch function, so a renamed function is a
type error rather than a silent miss.

- :func:`install` (the package's import): botocore's handler table gets the
  stub's handlers as soon as ``botocore.handlers`` is imported, for good, and a
  session made before that (botocore's or aiobotocore's, once ``aiobotocore.session``
  is imported) gets them when it makes a client; they do nothing
  while no stub runs and the guard is off.
- :func:`acquire` / :func:`release`: while at least one holder (a running stub,
  the pytest session's guard) needs them, each library in :data:`ADAPTERS` is
  patched, now or when it is imported, and put back when the last holder goes.
  Its imports are watched from the first holder on (watching costs nothing
  between holders: an import then leaves the library as it is), so starting
  and stopping a stub touches only the libraries already imported.

Adapter modules import their library, so each is imported only inside its
patch function, once that library is. The ``from ._x import f`` there looks
the adapter up in ``sys.modules`` on each call: pytester's inner sessions drop
the modules they imported, and an adapter imported afresh binds to the library
imported afresh.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from ._import_hook import when_imported
from ._undo import Undo


@dataclass(frozen=True, slots=True)
class Adapter:
    """One client family's adapter: the module it waits for, and the function that patches it.

    ``waits_for`` is a module its library imports last, so the adapter's own imports of the
    library find it whole; ``patch`` patches that library and returns how to put it back.
    """

    waits_for: str
    patch: Callable[[ModuleType], Undo]


def _patch_botocore(module: ModuleType) -> Undo:
    from ._botocore import patch_retry_waits

    return patch_retry_waits(module)


def _patch_aiobotocore(module: ModuleType) -> Undo:
    from ._aiobotocore import patch_retry_waits

    return patch_retry_waits(module)


def _patch_requests(module: ModuleType) -> Undo:
    from ._requests import patch_session

    return patch_session(module)


def _patch_httpx(module: ModuleType) -> Undo:
    from ._httpx import patch_transports

    return patch_transports(module)


def _patch_socket(module: ModuleType) -> Undo:
    from ._network import patch_socket

    return patch_socket(module)


#: Every adapter that patches a library while a stub runs, in the order they patch.
ADAPTERS: tuple[Adapter, ...] = (
    Adapter("botocore.handlers", _patch_botocore),
    Adapter("aiobotocore.session", _patch_aiobotocore),
    Adapter("requests.sessions", _patch_requests),
    Adapter("httpx", _patch_httpx),
    # the fail-closed layer under every other client (socket is always imported: patched at once)
    Adapter("socket", _patch_socket),
)

_lock = threading.RLock()
_holders = 0
_undos: list[Undo] = []


def _register_handlers(handlers_module: ModuleType) -> None:
    from ._botocore import register_handlers

    register_handlers(handlers_module)


def _equip_sessions(session_module: ModuleType) -> None:
    from ._botocore import equip_sessions

    equip_sessions(session_module)


def _equip_aio_sessions(session_module: ModuleType) -> None:
    from ._aiobotocore import equip_sessions

    equip_sessions(session_module)


def install() -> None:
    """Put the stub's handlers into botocore's handler table, and into sessions made before, now or on import."""
    when_imported("botocore.handlers", _register_handlers)
    when_imported("botocore.session", _equip_sessions)
    when_imported("aiobotocore.session", _equip_aio_sessions)


class _Patch:
    """The patch of one adapter's module, applied each time the module is (re)imported while held."""

    def __init__(self, adapter: Adapter) -> None:
        self.module_name = adapter.waits_for
        self._patch = adapter.patch

    def __call__(self, module: ModuleType) -> None:
        with _lock:
            if not _holders:  # imported while nothing needs the adapters: left as it is
                return
            _undos.append(self._patch(module))


_PATCHERS = [_Patch(adapter) for adapter in ADAPTERS]
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

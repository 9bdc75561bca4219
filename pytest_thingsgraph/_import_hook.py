"""``when_imported(name, callback)``: run a callback on a module now, or as soon as it is imported.

botocore copies its handler table into each session it makes, so the stub's
handlers must be in that table before the first session exists, however early
that is: the botocore adapter asks to hear of ``botocore.handlers`` for as long
as the package is loaded. The other adapters ask from the first time a stub runs.
"""

from __future__ import annotations

import atexit
import sys
import threading
from collections.abc import Callable, Sequence
from importlib.abc import Loader, MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

Callback = Callable[[ModuleType], None]

_lock = threading.RLock()
_waiting: dict[str, list[Callback]] = {}


def when_imported(name: str, callback: Callback) -> None:
    """Call ``callback(module)`` now if ``name`` is imported, and each time it is imported afresh."""
    with _lock:
        _waiting.setdefault(name, []).append(callback)
        if _finder not in sys.meta_path:
            sys.meta_path.insert(0, _finder)
    module = sys.modules.get(name)
    if module is not None:
        callback(module)


class _CallingLoader(Loader):
    """Runs a module as usual, then the callbacks waiting for it."""

    def __init__(self, loader: Loader, name: str) -> None:
        self._loader = loader
        self._name = name

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        with _lock:
            callbacks = list(_waiting.get(self._name, ()))
        for callback in callbacks:
            callback(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class _Finder(MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname not in _waiting:
            return None
        for finder in sys.meta_path:
            if finder is self:
                continue
            find_spec = getattr(finder, "find_spec", None)
            spec: ModuleSpec | None = find_spec(fullname, path, target) if find_spec is not None else None
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _CallingLoader(spec.loader, fullname)
                return spec
        return None


_finder = _Finder()


@atexit.register
def _remove_finder() -> None:
    # A Python finder left in sys.meta_path makes the interpreter's own shutdown slower (about
    # 8 ms once pytest and hypothesis are loaded); nothing imports botocore that late.
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)

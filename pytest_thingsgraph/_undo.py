"""Patches that can be undone: what every adapter makes while a stub runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: Puts back what a patch replaced.
Undo = Callable[[], None]


def patch_attribute(owner: Any, name: str, value: object) -> Undo:
    """Set ``owner.name`` to ``value``; the returned function puts the original back."""
    original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
    setattr(owner, name, value)
    return lambda: setattr(owner, name, original)


def patch_method(owner: type, name: str, wrap: Callable[[Callable[..., Any]], Callable[..., Any]]) -> Undo:
    """Replace the method ``owner.name`` with ``wrap(original)``; the returned function puts it back."""
    return patch_attribute(owner, name, wrap(owner.__dict__[name]))

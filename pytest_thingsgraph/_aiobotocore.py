"""The aiobotocore adapter: instant retry waits for stubbed calls of aiobotocore clients.

aiobotocore's sessions carry the botocore adapter's handlers already (they copy
botocore's built-in table), and read its responses. What differs is how they
wait: aiobotocore 3 sleeps in its endpoints' ``_sleep`` method, aiobotocore 2
in ``asyncio.sleep`` called from its endpoint module, and adaptive mode in an
``AsyncTokenBucket``. While a stub runs, each skips the waits of stubbed calls.

A session made before this package was imported lacks the handlers, as
botocore's does: :func:`equip_sessions` gives them to it (and to its clients)
as the botocore adapter does, through aiobotocore's own ``create_client`` and
``_make_api_call``.
"""

from __future__ import annotations

import functools
import importlib
import threading
import weakref
from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import Any

from ._botocore import equip, in_instant_call, take_instant
from ._undo import Undo, patch_attribute, patch_method

_EQUIPPING = "pytest_thingsgraph_equipping"

#: The clients already checked by :func:`equip_sessions`'s ``_make_api_call`` (weakly: clients come and go).
_checked_clients: weakref.WeakSet[Any] = weakref.WeakSet()
_equip_lock = threading.Lock()


def equip_sessions(session_module: ModuleType) -> None:
    """Every aiobotocore session and client, whenever it was made, carries the stub's handlers before it calls.

    ``AioSession.create_client`` and ``AioBaseClient._make_api_call`` replace botocore's, so the
    botocore adapter's wrappers never see them: a session equips itself before it makes a client,
    a client before its first call.
    """
    session_class = session_module.AioSession
    create_client = session_class.create_client
    if getattr(create_client, _EQUIPPING, False):
        return

    @functools.wraps(create_client)
    def equipping_create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        equip(self.get_component("event_emitter"))
        return create_client(self, *args, **kwargs)

    client_class: Any = importlib.import_module("aiobotocore.client").AioBaseClient
    make_api_call = client_class._make_api_call

    @functools.wraps(make_api_call)
    async def equipping_make_api_call(self: Any, *args: Any, **kwargs: Any) -> Any:
        if self not in _checked_clients:
            with _equip_lock:  # two threads' first calls of one client equip it once
                if self not in _checked_clients:
                    equip(self.meta.events)
                    _checked_clients.add(self)
        return await make_api_call(self, *args, **kwargs)

    setattr(equipping_create_client, _EQUIPPING, True)
    session_class.create_client = equipping_create_client
    if not getattr(make_api_call, _EQUIPPING, False):
        setattr(equipping_make_api_call, _EQUIPPING, True)
        client_class._make_api_call = equipping_make_api_call


def patch_retry_waits(_: ModuleType) -> Undo:
    """Skip the retry waits of stubbed calls: the endpoints' sleeps and adaptive mode's token bucket."""
    endpoint_module = importlib.import_module("aiobotocore.endpoint")
    undos = [
        patch_method(endpoint_class, "_sleep", _instant_sleep)
        for endpoint_class in list(vars(endpoint_module).values())
        if isinstance(endpoint_class, type) and "_sleep" in endpoint_class.__dict__
    ]
    module_asyncio = getattr(endpoint_module, "asyncio", None)
    if module_asyncio is not None:
        undos.append(patch_attribute(endpoint_module, "asyncio", _EndpointAsyncio(module_asyncio)))
    try:
        bucket_module = importlib.import_module("aiobotocore.retries.bucket")
    except ImportError:  # an aiobotocore without adaptive mode
        pass
    else:
        undos.append(patch_method(bucket_module.AsyncTokenBucket, "acquire", _instant_acquire))

    def undo() -> None:
        for step in reversed(undos):
            step()

    return undo


def _instant_sleep(sleep: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    async def instant_sleep(endpoint: Any, seconds: float) -> None:
        stub = take_instant()
        if stub is None:
            await sleep(endpoint, seconds)
        else:
            stub.record_retry_delay(seconds)

    return instant_sleep


def _instant_acquire(acquire: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    async def instant_acquire(bucket: Any, *args: Any, **kwargs: Any) -> Any:
        if in_instant_call():
            return True
        return await acquire(bucket, *args, **kwargs)

    return instant_acquire


class _EndpointAsyncio:
    """asyncio as aiobotocore 2's endpoint module sees it while a stub runs."""

    def __init__(self, module: ModuleType) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)

    async def sleep(self, seconds: float, *args: Any) -> Any:
        stub = take_instant()
        if stub is None:
            return await self._module.sleep(seconds, *args)
        stub.record_retry_delay(seconds)
        return args[0] if args else None

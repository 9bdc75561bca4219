"""The aiobotocore adapter: instant retry waits for stubbed calls of aiobotocore clients.

aiobotocore's sessions carry the botocore adapter's handlers already (they copy
botocore's built-in table), and read its responses. What differs is how they
wait: aiobotocore 3 sleeps in its endpoints' ``_sleep`` method, aiobotocore 2
in ``asyncio.sleep`` called from its endpoint module, and adaptive mode in an
``AsyncTokenBucket``. While a stub runs, each skips the waits of stubbed calls.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import Any

from ._botocore import in_instant_call, take_instant
from ._undo import Undo, patch_attribute, patch_method


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

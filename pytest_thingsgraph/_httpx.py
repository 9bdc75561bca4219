"""The httpx adapter: callers that use ``httpx``, sync or async, reach the stub.

While a stub runs (or the pytest session's guard), the transports' ``handle_request`` and
``handle_async_request`` are patched, as pytest-httpx and respx patch them: a request to a
Things Graph endpoint (any host botocore's endpoint ruleset makes; see :mod:`._endpoints`) is
answered by the active stub, with its status, body and headers, and nothing is sent to the
network, whatever the client's proxies. With no stub active, the guard refuses it. Everything
else goes to the transport httpx would have used, and a test's own ``MockTransport`` is left alone.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import Any

import httpx

from ._endpoints import things_graph_region, unreachable_reason
from ._protocol import wire_request
from ._registry import ActiveStub, active, refuse_unstubbed
from ._undo import Undo, patch_method
from ._wire import WireRequest, WireResponse

CALL = "A Things Graph request of an httpx client"

SyncHandler = Callable[[Any, httpx.Request], httpx.Response]
AsyncHandler = Callable[[Any, httpx.Request], Awaitable[httpx.Response]]


def patch_transports(httpx_module: ModuleType) -> Undo:
    """Route this ``httpx`` module's Things Graph requests, sync and async, to the stub."""
    undos = [
        patch_method(httpx_module.HTTPTransport, "handle_request", _stubbing_handle_request),
        patch_method(httpx_module.AsyncHTTPTransport, "handle_async_request", _stubbing_handle_async_request),
    ]

    def undo() -> None:
        for step in reversed(undos):
            step()

    return undo


def _is_things_graph(request: httpx.Request) -> bool:
    return things_graph_region(request.url.host) is not None


def _response(request: httpx.Request, answer: WireResponse) -> httpx.Response:
    return httpx.Response(answer.status_code, headers=answer.headers, content=answer.body, request=request)


def _answer(stub: ActiveStub, request: httpx.Request, wire: WireRequest) -> WireResponse:
    """The stub's answer; for a host where Things Graph never ran, ``httpx.ConnectError`` as the network gives."""
    reason = unreachable_reason(str(request.url))
    if reason is not None:
        stub.record_unreachable(wire)
        raise httpx.ConnectError(reason, request=request)
    return stub.answer(wire)


@functools.cache  # one wrapper per original: each stub's start patches in the same function
def _stubbing_handle_request(original: SyncHandler) -> SyncHandler:
    @functools.wraps(original)
    def handle_request(transport: Any, request: httpx.Request) -> httpx.Response:
        if not _is_things_graph(request):
            return original(transport, request)
        stub = active()
        if stub is None:
            refuse_unstubbed(CALL, str(request.url))
            return original(transport, request)
        wire = wire_request(request.method, str(request.url), request.headers, request.read())
        return _response(request, _answer(stub, request, wire))

    return handle_request


@functools.cache
def _stubbing_handle_async_request(original: AsyncHandler) -> AsyncHandler:
    @functools.wraps(original)
    async def handle_async_request(transport: Any, request: httpx.Request) -> httpx.Response:
        if not _is_things_graph(request):
            return await original(transport, request)
        stub = active()
        if stub is None:
            refuse_unstubbed(CALL, str(request.url))
            return await original(transport, request)
        wire = wire_request(request.method, str(request.url), request.headers, await request.aread())
        return _response(request, _answer(stub, request, wire))

    return handle_async_request

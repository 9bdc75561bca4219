"""The only module that touches botocore's internals.

Four handlers join botocore's built-in handler table, so every session (and
every client it makes) carries them. With no stub active each returns ``None``
at once and botocore goes on as if they were not there. For ``instant_retries``,
``botocore.endpoint`` sees the time module through :class:`_EndpointTime`,
which skips only the retry sleeps of stubbed Things Graph calls.

aiobotocore's sessions take the same handler table; :func:`answer` gives its
clients an ``AioAWSResponse``, and :func:`wire_aiobotocore` makes its
endpoints' retry sleeps instant the same way.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from types import ModuleType
from typing import TYPE_CHECKING, Any

import botocore
import botocore.endpoint
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSPreparedRequest, AWSRequest, AWSResponse
from botocore.credentials import Credentials

from ._activation import active
from ._wire import CONTENT_TYPE, wire_request

if TYPE_CHECKING:
    from ._stub import ThingsGraphStub

SERVICE_EVENT = "iotthingsgraph"
FAKE_CREDENTIALS = Credentials("ASIATHINGSGRAPHSTUB0", "thingsgraph-stub-fake-secret", "thingsgraph-stub-fake-token")
_SIGN_WITH_FAKE = "pytest_thingsgraph_fake_credentials"


def register(handlers_module: ModuleType) -> None:
    """Add the stub's handlers to botocore's built-in table, once."""
    table: list[tuple[Any, ...]] = handlers_module.BUILTIN_HANDLERS
    for spec in (
        (f"choose-signer.{SERVICE_EVENT}", choose_signer),
        (f"before-sign.{SERVICE_EVENT}", sign_with_fake_credentials),
        (f"before-send.{SERVICE_EVENT}", answer),
        ("needs-retry", note_retry),
    ):
        if spec not in table:
            table.append(spec)
    if not isinstance(getattr(botocore.endpoint, "time", None), _EndpointTime):
        setattr(botocore.endpoint, "time", _EndpointTime())  # noqa: B010 - not a name botocore's stubs declare


def choose_signer(signature_version: Any, context: dict[str, Any], **_: Any) -> Any:
    """With ``fake_credentials``, keep botocore from signing with its own credentials."""
    stub = active()
    if stub is None or not stub.options.fake_credentials or signature_version != "v4":
        return None
    context[_SIGN_WITH_FAKE] = True
    return botocore.UNSIGNED


def sign_with_fake_credentials(request: AWSRequest, signing_name: str, region_name: str, **_: Any) -> None:
    """Sign as botocore would, with fake credentials (SigV4, same name and region)."""
    if not request.context.pop(_SIGN_WITH_FAKE, False):
        return
    region = request.context.get("signing", {}).get("region") or region_name
    SigV4Auth(FAKE_CREDENTIALS, signing_name, region).add_auth(request)


def answer(request: AWSPreparedRequest, **_: Any) -> AWSResponse | None:
    """Answer a Things Graph request from the active stub instead of the network."""
    stub = active()
    if stub is None:
        return None
    wire = wire_request(request.method, request.url, request.headers, request.body)
    response = stub.answer(wire)
    response_headers = {
        "x-amzn-RequestId": response.request_id,
        "Content-Type": CONTENT_TYPE,
        "Content-Length": str(len(response.body)),
    }
    if _called_by_aiobotocore():
        from aiobotocore.awsrequest import AioAWSResponse

        aio_response: AWSResponse = AioAWSResponse(
            request.url, response.status_code, response_headers, _AsyncBody(response.body)
        )
        return aio_response
    return AWSResponse(request.url, response.status_code, response_headers, _Body(response.body))  # type: ignore[arg-type]


def _called_by_aiobotocore() -> bool:
    """Whether the event emitter that called the handler is aiobotocore's (it awaits the body)."""
    frame = sys._getframe(2)  # 0: this function, 1: answer, 2: the emitter that called it
    return str(frame.f_globals.get("__name__", "")).startswith("aiobotocore")


_retrying: ContextVar[ThingsGraphStub | None] = ContextVar("pytest_thingsgraph_retrying", default=None)


def note_retry(event_name: str, **_: Any) -> None:
    """On every service's needs-retry event: whether the sleep that may follow is a stubbed call's.

    A context variable, so each thread and each asyncio task keeps its own note.
    """
    stub = active()
    instant = stub is not None and stub.options.instant_retries and event_name.startswith("needs-retry.iotthingsgraph.")
    _retrying.set(stub if instant else None)


def _take_retrying() -> ThingsGraphStub | None:
    stub = _retrying.get()
    if stub is not None:
        _retrying.set(None)
    return stub


class _EndpointTime:
    """The time module as botocore.endpoint sees it: a stubbed call's retry delay is recorded, not slept."""

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)

    def sleep(self, seconds: float) -> None:
        stub = _take_retrying()
        if stub is None:
            time.sleep(seconds)
        else:
            stub._record_retry_delay(seconds)


def wire_aiobotocore(endpoint_module: ModuleType) -> None:
    """Make the retry sleeps of aiobotocore's endpoints instant for stubbed calls, once.

    aiobotocore 3 sleeps in the endpoints' ``_sleep`` method; aiobotocore 2 calls
    ``asyncio.sleep`` from the module, which then sees asyncio through :class:`_EndpointAsyncio`.
    """
    for endpoint_class in vars(endpoint_module).values():
        sleep = isinstance(endpoint_class, type) and endpoint_class.__dict__.get("_sleep")
        if sleep and not hasattr(sleep, "_pytest_thingsgraph_original"):
            endpoint_class._sleep = _instant_sleep(sleep)
    module_asyncio = getattr(endpoint_module, "asyncio", None)
    if module_asyncio is not None and not isinstance(module_asyncio, _EndpointAsyncio):
        setattr(endpoint_module, "asyncio", _EndpointAsyncio(module_asyncio))  # noqa: B010


class _EndpointAsyncio:
    """asyncio as aiobotocore 2's endpoint module sees it: a stubbed call's retry delay is recorded, not slept."""

    def __init__(self, module: ModuleType) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)

    async def sleep(self, seconds: float, *args: Any) -> Any:
        stub = _take_retrying()
        if stub is None:
            return await self._module.sleep(seconds, *args)
        stub._record_retry_delay(seconds)
        return args[0] if args else None


def _instant_sleep(sleep: Callable[[Any, float], Awaitable[None]]) -> Callable[[Any, float], Awaitable[None]]:
    async def instant_sleep(endpoint: Any, seconds: float) -> None:
        stub = _take_retrying()
        if stub is None:
            await sleep(endpoint, seconds)
        else:
            stub._record_retry_delay(seconds)

    instant_sleep._pytest_thingsgraph_original = sleep  # type: ignore[attr-defined]
    return instant_sleep


class _AsyncBody:
    """The raw stream aiobotocore reads a response body from."""

    __slots__ = ("_body",)

    def __init__(self, body: bytes) -> None:
        self._body = body

    async def read(self, *_: Any) -> bytes:
        return self._body


class _Body:
    """The raw stream botocore reads a response body from."""

    __slots__ = ("_body",)

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body

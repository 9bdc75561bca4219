"""The botocore adapter: the only module that touches botocore's internals.

The stub's handlers join botocore's built-in handler table once botocore is
imported, so every session (and every client it makes) carries them, as moto's
do. With no stub active they return ``None`` and botocore goes on as if they
were not there, except that the pytest session's guard refuses the call before
it is signed. While a stub runs, :func:`patch_retry_waits` makes the retry
waits of stubbed calls instant (the endpoint's sleep and adaptive mode's token
bucket); :func:`register_handlers` is what joins the handler table.

aiobotocore's sessions take the same handler table, and its clients read the
same responses: :class:`_Response` gives its body to botocore as bytes and to
aiobotocore as an awaitable.
"""

from __future__ import annotations

import functools
import inspect
import threading
import time
import weakref
from collections.abc import Callable, Generator
from contextvars import ContextVar
from types import ModuleType
from typing import Any

import botocore
import botocore.awsrequest
import botocore.client
import botocore.endpoint
import botocore.retries.bucket
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSPreparedRequest, AWSRequest, AWSResponse, HeadersDict
from botocore.credentials import Credentials
from botocore.exceptions import EndpointConnectionError

from . import _sigv4
from ._endpoints import unreachable_reason
from ._protocol import wire_request
from ._registry import ActiveStub, active, refuse_unstubbed
from ._service import SERVICE_NAME
from ._undo import Undo, patch_attribute, patch_method

FAKE_CREDENTIALS = Credentials(_sigv4.FAKE_ACCESS_KEY_ID, _sigv4.FAKE_SECRET_ACCESS_KEY, _sigv4.FAKE_SESSION_TOKEN)
_SIGN_WITH_FAKE = "pytest_thingsgraph_fake_credentials"
_EXPLICIT = (None, "explicit")  # the method of keys the code gave botocore itself
_STUBBED_EVENTS = (f"before-send.{SERVICE_NAME}.", f"needs-retry.{SERVICE_NAME}.")


def choose_signer(signature_version: Any, context: dict[str, Any], **_: Any) -> Any:
    """With ``fake_credentials``, keep botocore from signing: :func:`before_sign` signs instead."""
    stub = active()
    if stub is None or not stub.options.fake_credentials or signature_version != "v4":
        return None
    context[_SIGN_WITH_FAKE] = True
    return botocore.UNSIGNED


def before_sign(
    request: AWSRequest,
    signing_name: str,
    region_name: str,
    operation_name: str,
    request_signer: Any = None,
    **_: Any,
) -> None:
    """Refuse a call made while no stub is active (when guarded); sign with fake credentials if chosen."""
    if request.context.pop(_SIGN_WITH_FAKE, False):
        region = request.context.get("signing", {}).get("region") or region_name
        SigV4Auth(signing_credentials(request_signer), signing_name, region).add_auth(request)
    elif active() is None and not request.context.get("is_presign_request"):
        refuse_unstubbed(f"A Things Graph {operation_name} call of a botocore client", request.url or "")


def signing_credentials(request_signer: Any) -> Credentials:
    """The keys a stubbed call signs with: the fake ones, unless the code gave the client keys itself.

    Fake credentials stand in for what the machine's credential chain would give. Keys passed
    to the client or its session (``aws_access_key_id=...``, even empty ones) sign as given, so
    the signature checks judge them as AWS would: botocore gives every credential the chain
    resolves a ``method`` (``env``, ``shared-credentials-file``, ...), and explicit keys none
    (older botocore) or ``explicit``.
    """
    credentials = getattr(request_signer, "_credentials", None)
    if credentials is None or getattr(credentials, "method", "") not in _EXPLICIT:
        return FAKE_CREDENTIALS
    return Credentials(credentials.access_key, credentials.secret_key, credentials.token)


class UnreachableEndpointError(EndpointConnectionError):
    """A Things Graph host where the service never ran: what botocore raises when no connection can be made."""

    fmt = 'Could not connect to the endpoint URL: "{endpoint_url}": {error}'


def answer(request: AWSPreparedRequest, **_: Any) -> AWSResponse | None:
    """Answer a Things Graph request from the active stub instead of the network.

    A host where the service never ran fails as the network would: botocore's endpoint takes the
    exception raised here as a connection error, so the client's retries run (instantly).
    """
    stub = active()
    if stub is None:
        return None
    wire = wire_request(request.method, request.url, _request_headers(request.headers), request.body)
    reason = unreachable_reason(request.url)
    if reason is not None:
        stub.record_unreachable(wire)
        raise UnreachableEndpointError(endpoint_url=request.url, error=reason)
    response = stub.answer(wire)
    return _Response(request.url, response.status_code, response.headers, response.body)


class _LowerCaseHeaders(dict[str, Any]):
    """A request's headers by lower-case name: ``wire_request`` reads them as they are (a plain dict it would lower)."""

    __slots__ = ()


def _request_headers(headers: Any) -> Any:
    """botocore's ``HeadersDict`` read at once from its own keys (each ``get`` makes a key object), else ``headers``."""
    try:
        return _LowerCaseHeaders({key._lower: value for key, value in headers._dict.items()})
    except AttributeError:  # not a HeadersDict as botocore has made them since 1.11
        return headers


#: The stub whose call is on its way in this thread or task, while its retry waits are instant.
_instant: ContextVar[ActiveStub | None] = ContextVar("pytest_thingsgraph_instant", default=None)


def note_instant(event_name: str, **_: Any) -> None:
    """On every service's before-send and needs-retry: whether the waits that may follow are a stubbed call's."""
    stub = active()
    stubbed = stub is not None and stub.options.instant_retries and event_name.startswith(_STUBBED_EVENTS)
    _instant.set(stub if stubbed else None)


def take_instant() -> ActiveStub | None:
    """The stub whose retry sleep comes now (once), or ``None`` to sleep for real."""
    stub = _instant.get()
    if stub is not None:
        _instant.set(None)
    return stub


def in_instant_call() -> bool:
    """Whether the call on its way is a stubbed one whose waits are instant."""
    return _instant.get() is not None


_EQUIPPED = "pytest-thingsgraph-equipped"


def equipped(**_: Any) -> bool:
    """Answers :data:`_EQUIPPED` on a session that carries the stub's handlers."""
    return True


HANDLERS = (
    (f"choose-signer.{SERVICE_NAME}", choose_signer),
    (f"before-sign.{SERVICE_NAME}", before_sign),
    (f"before-send.{SERVICE_NAME}", answer),
    ("before-send", note_instant),
    ("needs-retry", note_instant),
    (_EQUIPPED, equipped),
)


def register_handlers(handlers_module: ModuleType) -> None:
    """Add the stub's handlers to botocore's built-in table, once."""
    table: list[tuple[Any, ...]] = handlers_module.BUILTIN_HANDLERS
    for spec in HANDLERS:
        if spec not in table:
            table.append(spec)


def equip(events: Any) -> None:
    """Give an event emitter (a session's or a client's) the stub's handlers if it was made without them."""
    if _at_once(events.emit_until_response(_EQUIPPED))[1] is None:
        for event_name, handler in HANDLERS:
            events.register(event_name, handler)


def _at_once(answer: Any) -> Any:
    """An emitter's answer; aiobotocore's is a coroutine, done at its first step (:func:`equipped` never waits)."""
    if not inspect.iscoroutine(answer):
        return answer
    try:
        answer.send(None)
    except StopIteration as done:
        return done.value
    answer.close()
    raise RuntimeError(f"{_EQUIPPED} waited")  # pragma: no cover - only a plain function answers it


#: The clients already checked by :func:`equip_sessions`'s ``_make_api_call`` (weakly: clients come and go).
_checked_clients: weakref.WeakSet[Any] = weakref.WeakSet()
_equip_lock = threading.Lock()


def equip_sessions(session_module: ModuleType) -> None:
    """Every botocore session and client, whenever it was made, carries the stub's handlers before it calls.

    A session copies botocore's handler table when it is made, and a client its session's: one made
    before this package was imported (boto3's default session, cached by a ``-p`` plugin or an app
    module that made a client at import) would otherwise send its calls to the network. A session
    equips itself before it makes a client, a client before its first call.
    """
    session_class = session_module.Session
    create_client = session_class.create_client
    if getattr(create_client, _EQUIPPED, False):
        return

    @functools.wraps(create_client)
    def equipping_create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        equip(self.get_component("event_emitter"))
        return create_client(self, *args, **kwargs)

    client_class: Any = botocore.client.BaseClient  # _make_api_call is not in its stubs
    make_api_call = client_class._make_api_call

    @functools.wraps(make_api_call)
    def equipping_make_api_call(self: Any, *args: Any, **kwargs: Any) -> Any:
        if self not in _checked_clients:
            with _equip_lock:  # two threads' first calls of one client equip it once
                if self not in _checked_clients:
                    equip(self.meta.events)
                    _checked_clients.add(self)
        return make_api_call(self, *args, **kwargs)

    setattr(equipping_create_client, _EQUIPPED, True)
    session_class.create_client = equipping_create_client
    if not getattr(make_api_call, _EQUIPPED, False):
        setattr(equipping_make_api_call, _EQUIPPED, True)
        client_class._make_api_call = equipping_make_api_call


def patch_retry_waits(_: ModuleType) -> Undo:
    """Make the retry waits of stubbed calls instant: the endpoint's sleep and adaptive mode's rate limiter.

    ``botocore.endpoint`` sees time through :class:`_EndpointTime`, and the rate limiter's
    token bucket lets a stubbed call through at once, so its clock never sees it.
    """
    undo_sleep = patch_attribute(botocore.endpoint, "time", _ENDPOINT_TIME)
    undo_bucket = patch_method(botocore.retries.bucket.TokenBucket, "acquire", _instant_acquire)

    def undo() -> None:
        undo_bucket()
        undo_sleep()

    return undo


class _EndpointTime:
    """The time module as botocore.endpoint sees it while a stub runs."""

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)

    def sleep(self, seconds: float) -> None:
        stub = take_instant()
        if stub is None:
            time.sleep(seconds)
        else:
            stub.record_retry_delay(seconds)


_ENDPOINT_TIME = _EndpointTime()


@functools.cache  # one wrapper per original: each stub's start patches in the same function
def _instant_acquire(original: Callable[..., Any]) -> Callable[..., Any]:
    def acquire(self: Any, *args: Any, **kwargs: Any) -> Any:
        if in_instant_call():
            return True
        return original(self, *args, **kwargs)

    return acquire


class _Content(bytes):
    """A response body: bytes to botocore, and an awaitable of them to aiobotocore."""

    def __await__(self) -> Generator[Any, None, bytes]:
        return bytes(self)
        yield  # a generator: awaiting it returns at once


def _fast_responses() -> Callable[[str], Any] | None:
    """botocore's header key of a name, made once per name, if a response can be made without ``AWSResponse.__init__``.

    That is, if its ``__init__`` sets only ``url``, ``status_code``, ``headers`` (a ``HeadersDict`` keyed by
    ``_HeaderKey``), ``raw`` and ``_content``, as every botocore since 1.11 does; else ``None``.
    """
    make = getattr(botocore.awsrequest, "_HeaderKey", None)
    probe = AWSResponse("https://probe/", 200, {"X-Probe": "1"}, None)  # type: ignore[arg-type]
    if (
        make is None
        or set(vars(probe)) != {"url", "status_code", "headers", "raw", "_content"}
        or type(probe.headers) is not HeadersDict
        or getattr(probe.headers, "_dict", None) != {make("x-probe"): "1"}
    ):
        return None
    return functools.cache(make)


_header_key = _fast_responses()


class _Response(AWSResponse):
    """An HTTP response with its body in hand, for botocore and aiobotocore clients alike."""

    def __init__(self, url: str, status_code: int, headers: dict[str, str], body: bytes) -> None:
        if _header_key is None:
            super().__init__(url, status_code, headers, None)  # type: ignore[arg-type]
        else:  # what AWSResponse.__init__ sets, with each header's key made once (it makes one per header and call)
            made = HeadersDict.__new__(HeadersDict)
            made._dict = {_header_key(name): value for name, value in headers.items()}  # type: ignore[attr-defined]
            self.url, self.status_code, self.headers, self.raw, self._content = url, status_code, made, None, None
        self._body = _Content(body)

    @property
    def content(self) -> bytes:
        return self._body

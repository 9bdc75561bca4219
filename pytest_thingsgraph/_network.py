"""The fail-closed layer: no Things Graph request leaves the process, whatever client sends it.

The adapters answer the clients they know (botocore, aiobotocore, requests, httpx) before any
socket is touched. Every other client (urllib3, urllib.request, http.client, a raw socket, a
library the plugin has never heard of) reaches the network through :mod:`socket`, and while a
stub runs or the pytest session's guard holds, this module refuses it there, before anything
about the call leaves the process:

- a name lookup (``socket.getaddrinfo``, ``gethostbyname``, ``gethostbyname_ex``) of a Things
  Graph host of any form and partition (:func:`._endpoints.things_graph_region`);
- a ``connect`` or ``connect_ex`` to such a host given by name (the socket would resolve it itself);
- a request line sent in plain text (``send``, ``sendall``, ``sendmsg``) that names such a host: a
  proxy's ``CONNECT host:port`` (a client behind ``HTTPS_PROXY`` looks up only the proxy: the host
  travels in that line alone) or an absolute-form ``POST http://host/`` to an HTTP proxy.

Each refusal is a :class:`StubError` that names the host and the clients the stub answers; with
the guard off and no stub, nothing is refused. The cost is one quick test per lookup, connect
or send: only a host that holds the service's name is matched against the endpoint rules.
"""

from __future__ import annotations

import collections
import functools
import re
from collections.abc import Callable
from types import ModuleType
from typing import Any

from ._endpoints import things_graph_region
from ._errors import StubError
from ._registry import active, guarded
from ._service import SERVICE_NAME
from ._undo import Undo, patch_attribute

_LOOKUPS = ("getaddrinfo", "gethostbyname", "gethostbyname_ex")
_CONNECTS = ("connect", "connect_ex")
_SENDS = ("send", "sendall")

#: A request line that names a host (RFC 9112, 3.2): CONNECT's authority-form, or any method's absolute-form.
_REQUEST_LINE = re.compile(
    rb"CONNECT ([^\s/:]{1,255})|[A-Z]{1,20} https?://(?:[^\s/?#@]{0,255}@)?([^\s/:?#]{1,255})", re.IGNORECASE
)


def refusal(what: str, host: str, *, stub_active: bool) -> str:
    """The message of a refused lookup, connection or request line (``what`` names it, ``host`` its host)."""
    message = (
        f"{what} the Things Graph host {host} was refused: no Things Graph request leaves the process. "
        "The stub answers boto3/botocore, aiobotocore, requests and httpx clients: make this call with one of "
        "them, or, for any other client (another HTTP library, a subprocess, another language), use server mode: "
        "the thingsgraph_server fixture (or ThingsGraphServer) serves the stub on 127.0.0.1, and its "
        "endpoint_url and environ point the client at it."
    )
    if stub_active:
        return message
    return message + (
        " No Things Graph stub is active either: request the thingsgraph_stub fixture in this test (or wrap the "
        "code in mock_thingsgraph()); to let calls made while none is active through, set the ini key "
        "thingsgraph_block_unstubbed = false."
    )


def patch_socket(socket_module: ModuleType) -> Undo:
    """Refuse, in this ``socket`` module, every lookup, connection and request line of a Things Graph host."""
    socket_class = socket_module.socket
    undos = [patch_attribute(socket_module, name, _refusing_lookup(getattr(socket_module, name))) for name in _LOOKUPS]
    undos += [_patch_class(socket_class, name, _refusing_connect(getattr(socket_class, name))) for name in _CONNECTS]
    undos += [_patch_class(socket_class, name, _refusing_send(getattr(socket_class, name))) for name in _SENDS]
    if hasattr(socket_class, "sendmsg"):  # not on Windows
        undos.append(_patch_class(socket_class, "sendmsg", _refusing_sendmsg(socket_class.sendmsg)))

    def undo() -> None:
        for step in reversed(undos):
            step()

    return undo


def _patch_class(owner: type, name: str, value: object) -> Undo:
    """Set ``owner.name`` (``socket.socket`` inherits its methods from ``_socket.socket``); undo puts back what was."""
    original = owner.__dict__.get(name, _NOTHING)
    setattr(owner, name, value)

    def undo() -> None:
        if original is _NOTHING:
            delattr(owner, name)
        else:
            setattr(owner, name, original)

    return undo


_NOTHING = object()


def _things_graph_host(host: object) -> str | None:
    """``host`` as text when it names a Things Graph endpoint, else ``None``; most hosts lack the service's name."""
    if type(host) is str:
        text = host
    elif isinstance(host, (bytes, bytearray)):
        text = bytes(host).decode("ascii", "replace")
    else:  # None (a passive lookup), an int...
        return None
    if SERVICE_NAME not in text.lower() or things_graph_region(text) is None:
        return None
    return text


def _refuse(what: str, host: str) -> None:
    """Raise the refusal while a stub runs or the guard holds; with neither, let the call go on."""
    stub_active = active() is not None
    if stub_active or guarded():
        raise StubError(refusal(what, host, stub_active=stub_active))


# One wrapper per original: each holder's patch puts the same function in, and it keeps the original's name.


@functools.cache
def _refusing_lookup(lookup: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(lookup)
    def refusing_lookup(*args: Any, **kwargs: Any) -> Any:
        host = _things_graph_host(args[0] if args else kwargs.get("host"))
        if host is not None:
            _refuse("A name lookup of", host)
        return lookup(*args, **kwargs)

    return refusing_lookup


@functools.cache
def _refusing_connect(connect: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(connect)
    def refusing_connect(self: Any, address: Any, /) -> Any:
        if type(address) is tuple and address:
            host = _things_graph_host(address[0])
            if host is not None:
                _refuse("A connection to", host)
        return connect(self, address)

    return refusing_connect


@functools.cache
def _refusing_send(send: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(send)
    def refusing_send(self: Any, data: Any, /, *args: Any) -> Any:
        try:
            line = _REQUEST_LINE.match(data)
        except (TypeError, ValueError, BufferError):  # no bytes: the original says why
            line = None
        if line is not None:
            _refuse_request_line(line)
        return send(self, data, *args)

    return refusing_send


@functools.cache
def _refusing_sendmsg(sendmsg: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(sendmsg)
    def refusing_sendmsg(self: Any, buffers: Any, /, *args: Any) -> Any:
        # asyncio's transports send their queued buffers so; only a list, tuple or deque can be read twice
        if type(buffers) in _SEQUENCES and buffers:
            try:
                line = _REQUEST_LINE.match(buffers[0])
            except (TypeError, ValueError, BufferError):
                line = None
            if line is not None:
                _refuse_request_line(line)
        return sendmsg(self, buffers, *args)

    return refusing_sendmsg


_SEQUENCES = (list, tuple, collections.deque)


def _refuse_request_line(line: re.Match[bytes]) -> None:
    host = _things_graph_host(line[1] or line[2])
    if host is not None:
        _refuse("A proxy CONNECT to" if line[1] else "A request through a proxy to", host)

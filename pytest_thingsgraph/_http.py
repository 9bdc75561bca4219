"""Server mode's HTTP plumbing: the listening server, the request handler, bodies and their limits.

:class:`ThreadedHTTPServer` is the standard library's ``ThreadingHTTPServer`` (HTTP/1.1 keep-alive, one
daemon thread per connection) that keeps track of its connections so they can be closed and joined.
:class:`Handler` reads each request's body (``Content-Length`` or chunked, within the server's limit,
``Expect: 100-continue`` refused early when too large, ``Content-Length`` headers that disagree refused),
hands requests at ``/`` to the stub, exactly as an in-process client's are, and those under
:data:`CONTROL_PREFIX` to the server's control routes; every answer goes out in one write. A header
block the stream ends in (the client half-closed, or the server stopped, part-way) is no request.
"""

from __future__ import annotations

import http.server
import io
import json
import logging
import socket
import socketserver
import threading
from collections.abc import Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from ._errors import StubError
from ._protocol import wire_request  # the one import of the wire protocol

if TYPE_CHECKING:
    from ._stub import ThingsGraphStub

logger = logging.getLogger("pytest_thingsgraph.server")

#: The control API's prefix; every other path is the service.
CONTROL_PREFIX = "/_thingsgraph/"


class ControlAnswer(NamedTuple):
    """A control route's answer: status, JSON document, and the ``Allow`` header of a 405."""

    status: int
    document: Mapping[str, Any]
    allow: str | None = None


class Owner(Protocol):
    """What the plumbing asks of the server it serves (``ThingsGraphServer``)."""

    @property
    def stub(self) -> ThingsGraphStub: ...

    @property
    def host(self) -> str: ...

    @property
    def timeout(self) -> float: ...

    @property
    def max_body_bytes(self) -> int: ...

    def _control(self, method: str, path: str, raw_path: str, body: bytes) -> ControlAnswer: ...


class ThreadedHTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # the server joins its connections' threads itself, with a bound
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], owner: Owner) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.owner = owner
        self.connections: dict[socket.socket, threading.Thread | None] = {}
        self.connections_lock = threading.Lock()
        super().__init__(address, Handler)

    def server_bind(self) -> None:
        # No SO_REUSEADDR games beyond the stdlib's; skip HTTPServer's getfqdn() (a DNS look-up per start).
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = self.socket.accept()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.connections_lock:
            self.connections[connection] = None
        return connection, address

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            if request in self.connections:
                self.connections[request] = threading.current_thread()
        super().process_request_thread(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.pop(request, None)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a connection's failure is the client's business; the server keeps serving
        logger.debug("thingsgraph server: connection from %s failed", client_address, exc_info=True)


class _BodyTooLarge(Exception):
    pass


class _BadBody(Exception):
    pass


class _HeaderReader(io.BufferedIOBase):
    """The connection's reader while the stdlib reads a request's header block: notes whether the stream
    ended before the blank line that ends the block (a client still writing when the server stops, or one
    that half-closed part-way), which the stdlib would take for the end of the headers."""

    def __init__(self, rfile: io.BufferedIOBase) -> None:
        super().__init__()
        self._rfile = rfile
        self.cut_short = False

    def readline(self, size: int | None = -1, /) -> bytes:
        line = self._rfile.readline(size)
        limit = -1 if size is None else size
        if not line.endswith(b"\n") and not 0 <= limit <= len(line):  # ended by the stream, not a line end or limit
            self.cut_short = True
        return line


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pytest-thingsgraph"
    sys_version = ""
    server: ThreadedHTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.owner.timeout)  # a silent client is disconnected

    def parse_request(self) -> bool:
        """The stdlib's parse, except that a header block cut short is no request: nothing is answered."""
        rfile = self.rfile
        self._header_reader = reader = _HeaderReader(rfile)
        self.rfile = reader
        try:
            parsed = super().parse_request()
        finally:
            self.rfile = rfile
        if reader.cut_short:
            self.close_connection = True
            logger.debug("thingsgraph server: %s closed part-way through a request's headers", self.client_address)
            return False
        return parsed

    def handle(self) -> None:
        # A TLS client (https:// in an endpoint URL) sends a handshake with no line end, which would
        # keep the request-line read waiting for the timeout: close such a connection at once.
        try:
            first = self.connection.recv(1, socket.MSG_PEEK)
        except OSError:
            return
        if first == b"\x16":
            logger.debug("thingsgraph server: closed a TLS handshake from %s: use http://", self.client_address)
            return
        super().handle()

    # every method reaches one dispatcher: the service answers non-POST methods itself
    def do_POST(self) -> None:
        self._dispatch()

    do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_POST

    def _dispatch(self) -> None:
        path = self.path.split("?", 1)[0]
        try:
            body = self._read_body()
        except _BodyTooLarge as error:
            self.close_connection = True
            self._send_json(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"__type": "RequestEntityTooLarge", "message": str(error)}
            )
            return
        except _BadBody as error:
            self._send_bad_request(error)
            return
        if path == CONTROL_PREFIX.rstrip("/") or path.startswith(CONTROL_PREFIX):
            status, document, allow = self.server.owner._control(self.command, path, self.path, body)
            self._send_json(status, document, allow=allow)
            return
        self._answer_service(body)

    def _answer_service(self, body: bytes) -> None:
        owner = self.server.owner
        url = f"http://{self.headers.get('Host') or owner.host}{self.path}"
        try:
            response = owner.stub.answer(wire_request(self.command, url, self.headers, body))
        except StubError as error:  # already in the stub's report
            # a 4xx whose code no SDK takes for a retryable, throttling or clock-skew error: every SDK
            # retries a 5xx (the JavaScript SDK v2 made 4 attempts at a 501), none retries this
            self._send_json(HTTPStatus.BAD_REQUEST, {"__type": "StubError", "message": str(error)})
            return
        self._write(response.status_code, response.headers, response.body)  # as in-process clients get

    def _read_body(self) -> bytes:
        limit = self.server.owner.max_body_bytes
        encoding = self.headers.get("Transfer-Encoding")
        length_text = self._content_length()
        if encoding is not None:
            if length_text is not None:
                raise _BadBody("The request has both Transfer-Encoding and Content-Length: send one of them.")
            if encoding.strip().lower() != "chunked":
                raise _BadBody(f"Transfer-Encoding {encoding!r} is not supported: send chunked, or a Content-Length.")
            return self._read_chunked(limit)
        if length_text is None:
            return b""
        if not length_text.strip().isdigit():
            raise _BadBody(f"Content-Length {length_text!r} is not a number of bytes.")
        length = int(length_text)
        if length > limit:
            raise _BodyTooLarge(_too_large(f"of {length} bytes", limit))
        body = self.rfile.read(length)
        if len(body) < length:
            raise _BadBody(f"The body ended after {len(body)} of the {length} bytes its Content-Length states.")
        return body

    def _content_length(self) -> str | None:
        """The request's one ``Content-Length``; repeated identical headers are one (RFC 9110, section 8.6:
        a header duplicated on its way), headers that disagree are refused (RFC 9112, section 6.3)."""
        fields = self.headers.get_all("Content-Length")
        if not fields:
            return None
        if len({field.strip() for field in fields}) > 1:
            raise _BadBody(
                f"The request has Content-Length headers that disagree ({', '.join(map(repr, fields))}): "
                "send one Content-Length."
            )
        return fields[0]

    def _read_chunked(self, limit: int) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1026)
            size_text = line.split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise _BadBody(f"Chunk size {size_text[:20]!r} is not hexadecimal.") from None
            if size < 0:
                raise _BadBody("A chunk size is negative.")
            if size == 0:
                break
            total += size
            if total > limit:
                raise _BodyTooLarge(_too_large("of more than that", limit))
            chunk = self.rfile.read(size)
            if len(chunk) < size or self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise _BadBody("A chunk ended early or without its CRLF.")
            chunks.append(chunk)
        for _ in range(101):  # up to 100 trailer fields, then the blank line
            if self.rfile.readline(65537) in (b"\r\n", b"\n", b""):
                return b"".join(chunks)
        raise _BadBody("The chunked body has more than 100 trailer lines.")

    def handle_expect_100(self) -> bool:
        """Refuse a header block cut short, disagreeing lengths and an oversized body before the client sends it."""
        if self._header_reader.cut_short:
            return False  # parse_request closes the connection
        try:
            length_text = self._content_length() or ""
        except _BadBody as error:
            self._send_bad_request(error)
            return False
        limit = self.server.owner.max_body_bytes
        if length_text.strip().isdigit() and int(length_text) > limit:
            self.close_connection = True
            message = _too_large(f"of {int(length_text)} bytes", limit)
            self._send_json(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"__type": "RequestEntityTooLarge", "message": message}
            )
            return False
        return super().handle_expect_100()

    def _send_bad_request(self, error: _BadBody) -> None:
        self.close_connection = True
        self._send_json(HTTPStatus.BAD_REQUEST, {"__type": "BadRequest", "message": str(error)})

    def _send_json(self, status: int, document: Mapping[str, Any], *, allow: str | None = None) -> None:
        body = json.dumps(document, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
        if allow is not None:
            headers["Allow"] = allow
        self._write(int(status), headers, body)

    def _write(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        """Status line, headers and body in ONE write: nothing waits for a delayed ACK."""
        phrase = _PHRASES.get(status, "")
        lines = [f"HTTP/1.1 {status} {phrase}"]
        lines.extend(f"{name}: {value}" for name, value in headers.items())
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.log_request(status, len(body))
        self.wfile.write(head if self.command == "HEAD" else head + body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The stdlib's answer to a request it cannot parse, as a JSON error in one write."""
        self.close_connection = True
        text = message or _PHRASES.get(code, "error")
        if explain:
            text = f"{text}: {explain}"
        self._send_json(code, {"__type": "BadRequest" if code < 500 else "ServerError", "message": text})

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # the request line and status only: never headers (credentials, signatures) or bodies
        if logger.isEnabledFor(logging.INFO):
            path = getattr(self, "path", "")
            logger.info("%s %s -> %s", self.command, path.split("?", 1)[0], code)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("thingsgraph server: " + format, *args)


_PHRASES = {status.value: status.phrase for status in HTTPStatus}


def _too_large(what: str, limit: int) -> str:
    return (
        f"The request body {what} is larger than the server's limit of {limit} bytes: send a smaller body, "
        "or start the server with a larger max_body_bytes (--max-body-bytes)."
    )


__all__ = ["CONTROL_PREFIX", "ControlAnswer", "Handler", "Owner", "ThreadedHTTPServer", "logger"]

"""Server mode: one stub served over real HTTP, for subprocesses, the AWS CLI and other languages' SDKs.

:class:`ThingsGraphServer` runs the standard library's ``ThreadingHTTPServer``
(HTTP/1.1 keep-alive, one daemon thread per connection) in a thread of its own.
Requests at ``/`` are handed to :meth:`ThingsGraphStub.answer`, exactly as an
in-process client's are; requests under ``/_thingsgraph/`` are the control API,
which scripts the stub with the JSON form of :func:`apply_script` and reads its
calls and teardown report.

Neither the plugin's load nor the in-process path imports this module.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import json
import logging
import selectors
import socket
import socketserver
import threading
import warnings
from collections.abc import Iterator, Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ._endpoints import is_loopback_host
from ._errors import ServiceError, StubError, UsageError
from ._options import StubOptions
from ._protocol import describe_json, json_type, wire_request  # the one import of the wire protocol
from ._stub import Call, ThingsGraphStub

logger = logging.getLogger("pytest_thingsgraph.server")

#: The control API's prefix; every other path is the service.
CONTROL_PREFIX = "/_thingsgraph/"
#: Bodies larger than this are refused with 413 before they are read. A 1,048,576-character
#: definition text, JSON-escaped at 6 bytes a character, still fits.
DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024
#: Seconds a connection may stay silent (idle between requests, or part-way through one) before it is closed.
DEFAULT_TIMEOUT = 10.0
#: The fake credentials a child process signs with (never a machine's own).
FAKE_ACCESS_KEY_ID = "ASIATHINGSGRAPHSTUB0"
FAKE_SECRET_ACCESS_KEY = "thingsgraph-stub-fake-secret"
FAKE_SESSION_TOKEN = "thingsgraph-stub-fake-token"

_UPLOAD_KEYS = {
    "uploadId": "upload_id",
    "script": "script",
    "namespaceName": "namespace_name",
    "namespaceArn": "namespace_arn",
    "namespaceVersion": "namespace_version",
    "createdDate": "created_date",
    "failureReason": "failure_reason",
    "region": "region",
}
#: A queued UploadEntityDefinitions answer: no region (the upload lives in the call's), and the request expected.
_QUEUED_KEYS = {**{key: name for key, name in _UPLOAD_KEYS.items() if key != "region"}, "expected": "expected"}
_ERROR_KEYS = ("__type", "message", "statusCode")
_SCRIPT_FILE_KEYS = ("uploads", "uploadEntityDefinitions")


# --- the JSON form of scripts ----------------------------------------------------------------------


def apply_script(stub: ThingsGraphStub, document: object, *, where: str = "script") -> list[str | None]:
    """Script ``stub`` from a script file's JSON: ``{"uploads": [...], "uploadEntityDefinitions": [...]}``.

    Returns the upload IDs the queued UploadEntityDefinitions answers will create (``None`` for an error).
    Raises :class:`UsageError` naming the entry that is wrong; entries before it are already added.
    """
    if not isinstance(document, dict):
        raise UsageError(
            f"{where}: a script file is a JSON object such as "
            f'{{"uploads": [...], "uploadEntityDefinitions": [...]}}, not {json_type(document)}.'
        )
    unknown = [key for key in document if key not in _SCRIPT_FILE_KEYS]
    if unknown:
        raise UsageError(f"{where}: unknown key {unknown[0]!r}: a script file has {' and '.join(_SCRIPT_FILE_KEYS)}.")
    uploads, queued = document.get("uploads", []), document.get("uploadEntityDefinitions", [])
    for key, value in (("uploads", uploads), ("uploadEntityDefinitions", queued)):
        if not isinstance(value, list):
            raise UsageError(f"{where}: {key} is {json_type(value)}: give a JSON array of objects.")
    for index, upload in enumerate(uploads):
        add_upload_json(stub, upload, where=f"{where}: uploads[{index}]")
    return [
        queue_upload_entity_definitions_json(stub, entry, where=f"{where}: uploadEntityDefinitions[{index}]")
        for index, entry in enumerate(queued)
    ]


def add_upload_json(stub: ThingsGraphStub, upload: object, *, where: str = "upload") -> None:
    """``stub.add_upload`` from the JSON form ``{"uploadId": ..., "script": [...], "namespaceName": ..., ...}``."""
    keywords = _upload_keywords(upload, where=where, required=("uploadId", "script"), keys=_UPLOAD_KEYS)
    upload_id = keywords.pop("upload_id")
    script = keywords.pop("script")
    with _named(where):
        stub.add_upload(upload_id, script, **keywords)


def queue_upload_entity_definitions_json(stub: ThingsGraphStub, entry: object, *, where: str = "answer") -> str | None:
    """``stub.on_upload_entity_definitions`` from the JSON form.

    ``entry`` is an error ``{"__type": ..., "message": ..., "statusCode": ...}`` (the call is answered with
    it), or an upload in the form of :func:`add_upload_json` whose ``uploadId`` and ``script`` may be left
    out and which has no ``region`` (the upload lives in the region of the call).
    """
    if isinstance(entry, dict) and "__type" in entry:
        error = _service_error({key: value for key, value in entry.items() if key != "expected"}, where=where)
        with _named(where):
            stub.on_upload_entity_definitions(error, expected=entry.get("expected"))
        return None
    keywords = _upload_keywords(entry, where=where, required=(), keys=_QUEUED_KEYS)
    script = keywords.pop("script", None)
    created: str
    with _named(where):
        if script is None:
            created = stub.on_upload_entity_definitions(**keywords)
        else:
            created = stub.on_upload_entity_definitions(script, **keywords)
    return created


@contextlib.contextmanager
def _named(where: str) -> Iterator[None]:
    """Prefix the stub's own message (which names the call and its keywords) with where the JSON came from."""
    try:
        yield
    except UsageError as error:
        raise UsageError(f"{where}: {error}") from None


def _upload_keywords(
    upload: object, *, where: str, required: tuple[str, ...], keys: Mapping[str, str]
) -> dict[str, Any]:
    if not isinstance(upload, dict):
        raise UsageError(
            f"{where} is {json_type(upload)}: give a JSON object such as "
            '{"uploadId": "u-1", "script": ["SUCCEEDED"]}.'
        )
    for key in upload:
        if key not in keys:
            extra = " (the upload lives in the region of the call)" if key in _UPLOAD_KEYS else ""
            raise UsageError(f"{where}: unknown key {key!r}{extra}: use {', '.join(keys)}.")
    for key in required:
        if upload.get(key) is None:
            raise UsageError(f"{where}: {key} is missing: every upload needs {' and '.join(required)}.")
    keywords = {keys[key]: value for key, value in upload.items()}
    if "created_date" in keywords:
        keywords["created_date"] = parse_created_date(keywords["created_date"], where=f"{where}: createdDate")
    script = keywords.get("script")
    if script is not None:
        if not isinstance(script, list):
            raise UsageError(
                f'{where}: script is {json_type(script)}: give a JSON array such as ["IN_PROGRESS", "SUCCEEDED"].'
            )
        keywords["script"] = [
            _script_item(item, where=f"{where}: script item {index}") for index, item in enumerate(script)
        ]
    return keywords


def _script_item(item: object, *, where: str) -> object:
    """A status string stays; an error object becomes a ServiceError; a dict of members gets its date parsed."""
    if isinstance(item, dict):
        if "__type" in item:
            return _service_error(item, where=where)
        if item.get("createdDate") is not None:
            return {**item, "createdDate": parse_created_date(item["createdDate"], where=f"{where}: createdDate")}
    return item  # the stub validates the rest and names what is wrong


def _service_error(item: dict[str, Any], *, where: str) -> ServiceError:
    unknown = [key for key in item if key not in _ERROR_KEYS]
    if unknown:
        raise UsageError(f"{where}: unknown key {unknown[0]!r} in an error: use {', '.join(_ERROR_KEYS)}.")
    message = item.get("message", "")
    try:
        return ServiceError(item["__type"], "" if message is None else message, status_code=item.get("statusCode"))
    except UsageError as error:
        raise UsageError(f"{where}: {error}") from None


def parse_created_date(value: object, *, where: str = "createdDate") -> dt.datetime:
    """A ``createdDate`` of the JSON form: epoch seconds, or ISO 8601 text with a UTC offset (``Z`` allowed)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return dt.datetime.fromtimestamp(value, dt.timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise UsageError(f"{where}={value!r} is not a date: give epoch seconds from 1970 to 2199.") from None
    if isinstance(value, str):
        text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value  # Python 3.10 reads no "Z"
        try:
            date = dt.datetime.fromisoformat(text)
        except ValueError:
            date = None
        if date is None:
            raise UsageError(f"{where}={value!r} is not an ISO 8601 date: give one such as '2024-05-01T12:00:00Z'.")
        if date.tzinfo is None:
            raise UsageError(f"{where}={value!r} has no UTC offset: add one, such as 'Z' or '+02:00'.")
        return date
    raise UsageError(
        f"{where}={describe_json(value)} is {json_type(value)}: give epoch seconds or ISO 8601 text with an offset."
    )


def call_json(call: Call) -> dict[str, Any]:
    """One recorded call in the control API's form."""
    return {
        "operation": call.operation,
        "uploadId": call.upload_id,
        "region": call.region,
        "statusCode": call.status_code,
        "errorCode": call.error_code,
        "request": call.request,
        "response": dict(call.response),
        "requestId": call.request_id,
    }


# --- the wire -------------------------------------------------------------------------------------


def non_loopback_warning(host: str) -> str:
    """The warning given when the server listens beyond this machine."""
    return (
        f"thingsgraph server: listening on {host}, which is not a loopback address: anyone who can reach it "
        "can script the stub and read its calls through the control API, which has no authentication. "
        "Use --host 127.0.0.1 unless other machines (or containers) must reach it."
    )


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # the server joins its connections' threads itself, with a bound
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], owner: ThingsGraphServer) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.owner = owner
        self.connections: dict[socket.socket, threading.Thread | None] = {}
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

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


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pytest-thingsgraph"
    sys_version = ""
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.owner.timeout)  # a silent client is disconnected

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
            self.close_connection = True
            self._send_json(HTTPStatus.BAD_REQUEST, {"__type": "BadRequest", "message": str(error)})
            return
        if path == CONTROL_PREFIX.rstrip("/") or path.startswith(CONTROL_PREFIX):
            status, document = self.server.owner._control(self.command, path, self.path, body)
            self._send_json(status, document, allow=_allowed_methods(path) if status == 405 else None)
            return
        self._answer_service(body)

    def _answer_service(self, body: bytes) -> None:
        owner = self.server.owner
        url = f"http://{self.headers.get('Host') or owner.host}{self.path}"
        try:
            response = owner.stub.answer(wire_request(self.command, url, self.headers, body))
        except StubError as error:  # already in the stub's report; 501 is retried by no SDK
            self._send_json(HTTPStatus.NOT_IMPLEMENTED, {"__type": "StubError", "message": str(error)})
            return
        self._write(response.status_code, response.headers, response.body)  # as in-process clients get

    def _read_body(self) -> bytes:
        limit = self.server.owner.max_body_bytes
        encoding = self.headers.get("Transfer-Encoding")
        length_text = self.headers.get("Content-Length")
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
        """Refuse an oversized body before the client sends it."""
        length_text = self.headers.get("Content-Length", "")
        limit = self.server.owner.max_body_bytes
        if length_text.strip().isdigit() and int(length_text) > limit:
            self.close_connection = True
            message = _too_large(f"of {int(length_text)} bytes", limit)
            self._send_json(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"__type": "RequestEntityTooLarge", "message": message}
            )
            return False
        return super().handle_expect_100()

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


_CONTROL_ROUTES: dict[str, tuple[str, ...]] = {
    "/_thingsgraph/uploads": ("POST",),
    "/_thingsgraph/upload-entity-definitions": ("POST",),
    "/_thingsgraph/calls": ("GET",),
    "/_thingsgraph/report": ("GET",),
    "/_thingsgraph/reset": ("POST",),
}


def _allowed_methods(path: str) -> str:
    return ", ".join(_CONTROL_ROUTES.get(path.rstrip("/"), ()))


def _routes_text() -> str:
    return "; ".join(f"{' '.join(methods)} {path}" for path, methods in _CONTROL_ROUTES.items())


# --- the server -----------------------------------------------------------------------------------


class ThingsGraphServer:
    """A stub served over HTTP on ``host`` (loopback by default), the port chosen by the OS.

    Use :meth:`start` and :meth:`stop`, or ``with ThingsGraphServer(stub) as server:``. The
    ``thingsgraph_server`` fixture yields one serving the test's ``thingsgraph_stub``.
    """

    def __init__(
        self,
        stub: ThingsGraphStub | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        timeout: float = DEFAULT_TIMEOUT,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
            raise UsageError(f"ThingsGraphServer timeout={timeout!r} is not a number of seconds: pass one above 0.")
        if isinstance(max_body_bytes, bool) or not isinstance(max_body_bytes, int) or max_body_bytes < 1:
            raise UsageError(f"ThingsGraphServer max_body_bytes={max_body_bytes!r} is not a size: pass an int above 0.")
        self.stub = stub if stub is not None else ThingsGraphStub(StubOptions())
        self.host = host
        self.timeout = float(timeout)
        self.max_body_bytes = max_body_bytes
        self._port = port
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._wake: tuple[socket.socket, socket.socket] | None = None

    @property
    def port(self) -> int:
        """The port listened on (the OS's choice when 0 was asked); valid once started."""
        if self._httpd is None:
            raise UsageError("ThingsGraphServer.port: the server is not running: call start() first.")
        return self._httpd.server_port

    @property
    def endpoint_url(self) -> str:
        """``http://HOST:PORT``, the URL clients send Things Graph requests to."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def environ(self) -> dict[str, str]:
        """What a child process needs to be answered by this server: merge it into ``os.environ``.

        The endpoint (botocore's and the AWS SDKs' service-specific variable) and fake credentials
        (a session token too, so a real one in the parent's environment is never mixed in);
        the instance metadata service off. The region is left to the caller.
        """
        return {
            "AWS_ENDPOINT_URL_IOTTHINGSGRAPH": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": FAKE_ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": FAKE_SECRET_ACCESS_KEY,
            "AWS_SESSION_TOKEN": FAKE_SESSION_TOKEN,
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> ThingsGraphServer:
        """Listen and serve in a background thread; returns ``self``."""
        if self._thread is not None:
            raise UsageError("ThingsGraphServer.start(): the server is already running: stop() it first.")
        if not is_loopback_host(self.host):
            warnings.warn(non_loopback_warning(self.host), stacklevel=2)
        httpd = _HTTPServer((self.host, self._port), self)
        wake = socket.socketpair()
        self._httpd, self._wake = httpd, wake
        self._thread = threading.Thread(
            target=self._serve, args=(httpd, wake[0]), name=f"thingsgraph-server:{httpd.server_port}", daemon=True
        )
        self._thread.start()
        return self

    @staticmethod
    def _serve(httpd: _HTTPServer, wake: socket.socket) -> None:
        httpd.timeout = 0  # handle_request() below is called only once the socket is readable
        with selectors.DefaultSelector() as selector:
            selector.register(httpd.socket, selectors.EVENT_READ)
            selector.register(wake, selectors.EVENT_READ)
            while True:
                for key, _ in selector.select():
                    if key.fileobj is wake:
                        return
                    httpd.handle_request()

    def stop(self, *, join_timeout: float = 5.0) -> None:
        """Stop listening, close every open connection and join the threads. Idempotent."""
        thread, httpd, wake = self._thread, self._httpd, self._wake
        if thread is None or httpd is None or wake is None:
            return
        wake[1].send(b"x")
        thread.join(join_timeout)
        httpd.server_close()
        with httpd.connections_lock:
            connections = list(httpd.connections.items())
        for connection, _ in connections:
            with contextlib.suppress(OSError):  # already closed by its handler
                connection.shutdown(socket.SHUT_RDWR)  # wakes a handler waiting for the next request
        for _, handler_thread in connections:
            if handler_thread is not None:
                handler_thread.join(join_timeout)
        for end in wake:
            end.close()
        self._thread = self._httpd = self._wake = None
        if thread.is_alive():
            raise StubError(f"The Things Graph server's thread did not stop within {join_timeout} s.")

    def __enter__(self) -> ThingsGraphServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.endpoint_url if self._httpd is not None else "stopped"
        return f"<ThingsGraphServer {where}>"

    # --- the control API ---

    def _control(self, method: str, path: str, raw_path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        route = path.rstrip("/")
        methods = _CONTROL_ROUTES.get(route)
        if methods is None:
            return 404, {"message": f"No control API at {path}: use one of {_routes_text()}."}
        if method not in methods:
            return 405, {"message": f"{method} {route} is not allowed: use {' or '.join(methods)} {route}."}
        try:
            if route == "/_thingsgraph/calls":
                return 200, {"calls": [call_json(call) for call in self.stub.calls]}
            if route == "/_thingsgraph/report":
                check = _query_flag(raw_path, "checkConsumed", default=True)
                return 200, {"failures": self.stub.failures(check_consumed=check)}
            if route == "/_thingsgraph/reset":
                self.stub.reset()
                return 200, {}
            document = _control_json(body, route)
            if route == "/_thingsgraph/uploads":
                add_upload_json(self.stub, document, where=f"POST {route}")
                return 200, {"uploadId": document["uploadId"]}
            upload_id = queue_upload_entity_definitions_json(self.stub, document, where=f"POST {route}")
            return 200, {"uploadId": upload_id}
        except UsageError as error:
            return 400, {"message": str(error)}


def _control_json(body: bytes, route: str) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise UsageError(f"POST {route}: the body is not UTF-8 ({error.reason} at byte {error.start}).") from None
    except json.JSONDecodeError as error:
        raise UsageError(
            f"POST {route}: the body is not JSON: {error.msg} at line {error.lineno} column {error.colno}."
        ) from None
    except (ValueError, RecursionError):
        raise UsageError(f"POST {route}: the body is not JSON this server can read.") from None


def _query_flag(raw_path: str, name: str, *, default: bool) -> bool:
    values = parse_qs(urlsplit(raw_path).query).get(name)
    if not values:
        return default
    value = values[-1].lower()
    if value not in ("true", "false"):
        raise UsageError(f"Query parameter {name}={values[-1]!r} is not a boolean: pass true or false.")
    return value == "true"


def serving(stub: ThingsGraphStub, **keywords: Any) -> Iterator[ThingsGraphServer]:
    """The fixture's body: ``stub`` served for the duration of one test (the generator pytest drives)."""
    server = ThingsGraphServer(stub, **keywords).start()
    try:
        yield server
    finally:
        server.stop()


__all__ = [
    "ThingsGraphServer",
    "add_upload_json",
    "apply_script",
    "call_json",
    "parse_created_date",
    "queue_upload_entity_definitions_json",
]

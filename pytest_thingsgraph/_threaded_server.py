"""Server mode: one stub served over real HTTP, for subprocesses, the AWS CLI and other languages' SDKs.

:class:`ThingsGraphServer` runs the HTTP plumbing of ``_http`` in a thread of its own. Requests at
``/`` are handed to :meth:`ThingsGraphStub.answer`, exactly as an in-process client's are; requests
under ``/_thingsgraph/`` are the control API, whose routes are the table :data:`CONTROL_ROUTES`:
they script the stub with each operation's JSON form (``_operations.JSON_FORMS``) and read its calls
(:func:`call_json`) and teardown report.
The server's defaults live here, and the CLI (``server.py``) reads them.

Neither the plugin's load nor the in-process path imports this module; importing it loads no pydantic.
"""

from __future__ import annotations

import contextlib
import json
import selectors
import socket
import threading
import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

from ._endpoints import is_loopback_host
from ._errors import StubError, UsageError
from ._http import CONTROL_PREFIX, ControlAnswer, ThreadedHTTPServer
from ._operations import JSON_FORMS, JsonForm
from ._operations._uploads import TAKEN_BY_CONTROL
from ._options import StubOptions
from ._sigv4 import FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY, FAKE_SESSION_TOKEN

if TYPE_CHECKING:
    from ._call import Call
    from ._stub import ThingsGraphStub

#: The address listened on: the loopback, so nothing beyond this machine reaches the control API.
DEFAULT_HOST = "127.0.0.1"
#: The port listened on: 0 lets the OS pick a free one.
DEFAULT_PORT = 0
#: Bodies larger than this are refused with 413 before they are read. A 1,048,576-character
#: definition text, JSON-escaped at 6 bytes a character, still fits.
DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024
#: Seconds a connection may stay silent (idle between requests, or part-way through one) before it is closed.
DEFAULT_TIMEOUT = 10.0
#: The options of the stub a server makes when given none (and the CLI's defaults).
DEFAULT_STUB_OPTIONS = StubOptions()


def non_loopback_warning(host: str) -> str:
    """The warning given when the server listens beyond this machine."""
    return (
        f"thingsgraph server: listening on {host}, which is not a loopback address: anyone who can reach it "
        "can script the stub and read its calls through the control API, which has no authentication. "
        "Use --host 127.0.0.1 unless other machines (or containers) must reach it."
    )


class ThingsGraphServer:
    """A stub served over HTTP on ``host`` (loopback by default), the port chosen by the OS.

    Use :meth:`start` and :meth:`stop`, or ``with ThingsGraphServer(stub) as server:``. The
    ``thingsgraph_server`` fixture yields one serving the test's ``thingsgraph_stub``.
    """

    def __init__(
        self,
        stub: ThingsGraphStub | None = None,
        *,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        timeout: float = DEFAULT_TIMEOUT,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
            raise UsageError(f"ThingsGraphServer timeout={timeout!r} is not a number of seconds: pass one above 0.")
        if isinstance(max_body_bytes, bool) or not isinstance(max_body_bytes, int) or max_body_bytes < 1:
            raise UsageError(f"ThingsGraphServer max_body_bytes={max_body_bytes!r} is not a size: pass an int above 0.")
        if stub is None:
            from ._stub import ThingsGraphStub  # pydantic: loaded by the first server, not by importing this module

            stub = ThingsGraphStub(DEFAULT_STUB_OPTIONS)
        self.stub = stub
        self.host = host
        self.timeout = float(timeout)
        self.max_body_bytes = max_body_bytes
        self._port = port
        self._httpd: ThreadedHTTPServer | None = None
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

        The endpoint (botocore's and the AWS SDKs' service-specific variable, which beats the general
        ``AWS_ENDPOINT_URL`` and the config file's ``endpoint_url``, so those are left to the child's
        other services), with everything else that decides it set too: configured endpoints not
        ignored, FIPS and dual-stack off (the JavaScript SDK v3 refuses either with a custom endpoint);
        fake credentials (a session token too, so a real one in the parent's environment is never
        mixed in); the instance metadata service off. The region is left to the caller.
        """
        return {
            "AWS_ENDPOINT_URL_IOTTHINGSGRAPH": self.endpoint_url,
            "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "false",
            "AWS_USE_FIPS_ENDPOINT": "false",
            "AWS_USE_DUALSTACK_ENDPOINT": "false",
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
        httpd = ThreadedHTTPServer((self.host, self._port), self)
        wake = socket.socketpair()
        self._httpd, self._wake = httpd, wake
        self._thread = threading.Thread(
            target=self._serve, args=(httpd, wake[0]), name=f"thingsgraph-server:{httpd.server_port}", daemon=True
        )
        self._thread.start()
        return self

    @staticmethod
    def _serve(httpd: ThreadedHTTPServer, wake: socket.socket) -> None:
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

    def _control(self, method: str, path: str, raw_path: str, body: bytes) -> ControlAnswer:
        """A request under the control prefix, answered by its route in :data:`CONTROL_ROUTES`."""
        route = path.rstrip("/")
        methods = _METHODS.get(route)
        if methods is None:
            return ControlAnswer(404, {"message": f"No control API at {path}: use one of {_ROUTES_TEXT}."})
        if method not in methods:
            message = f"{method} {route} is not allowed: use {' or '.join(methods)} {route}."
            return ControlAnswer(405, {"message": message}, allow=", ".join(methods))
        try:
            return ControlAnswer(200, CONTROL_ROUTES[method, route](self.stub, ControlRequest(route, raw_path, body)))
        except UsageError as error:
            return ControlAnswer(400, {"message": str(error)})


# --- the control API: its routes as a table ----------------------------------------------------------


class ControlRequest(NamedTuple):
    """What a control route reads: its path (no trailing slash), the raw path with the query, and the body."""

    route: str
    raw_path: str
    body: bytes


#: A control route: the stub and the request -> the JSON answered with 200; a UsageError is a 400 naming it.
ControlRoute = Callable[["ThingsGraphStub", ControlRequest], dict[str, Any]]


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


def _calls(stub: ThingsGraphStub, request: ControlRequest) -> dict[str, Any]:
    return {"calls": [call_json(call) for call in stub.calls]}


def _report(stub: ThingsGraphStub, request: ControlRequest) -> dict[str, Any]:
    check = _query_flag(request.raw_path, "checkConsumed", default=True)
    return {"failures": stub.failures(check_consumed=check)}


def _reset(stub: ThingsGraphStub, request: ControlRequest) -> dict[str, Any]:
    stub.reset()
    return {}


def _adding(form: JsonForm) -> ControlRoute:
    """The route that adds one entry of ``form``, the body; it answers with what ``form.add`` returned (the
    entry's upload ID, or the operation an answer was added for) under ``form.answer_key``."""

    def add(stub: ThingsGraphStub, request: ControlRequest) -> dict[str, Any]:
        document = _control_json(request.body, request.route)
        return {form.answer_key: form.add(stub, document, where=f"POST {request.route}", taken=TAKEN_BY_CONTROL)}

    return add


#: (method, path) -> route, in the order the 404's message names them.
CONTROL_ROUTES: dict[tuple[str, str], ControlRoute] = {
    **{("POST", f"{CONTROL_PREFIX}{form.route}"): _adding(form) for form in JSON_FORMS.values()},
    ("GET", f"{CONTROL_PREFIX}calls"): _calls,
    ("GET", f"{CONTROL_PREFIX}report"): _report,
    ("POST", f"{CONTROL_PREFIX}reset"): _reset,
}
#: Each path's methods, from the table.
_METHODS = {path: tuple(method for method, other in CONTROL_ROUTES if other == path) for _, path in CONTROL_ROUTES}
_ROUTES_TEXT = "; ".join(f"{' '.join(methods)} {path}" for path, methods in _METHODS.items())


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
    "CONTROL_ROUTES",
    "DEFAULT_HOST",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_PORT",
    "DEFAULT_STUB_OPTIONS",
    "DEFAULT_TIMEOUT",
    "ControlRequest",
    "ControlRoute",
    "ThingsGraphServer",
    "call_json",
    "non_loopback_warning",
    "serving",
]

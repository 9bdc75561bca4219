"""Helpers of the server-mode tests: signed HTTP requests sent for real, over the loopback, and raw bytes."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import select
import socket
import subprocess
import sys
from contextlib import closing
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

if TYPE_CHECKING:
    from pytest_thingsgraph import ThingsGraphServer

TARGET = "IotThingsGraphFrontEndService."
CONTENT_TYPE = "application/x-amz-json-1.1"
CREDENTIALS = Credentials("AKIDSERVERTESTS00000", "server-tests-fake-secret")
#: Every wait in these tests is bounded by this many seconds (a hang fails instead of blocking the suite).
TIMEOUT = 30.0
#: The body limit of the ``own_server`` fixture's server, in bytes.
LIMIT = 1000
#: The 413 status line, with the reason phrase of this Python (3.13 renamed it "Content Too Large").
TOO_LARGE = f"HTTP/1.1 413 {HTTPStatus(413).phrase}"
TOO_LARGE_ADVICE = (
    "is larger than the server's limit of 1000 bytes: send a smaller body, "
    "or start the server with a larger max_body_bytes (--max-body-bytes)."
)
#: An UploadEntityDefinitions request body.
DOCUMENT = {"document": {"language": "GRAPHQL", "text": "{}"}}


def signed_headers(
    url: str, body: bytes, *, operation: str = "GetUploadStatus", region: str = "us-east-1"
) -> dict[str, str]:
    """The headers of a Things Graph request to ``url``, SigV4-signed as an SDK signs them."""
    request = AWSRequest(
        method="POST", url=url, data=body, headers={"X-Amz-Target": TARGET + operation, "Content-Type": CONTENT_TYPE}
    )
    SigV4Auth(CREDENTIALS, "iotthingsgraph", region).add_auth(request)
    return dict(request.headers.items())


def connect(endpoint_url: str) -> http.client.HTTPConnection:
    parts = urlsplit(endpoint_url)
    assert parts.hostname is not None
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)


def call(
    connection: http.client.HTTPConnection,
    endpoint_url: str,
    document: dict[str, Any],
    *,
    operation: str = "GetUploadStatus",
    region: str = "us-east-1",
) -> tuple[int, dict[str, str], bytes]:
    """Send one signed Things Graph request on ``connection``; the status, headers and raw body."""
    body = json.dumps(document).encode()
    connection.request(
        "POST", "/", body=body, headers=signed_headers(endpoint_url + "/", body, operation=operation, region=region)
    )
    response = connection.getresponse()
    return response.status, dict(response.getheaders()), response.read()


def control(endpoint_url: str, method: str, path: str, document: object = None) -> tuple[int, Any]:
    """One control API request; the status and the decoded JSON answer."""
    with closing(connect(endpoint_url)) as connection:
        body = None if document is None else json.dumps(document).encode()
        connection.request(method, path, body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read())


def child_environment(extra: dict[str, str]) -> dict[str, str]:
    """This process's environment without any AWS setting of the machine's, plus ``extra``."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    environment.update(extra)
    return environment


def client_environment(server: ThingsGraphServer, tmp_path: Path, region: str) -> dict[str, str]:
    """A client child's environment: the server's, ``region``, no config or credentials file of the machine's, and
    no maintenance-mode notice from the JavaScript SDK v2 on stderr."""
    return child_environment(
        {
            **server.environ,
            "AWS_DEFAULT_REGION": region,
            "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
            "AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE": "1",
        }
    )


def run_client(arguments: list[str], environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a client (a Python child, the AWS CLI, node) to its end with ``environment``; its output as text."""
    return subprocess.run(arguments, env=environment, capture_output=True, text=True, timeout=TIMEOUT * 2, check=False)


def tool(name: str, *, package: str | None = None) -> str:
    """A console script installed beside this interpreter (the venv's, not a global one).

    With ``package``, the test is skipped when it is missing (tox's py3xx envs install it).
    """
    path = Path(sys.executable).parent / name
    if not path.exists():
        if package is not None:
            pytest.skip(f"{name} is not installed beside {sys.executable}: pip install {package} (tox -e py3xx does)")
        raise AssertionError(f"{name} is not installed beside {sys.executable}: pip install the package")
    return str(path)


def read_line(process: subprocess.Popen[str], timeout: float = TIMEOUT) -> str:
    """The next line of a child's stdout, waiting at most ``timeout`` seconds."""
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    assert ready, f"no line on stdout within {timeout} s"
    return process.stdout.readline()


# --- raw bytes on the loopback ----------------------------------------------------------------------------------------


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends on ``sock`` until it closes the connection (or resets it)."""
    chunks = []
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def exchange(server: ThingsGraphServer, data: bytes) -> bytes:
    """Send ``data`` on a fresh connection, half-close, and read all the server answers until it closes."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as sock:
        sock.sendall(data)
        with contextlib.suppress(OSError):  # the server may have closed it already
            sock.shutdown(socket.SHUT_WR)
        return read_until_closed(sock)


def responses(answer: bytes) -> list[tuple[str, dict[str, str], Any]]:
    """Split raw HTTP/1.1 answers (each with a Content-Length, or none) into status line, headers, JSON body."""
    parsed = []
    while answer:
        head, _, answer = answer.partition(b"\r\n\r\n")
        status, *lines = head.decode("latin-1").split("\r\n")
        headers = {name.lower(): value for name, value in (line.split(": ", 1) for line in lines)}
        length = int(headers.get("content-length", "0"))
        body, answer = answer[:length], answer[length:]
        parsed.append((status, headers, json.loads(body) if body else None))
    return parsed


def signed_request(server: ThingsGraphServer, body: bytes, *, content_length: bool = True) -> bytes:
    """The raw bytes of a signed GetUploadStatus request to ``server``, with or without a Content-Length."""
    headers = signed_headers(server.endpoint_url + "/", body)
    headers.pop("Content-Length", None)
    if content_length:
        headers["Content-Length"] = str(len(body))
    return (
        b"POST / HTTP/1.1\r\n"
        + b"".join(f"{name}: {value}\r\n".encode() for name, value in headers.items())
        + b"\r\n"
        + body
    )


def expect_continue(length: int, *, chunked_body: bool = False) -> bytes:
    """The head of a control API request that waits for ``100 Continue`` before sending its body."""
    framing = b"Transfer-Encoding: chunked" if chunked_body else b"Content-Length: %d" % length
    return b"POST /_thingsgraph/reset HTTP/1.1\r\nHost: x\r\n" + framing + b"\r\nExpect: 100-continue\r\n\r\n"


def still_serves(server: ThingsGraphServer) -> bool:
    """Whether ``server`` still answers a signed call (with the service's 404 for an upload nobody scripted)."""
    with closing(connect(server.endpoint_url)) as connection:
        status, _, body = call(connection, server.endpoint_url, {"uploadId": "nobody-scripted-this"})
    return status == 404 and bool(json.loads(body)["__type"] == "ResourceNotFoundException")

"""Helpers of the server-mode tests: signed HTTP requests sent for real, over the loopback."""

from __future__ import annotations

import http.client
import json
import os
import select
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

TARGET = "IotThingsGraphFrontEndService."
CONTENT_TYPE = "application/x-amz-json-1.1"
CREDENTIALS = Credentials("AKIDSERVERTESTS00000", "server-tests-fake-secret")
#: Every wait in these tests is bounded by this many seconds (a hang fails instead of blocking the suite).
TIMEOUT = 30.0


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
    connection = connect(endpoint_url)
    try:
        body = None if document is None else json.dumps(document).encode()
        connection.request(method, path, body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def child_environment(extra: dict[str, str]) -> dict[str, str]:
    """This process's environment without any AWS setting of the machine's, plus ``extra``."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    environment.update(extra)
    return environment


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

"""What server mode takes as a request: a header block cut short is none, and
``Content-Length`` headers that disagree are refused (RFC 9112, section 6.3).

Raw sockets over the loopback, against a server of its own stub: what the stub recorded and reports
is checked after each exchange.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest
from server_helpers import TIMEOUT, read_until_closed, signed_headers

from pytest_thingsgraph import ThingsGraphServer, ThingsGraphStub

HEAD = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\n"
BAD_REQUEST = b"HTTP/1.1 400 Bad Request\r\n"


@pytest.fixture
def server() -> Iterator[ThingsGraphServer]:
    server = ThingsGraphServer(ThingsGraphStub(), timeout=5.0).start()
    try:
        yield server
    finally:
        server.stop()


def answer_of(data: bytes) -> tuple[bytes, dict[str, str], object]:
    """The status line, headers (lower-case names) and JSON body of one answer."""
    head, _, body = data.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value for name, _, value in (line.partition(": ") for line in lines)}
    return status.encode() + b"\r\n", headers, json.loads(body)


def nothing_recorded(stub: ThingsGraphStub) -> None:
    assert stub.calls == []
    assert stub.failures() == []


# --- a header block cut short ----------------------------------------------------------------------------

CUT_SHORT = {
    "in the request line": b"POST / HTTP/1.1",
    "after the request line": b"POST / HTTP/1.1\r\n",
    "in a header line": HEAD + b"X-Amz-Tar",
    "before the blank line": HEAD,
}


@pytest.mark.parametrize("where", list(CUT_SHORT))
def test_a_client_that_half_closes_part_way_through_the_headers_sent_no_request(
    server: ThingsGraphServer, where: str
) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as sock:
        sock.sendall(CUT_SHORT[where])
        sock.shutdown(socket.SHUT_WR)
        assert read_until_closed(sock) == b""  # nothing answered: the connection is closed
    nothing_recorded(server.stub)


@pytest.mark.parametrize("where", list(CUT_SHORT))
def test_a_client_still_writing_its_headers_when_the_server_stops_sent_no_request(where: str) -> None:
    stub = ThingsGraphStub()
    server = ThingsGraphServer(stub).start()
    httpd = server._httpd
    assert httpd is not None
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as sock:
            sock.sendall(CUT_SHORT[where])
            deadline = time.monotonic() + TIMEOUT
            while time.monotonic() < deadline:  # until a handler thread is reading the connection
                with httpd.connections_lock:
                    if any(thread is not None for thread in httpd.connections.values()):
                        break
                time.sleep(0.001)
            else:
                pytest.fail("the server never took the connection")
            server.stop()  # as the fixture does when the test ends
            assert read_until_closed(sock) == b""
    finally:
        server.stop()
    nothing_recorded(stub)


def test_a_whole_request_then_a_half_close_is_still_answered(server: ThingsGraphServer) -> None:
    server.stub.add_upload("u-1", ["SUCCEEDED"])
    body = b'{"uploadId": "u-1"}'
    headers = signed_headers(server.endpoint_url + "/", body)
    request = b"POST / HTTP/1.1\r\n" + b"".join(f"{k}: {v}\r\n".encode() for k, v in headers.items())
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as sock:
        sock.sendall(request + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
        sock.shutdown(socket.SHUT_WR)
        status, _, document = answer_of(read_until_closed(sock))
    assert status == b"HTTP/1.1 200 OK\r\n"
    assert isinstance(document, dict)
    assert document["uploadStatus"] == "SUCCEEDED"
    assert [(call.upload_id, call.status_code) for call in server.stub.calls] == [("u-1", 200)]


# --- Content-Length headers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lengths", "message"),
    [
        (
            b"Content-Length: 2\r\nContent-Length: 12\r\n",
            "The request has Content-Length headers that disagree ('2', '12'): send one Content-Length.",
        ),
        (
            b"Content-Length: 12\r\nContent-Length: 2\r\nContent-Length: 12\r\n",
            "The request has Content-Length headers that disagree ('12', '2', '12'): send one Content-Length.",
        ),
        (
            b"Content-Length: 2\r\nExpect: 100-continue\r\nContent-Length: 3\r\n",
            "The request has Content-Length headers that disagree ('2', '3'): send one Content-Length.",
        ),
    ],
    ids=["two", "three", "with Expect: 100-continue"],
)
def test_content_length_headers_that_disagree_are_400_and_no_call(
    server: ThingsGraphServer, lengths: bytes, message: str
) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as sock:
        sock.sendall(HEAD + lengths + b"\r\n{}")
        status, headers, document = answer_of(read_until_closed(sock))
    assert status == BAD_REQUEST  # before any 100 Continue
    assert headers["connection"] == "close"
    assert document == {"__type": "BadRequest", "message": message}
    nothing_recorded(server.stub)


@pytest.mark.parametrize("second", [b"19", b" 19 "])
def test_identical_content_length_headers_are_one(server: ThingsGraphServer, second: bytes) -> None:
    server.stub.add_upload("u-1", ["SUCCEEDED"])
    body = b'{"uploadId": "u-1"}'
    headers = signed_headers(server.endpoint_url + "/", body)
    request = b"POST / HTTP/1.1\r\n" + b"".join(f"{k}: {v}\r\n".encode() for k, v in headers.items())
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as sock:
        sock.sendall(
            request + b"Content-Length: 19\r\nContent-Length:" + second + b"\r\nConnection: close\r\n\r\n" + body
        )
        status, _, document = answer_of(read_until_closed(sock))
    assert status == b"HTTP/1.1 200 OK\r\n"
    assert isinstance(document, dict)
    assert document["uploadStatus"] == "SUCCEEDED"
    assert [(call.upload_id, call.status_code) for call in server.stub.calls] == [("u-1", 200)]

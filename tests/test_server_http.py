"""Server mode's HTTP plumbing, from this process over the loopback (raw sockets where a request must be malformed).

Keep-alive and one write per answer; bodies at and past their limits (Content-Length, chunked, ``Expect:
100-continue``); requests the stdlib cannot parse (a JSON error and ``Connection: close``), TLS records, ``HEAD``;
reason phrases and the request log.
"""

from __future__ import annotations

import json
import logging
import socket
import socketserver
import ssl
from contextlib import closing
from http import HTTPStatus
from typing import Any
from unittest.mock import ANY

import pytest
from server_helpers import (
    DOCUMENT,
    LIMIT,
    TIMEOUT,
    TOO_LARGE,
    TOO_LARGE_ADVICE,
    call,
    connect,
    exchange,
    expect_continue,
    read_until_closed,
    responses,
    signed_headers,
    signed_request,
    still_serves,
)

from pytest_thingsgraph import ServiceError, ThingsGraphServer

# --- connections and answers ---------------------------------------------------------------------------------


def test_keep_alive_one_connection_many_calls(thingsgraph_server: ThingsGraphServer) -> None:
    thingsgraph_server.stub.add_upload("u", ["SUCCEEDED"])
    url = thingsgraph_server.endpoint_url
    with closing(connect(url)) as connection:
        call(connection, url, {"uploadId": "u"})
        sock = connection.sock
        statuses = [call(connection, url, {"uploadId": "u"})[0] for _ in range(5)]
        assert connection.sock is sock  # http.client reconnects when the server closes: it did not
    assert statuses == [200] * 5


def test_response_is_written_in_one_write(
    thingsgraph_server: ThingsGraphServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Headers and body leave in one write: no second small segment waits for a delayed ACK."""
    writes: list[bytes] = []
    original = socketserver._SocketWriter.write  # type: ignore[attr-defined]

    def write(self: Any, data: bytes) -> int:
        writes.append(bytes(data))
        return original(self, data)  # type: ignore[no-any-return]

    monkeypatch.setattr(socketserver._SocketWriter, "write", write)  # type: ignore[attr-defined]
    thingsgraph_server.stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
    url = thingsgraph_server.endpoint_url
    with closing(connect(url)) as connection:
        bodies = [call(connection, url, {"uploadId": "u"})[2] for _ in range(2)]
    assert len(writes) == 2
    for data, body in zip(writes, bodies, strict=True):
        assert data.startswith(b"HTTP/1.1 200 OK\r\n")
        assert data.endswith(b"\r\n\r\n" + body)


def test_accepted_sockets_have_tcp_nodelay(thingsgraph_server: ThingsGraphServer) -> None:
    thingsgraph_server.stub.add_upload("u", ["SUCCEEDED"])
    url = thingsgraph_server.endpoint_url
    with closing(connect(url)) as connection:
        call(connection, url, {"uploadId": "u"})
        httpd = thingsgraph_server._httpd
        assert httpd is not None
        with httpd.connections_lock:
            sockets = list(httpd.connections)
        assert len(sockets) == 1
        assert sockets[0].getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


@pytest.mark.parametrize(
    "partial",
    [b"POST / HTTP/1.1\r\nHost: x\r\n", b'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n{"upl'],
)
def test_slow_client_is_disconnected(own_server: ThingsGraphServer, partial: bytes) -> None:
    with socket.create_connection(("127.0.0.1", own_server.port), timeout=TIMEOUT) as sock:
        sock.sendall(partial)  # then nothing: the server's 0.5 s timeout closes the connection
        assert read_until_closed(sock) == b""
    assert still_serves(own_server)


def test_an_undocumented_status_has_an_empty_reason_phrase(own_server: ThingsGraphServer) -> None:
    own_server.stub.on_upload_entity_definitions(ServiceError("OddException", "odd", status_code=499))
    with socket.create_connection(("127.0.0.1", own_server.port), timeout=TIMEOUT) as sock:
        body = json.dumps(DOCUMENT).encode()
        headers = signed_headers(own_server.endpoint_url + "/", body, operation="UploadEntityDefinitions")
        headers["Content-Length"] = str(len(body))
        sock.sendall(
            b"POST / HTTP/1.1\r\n" + b"".join(f"{k}: {v}\r\n".encode() for k, v in headers.items()) + b"\r\n" + body
        )
        assert sock.recv(13) == b"HTTP/1.1 499 "
        assert sock.recv(2) == b"\r\n"


def test_an_unsigned_request_takes_its_region_from_the_host_header(own_server: ThingsGraphServer) -> None:
    body = b'{"uploadId": "u"}'
    request = (
        b"POST / HTTP/1.1\r\nHost: iotthingsgraph.eu-west-1.amazonaws.com\r\n"
        b"X-Amz-Target: IotThingsGraphFrontEndService.GetUploadStatus\r\n"
        b"Content-Type: application/x-amz-json-1.1\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    [(status, _, answer)] = responses(exchange(own_server, request))
    assert (status, answer["__type"]) == ("HTTP/1.1 403 Forbidden", "MissingAuthenticationTokenException")
    assert [(call.region, call.status_code) for call in own_server.stub.calls] == [("eu-west-1", 403)]


def test_each_request_is_logged_with_its_path_without_the_query(
    own_server: ThingsGraphServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="pytest_thingsgraph.server")
    exchange(own_server, b"GET /_thingsgraph/calls?a=1?b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert exchange(own_server, b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n").startswith(b"HTTP/1.1 414 ")
    assert [
        (record.name, record.levelno, record.getMessage())
        for record in caplog.records
        if record.levelno >= logging.INFO
    ] == [
        ("pytest_thingsgraph.server", logging.INFO, "GET /_thingsgraph/calls -> 200"),
        ("pytest_thingsgraph.server", logging.INFO, "  -> 414"),  # no method or path was read
    ]


# --- bodies with a Content-Length -------------------------------------------------------------------------------


def test_a_request_without_content_length_has_an_empty_body(own_server: ThingsGraphServer) -> None:
    without = responses(exchange(own_server, signed_request(own_server, b"", content_length=False)))
    with_zero = responses(exchange(own_server, signed_request(own_server, b"")))
    assert (
        [answer for _, _, answer in without]
        == [answer for _, _, answer in with_zero]
        == [
            {
                "__type": "InvalidRequestException",
                "message": "1 validation error detected: Value null at 'uploadId' failed to satisfy constraint: "
                "Member must not be null",
            }
        ]
    )
    assert [call.request for call in own_server.stub.calls] == [{}, {}]


@pytest.mark.parametrize(
    ("head", "message"),
    [
        (
            b"Transfer-Encoding: chunked\r\nContent-Length: 2\r\n",
            "The request has both Transfer-Encoding and Content-Length: send one of them.",
        ),
        (
            b"Transfer-Encoding: gzip\r\n",
            "Transfer-Encoding 'gzip' is not supported: send chunked, or a Content-Length.",
        ),
        (b"Content-Length: twelve\r\n", "Content-Length 'twelve' is not a number of bytes."),
        (b"Content-Length: 10\r\n", "The body ended after 2 of the 10 bytes its Content-Length states."),
    ],
)
def test_a_body_that_cannot_be_read_is_400_naming_why(own_server: ThingsGraphServer, head: bytes, message: str) -> None:
    answer = exchange(own_server, b"POST /_thingsgraph/reset HTTP/1.1\r\nHost: x\r\n" + head + b"\r\n{}")
    [(status, headers, document)] = responses(answer)
    assert (status, headers["connection"]) == ("HTTP/1.1 400 Bad Request", "close")
    assert document == {"__type": "BadRequest", "message": message}


def test_oversized_body_refused_before_it_is_read(own_server: ThingsGraphServer) -> None:
    with socket.create_connection(("127.0.0.1", own_server.port), timeout=TIMEOUT) as sock:
        # a Content-Length of 100 MB, and no body sent at all: the answer comes anyway
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n")
        answer = read_until_closed(sock)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ")
    assert b"Connection: close" in head
    assert "larger than the server's limit of 1000 bytes" in json.loads(body)["message"]
    assert still_serves(own_server)
    assert own_server.stub.calls[-1].upload_id == "nobody-scripted-this"  # the 413 reached no stub


def test_a_content_length_over_the_limit_is_413_naming_both_sizes(own_server: ThingsGraphServer) -> None:
    answer = exchange(own_server, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n")
    [(status, headers, document)] = responses(answer)
    assert (status, headers["connection"]) == (TOO_LARGE, "close")
    assert document == {
        "__type": "RequestEntityTooLarge",
        "message": f"The request body of 1001 bytes {TOO_LARGE_ADVICE}",
    }


# --- chunked bodies --------------------------------------------------------------------------------------------


def chunked(path: str, chunks: bytes, *, extra: bytes = b"") -> bytes:
    return (
        b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n" + extra + b"\r\n" + chunks
    )


def test_chunked_request_body(thingsgraph_server: ThingsGraphServer) -> None:
    thingsgraph_server.stub.add_upload("chunked", ["SUCCEEDED"])
    url = thingsgraph_server.endpoint_url
    body = b'{"uploadId": "chunked"}'
    headers = signed_headers(url + "/", body)
    headers.pop("Content-Length", None)
    with closing(connect(url)) as connection:
        connection.request(
            "POST", "/", body=iter([body[:5], body[5:12], body[12:]]), headers=headers, encode_chunked=True
        )
        response = connection.getresponse()
        answer = json.loads(response.read())
    assert answer["uploadStatus"] == "SUCCEEDED"
    assert thingsgraph_server.stub.calls[0].request == {"uploadId": "chunked"}


def test_a_chunked_body_of_exactly_the_limit_is_read_and_one_byte_more_is_413(own_server: ThingsGraphServer) -> None:
    upload = json.dumps({"uploadId": "u", "script": ["SUCCEEDED"], "namespaceName": ""}).encode()
    padded = upload[:-1] + b" " * (LIMIT - len(upload)) + b"}"
    assert len(padded) == LIMIT
    half = LIMIT // 2
    body = b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (half, padded[:half], LIMIT - half, padded[half:])
    [(status, _, answer)] = responses(exchange(own_server, chunked("/_thingsgraph/uploads", body)))
    assert (status, answer) == ("HTTP/1.1 200 OK", {"uploadId": "u"})
    over = b"%x\r\n%s\r\n%x\r\n%s \r\n0\r\n\r\n" % (half, padded[:half], LIMIT - half + 1, padded[half:])
    [(status, headers, answer)] = responses(exchange(own_server, chunked("/_thingsgraph/reset", over)))
    assert (status, headers.get("connection")) == (TOO_LARGE, "close")
    assert answer == {
        "__type": "RequestEntityTooLarge",
        "message": f"The request body of more than that {TOO_LARGE_ADVICE}",
    }


def test_oversized_chunked_body_refused(own_server: ThingsGraphServer) -> None:
    chunk = b"x" * 600
    request = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    request += (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 2 + b"0\r\n\r\n"
    answer = exchange(own_server, request)
    assert answer.startswith(b"HTTP/1.1 413 ")


def test_chunk_extensions_and_bare_line_feeds_are_read(own_server: ThingsGraphServer) -> None:
    body = b"1;name=value;other\r\n{\r\n1;x\n}\n0\n\n"
    then = b"GET /_thingsgraph/calls HTTP/1.1\r\nHost: x\r\n\r\n"  # pipelined: the body must end where it ends
    answers = responses(exchange(own_server, chunked("/_thingsgraph/reset", body) + then))
    assert [(status, answer) for status, _, answer in answers] == [
        ("HTTP/1.1 200 OK", {}),
        ("HTTP/1.1 200 OK", {"calls": []}),
    ]


def test_a_chunked_body_may_end_without_its_final_blank_line(own_server: ThingsGraphServer) -> None:
    [(status, _, answer)] = responses(exchange(own_server, chunked("/_thingsgraph/reset", b"2\r\n{}\r\n0\r\n")))
    assert (status, answer) == ("HTTP/1.1 200 OK", {})


def test_a_chunk_size_line_longer_than_a_kib_is_refused(own_server: ThingsGraphServer) -> None:
    body = b"2;" + b"x" * 4000 + b"\r\n{}\r\n0\r\n\r\n"
    [(status, _, answer)] = responses(exchange(own_server, chunked("/_thingsgraph/reset", body)))
    assert (status, answer) == (
        "HTTP/1.1 400 Bad Request",
        {"__type": "BadRequest", "message": "A chunk ended early or without its CRLF."},
    )


@pytest.mark.parametrize(
    ("extension", "status", "answer"),
    [
        (b"x" * 1022, "HTTP/1.1 200 OK", {}),  # a size line of 1,024 bytes before its CRLF
        (
            b"x" * 1023,
            "HTTP/1.1 400 Bad Request",
            {"__type": "BadRequest", "message": "A chunk ended early or without its CRLF."},
        ),
    ],
    ids=["1024-bytes", "1025-bytes"],
)
def test_a_chunk_size_line_of_a_kib_is_read_and_one_byte_more_is_refused(
    own_server: ThingsGraphServer, extension: bytes, status: str, answer: dict[str, str]
) -> None:
    body = b"2;" + extension + b"\r\n{}\r\n0\r\n\r\n"
    assert responses(exchange(own_server, chunked("/_thingsgraph/reset", body))) == [(status, ANY, answer)]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"g" * 30 + b"\r\n", "Chunk size b'gggggggggggggggggggg' is not hexadecimal."),
        (b"-2\r\n{}\r\n0\r\n\r\n", "A chunk size is negative."),
        (b"2\r\n{}xx0\r\n\r\n", "A chunk ended early or without its CRLF."),
        (b"0\r\n" + b"Trailer: x\r\n" * 101 + b"\r\n", "The chunked body has more than 100 trailer lines."),
    ],
)
def test_a_bad_chunked_body_is_400_naming_what_broke(own_server: ThingsGraphServer, body: bytes, message: str) -> None:
    [(status, headers, answer)] = responses(exchange(own_server, chunked("/_thingsgraph/reset", body)))
    assert (status, headers.get("connection")) == ("HTTP/1.1 400 Bad Request", "close")
    assert answer == {"__type": "BadRequest", "message": message}


def test_100_trailer_lines_are_read(own_server: ThingsGraphServer) -> None:
    body = b"2\r\n{}\r\n0\r\n" + b"Trailer: x\r\n" * 100 + b"\r\n"
    [(status, _, answer)] = responses(exchange(own_server, chunked("/_thingsgraph/reset", body)))
    assert (status, answer) == ("HTTP/1.1 200 OK", {})


# --- Expect: 100-continue --------------------------------------------------------------------------------------


def test_expect_continue_up_to_the_limit_gets_100_continue(own_server: ThingsGraphServer) -> None:
    with socket.create_connection(("127.0.0.1", own_server.port), timeout=TIMEOUT) as sock:
        sock.sendall(expect_continue(LIMIT))
        assert sock.recv(25) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(b"{" + b" " * (LIMIT - 2) + b"}")
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert [(status, body) for status, _, body in responses(answer)] == [("HTTP/1.1 200 OK", {})]
    chunked_answer = exchange(own_server, expect_continue(0, chunked_body=True) + b"2\r\n{}\r\n0\r\n\r\n")
    assert chunked_answer.startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
    assert [(status, body) for status, _, body in responses(chunked_answer[25:])] == [("HTTP/1.1 200 OK", {})]


def test_expect_continue_over_the_limit_gets_one_413_and_the_connection_closed(own_server: ThingsGraphServer) -> None:
    with socket.create_connection(("127.0.0.1", own_server.port), timeout=TIMEOUT) as sock:
        sock.sendall(expect_continue(LIMIT + 1))
        answer = b""
        while chunk := sock.recv(65536):  # the server closes it: no body is waited for
            answer += chunk
    assert responses(answer) == [
        (
            TOO_LARGE,
            {"content-type": "application/json", "content-length": ANY, "connection": "close"},
            {"__type": "RequestEntityTooLarge", "message": f"The request body of 1001 bytes {TOO_LARGE_ADVICE}"},
        )
    ]


def test_expect_continue_refused_without_continue(own_server: ThingsGraphServer) -> None:
    with socket.create_connection(("127.0.0.1", own_server.port), timeout=TIMEOUT) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n")
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"100 Continue" not in answer


# --- requests the stdlib cannot parse, TLS and HEAD --------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_bytes", "status", "answer"),
    [
        (
            b"GET / HTTP/1.1\r\nX-Long: " + b"a" * 70000 + b"\r\n\r\n",
            f"HTTP/1.1 431 {HTTPStatus(431).phrase}",
            {"__type": "BadRequest", "message": "Line too long: got more than 65536 bytes when reading header line"},
        ),
        (
            b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
            f"HTTP/1.1 414 {HTTPStatus(414).phrase}",
            {"__type": "BadRequest", "message": HTTPStatus(414).phrase},
        ),
        (
            b"FOO / HTTP/1.1\r\nHost: x\r\n\r\n",
            "HTTP/1.1 501 Not Implemented",
            {"__type": "ServerError", "message": "Unsupported method ('FOO')"},
        ),
        (
            b"GET / HTTP/2.0\r\n\r\n",
            "HTTP/1.1 505 HTTP Version Not Supported",
            {"__type": "ServerError", "message": "Invalid HTTP version (2.0)"},
        ),
    ],
    # the same IDs on every Python (3.13 renamed the 413 and 414 reason phrases), for tests/check_isolation.py
    ids=["431-header-line", "414-request-line", "501-method", "505-version"],
)
def test_an_unparsable_request_gets_a_json_error_and_the_connection_closed(
    own_server: ThingsGraphServer, request_bytes: bytes, status: str, answer: dict[str, str]
) -> None:
    # a second, valid request follows on the same connection: the server must not answer it
    followed = request_bytes + b"GET /_thingsgraph/calls HTTP/1.1\r\nHost: x\r\n\r\n"
    [(got_status, headers, got_answer)] = responses(exchange(own_server, followed))
    assert (got_status, got_answer) == (status, answer)
    assert (headers["connection"], headers["content-type"].lower()) == ("close", "application/json")


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x00\x01\x02garbage\r\n\r\n",
        b"HELLO\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: twelve\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
    ],
)
def test_garbage_gets_a_4xx_and_the_server_goes_on(own_server: ThingsGraphServer, garbage: bytes) -> None:
    answer = exchange(own_server, garbage)
    expected = b"HTTP/1.1 505 " if b"HTTP/9.9" in garbage else b"HTTP/1.1 4"  # 505: HTTP Version Not Supported
    assert answer.startswith(expected)
    if answer:
        assert json.loads(answer.partition(b"\r\n\r\n")[2])["message"]
    assert still_serves(own_server)


def test_tls_hello_is_closed_and_the_server_goes_on(own_server: ThingsGraphServer) -> None:
    context = ssl.create_default_context()
    with (
        socket.create_connection(("127.0.0.1", own_server.port), timeout=TIMEOUT) as sock,
        pytest.raises((ssl.SSLError, ConnectionError, OSError)),
    ):
        context.wrap_socket(sock, server_hostname="localhost")
    assert still_serves(own_server)


def test_a_tls_record_is_closed_without_an_answer_even_with_line_ends(own_server: ThingsGraphServer) -> None:
    assert exchange(own_server, b"\x16\x03\x01\x00\x05hello\r\n\r\n") == b""
    assert exchange(own_server, b"\x17\x03\x01\x00\x05hello\r\n\r\n").startswith(b"HTTP/1.1 400 ")  # not a handshake


def test_head_gets_the_head_alone(own_server: ThingsGraphServer) -> None:
    answer = exchange(own_server, b"HEAD /_thingsgraph/calls HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 405 Method Not Allowed\r\n")
    assert answer.endswith(b"\r\n\r\n")
    assert b"{" not in answer

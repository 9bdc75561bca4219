"""Server mode's documented edges that mutation testing found unchecked (``pytest_thingsgraph._server`` and
``pytest_thingsgraph.server``): the exact messages of the script files' JSON form and of the control API, the
wire's answers to bodies at and past their limits (chunked, ``Expect: 100-continue``), to requests the stdlib
cannot parse (their JSON errors, their ``Connection: close``), the standalone server's ``--help``, its
options' effects and its listening line on a buffered stdout.

Everything goes through the loopback (raw sockets where the request must be malformed) or through ``main()``
in this process, as ``test_server_main.py`` runs it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from email.message import Message
from http import HTTPStatus
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import pytest
from server_helpers import TIMEOUT, call, connect, control, signed_headers
from test_server_main import LISTENING, run, run_without_listening

from pytest_thingsgraph import ServiceError, ThingsGraphServer, ThingsGraphStub, UsageError
from pytest_thingsgraph._options import OPTION_HELP
from pytest_thingsgraph._server import (
    add_upload_json,
    apply_script,
    parse_created_date,
    queue_upload_entity_definitions_json,
    serving,
)
from pytest_thingsgraph.server import SERVER_OPTIONS, main
from pytest_thingsgraph.server import run as console_script

#: the 413 status line, with the reason phrase of this Python (3.13 renamed it "Content Too Large")
TOO_LARGE = f"HTTP/1.1 413 {HTTPStatus(413).phrase}"

LIMIT = 1000
TOO_LARGE_ADVICE = (
    "is larger than the server's limit of 1000 bytes: send a smaller body, "
    "or start the server with a larger max_body_bytes (--max-body-bytes)."
)
DOCUMENT = {"document": {"language": "GRAPHQL", "text": "{}"}}


@pytest.fixture(autouse=True)
def _signal_handlers() -> Iterator[None]:
    """``main()`` installs its own SIGINT and SIGTERM handlers: put pytest's back."""
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


@pytest.fixture
def server() -> Iterator[ThingsGraphServer]:
    """A server of its own stub with a 1,000-byte body limit and a short timeout."""
    with ThingsGraphServer(ThingsGraphStub(), timeout=0.5, max_body_bytes=LIMIT) as running:
        yield running


def exchange(server: ThingsGraphServer, data: bytes) -> bytes:
    """Send ``data`` on a fresh connection, half-close, and read all the server answers until it closes."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as sock:
        sock.sendall(data)
        with contextlib.suppress(OSError):  # the server may have closed it already
            sock.shutdown(socket.SHUT_WR)
        chunks = []
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)


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


def chunked(path: str, chunks: bytes, *, extra: bytes = b"") -> bytes:
    return (
        b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n" + extra + b"\r\n" + chunks
    )


# --- the JSON form of scripts ------------------------------------------------------------------------


def test_each_json_form_names_what_is_wrong_by_default() -> None:
    stub = ThingsGraphStub()
    cases: list[tuple[Any, str]] = [
        (
            lambda: apply_script(stub, []),
            'script: a script file is a JSON object such as {"uploads": [...], "uploadEntityDefinitions": [...]}, '
            "not an array.",
        ),
        (
            lambda: add_upload_json(stub, 5),
            'upload is a number: give a JSON object such as {"uploadId": "u-1", "script": ["SUCCEEDED"]}.',
        ),
        (
            lambda: queue_upload_entity_definitions_json(stub, 5),
            'answer is a number: give a JSON object such as {"uploadId": "u-1", "script": ["SUCCEEDED"]}.',
        ),
        (
            lambda: parse_created_date("x"),
            "createdDate='x' is not an ISO 8601 date: give one such as '2024-05-01T12:00:00Z'.",
        ),
        (lambda: parse_created_date(1e20), "createdDate=1e+20 is not a date: give epoch seconds from 1970 to 2199."),
    ]
    for make, message in cases:
        with pytest.raises(UsageError) as caught:
            make()
        assert str(caught.value) == message


def test_unknown_keys_are_named_with_the_keys_there_are() -> None:
    stub = ThingsGraphStub()
    with pytest.raises(UsageError) as caught:
        add_upload_json(stub, {"uploadId": "a", "script": ["SUCCEEDED"], "bogus": 1})
    assert str(caught.value) == (
        "upload: unknown key 'bogus': use uploadId, script, namespaceName, namespaceArn, namespaceVersion, "
        "createdDate, failureReason, region."
    )
    with pytest.raises(UsageError) as caught:
        queue_upload_entity_definitions_json(stub, {"__type": "ThrottlingException", "bogus": 1})
    assert str(caught.value) == "answer: unknown key 'bogus' in an error: use __type, message, statusCode."
    assert stub.failures() == []  # nothing was queued


def test_a_script_file_may_leave_out_either_list() -> None:
    stub = ThingsGraphStub()
    assert apply_script(stub, {"uploadEntityDefinitions": [{"uploadId": "q"}]}) == ["q"]
    assert apply_script(stub, {"uploads": [{"uploadId": "u", "script": ["SUCCEEDED"]}]}) == []
    assert apply_script(stub, {}) == []
    assert len(stub.failures()) == 2  # an answer untaken, an upload unpolled


def test_a_script_files_queued_answers_are_named_by_their_place() -> None:
    stub = ThingsGraphStub()
    with pytest.raises(UsageError) as caught:
        apply_script(stub, {"uploadEntityDefinitions": {}}, where="s.json")
    assert str(caught.value) == "s.json: uploadEntityDefinitions is an object: give a JSON array of objects."
    with pytest.raises(UsageError) as caught:
        apply_script(stub, {"uploadEntityDefinitions": [{"uploadId": "x"}, {"bogus": 1}]}, where="s.json")
    assert str(caught.value).startswith("s.json: uploadEntityDefinitions[1]: unknown key 'bogus': use uploadId, ")
    assert str(caught.value).endswith(", failureReason, expected.")  # no region for a queued upload


def test_a_queued_answers_own_problems_are_named_by_where() -> None:
    stub = ThingsGraphStub()
    with pytest.raises(UsageError) as caught:
        queue_upload_entity_definitions_json(stub, {"__type": "ThrottlingException", "expected": 5})
    assert str(caught.value) == (
        "answer: on_upload_entity_definitions(ServiceError('ThrottlingException')): "
        "expected=5 is not a dict of request members."
    )
    with pytest.raises(UsageError) as caught:
        queue_upload_entity_definitions_json(stub, {"namespaceVersion": "x"}, where="entry")
    assert str(caught.value).startswith("entry: on_upload_entity_definitions(upload_id=")
    assert str(caught.value).endswith("namespace_version='x': Input should be a valid integer.")
    with pytest.raises(UsageError) as caught:
        queue_upload_entity_definitions_json(stub, {"namespaceVersion": "x", "uploadId": 5})
    assert str(caught.value).startswith("answer: ")


def test_a_script_items_bad_date_is_named_by_its_place() -> None:
    with pytest.raises(UsageError) as caught:
        add_upload_json(
            ThingsGraphStub(), {"uploadId": "b", "script": [{"uploadStatus": "FAILED", "createdDate": "x"}]}
        )
    assert str(caught.value) == (
        "upload: script item 0: createdDate='x' is not an ISO 8601 date: give one such as '2024-05-01T12:00:00Z'."
    )


def test_a_lower_case_z_is_utc_too() -> None:
    assert parse_created_date("2024-05-01T12:00:00z") == dt.datetime(2024, 5, 1, 12, tzinfo=dt.timezone.utc)


def test_error_entries_keep_their_status_code_and_a_null_message_is_empty(server: ThingsGraphServer) -> None:
    apply_script(
        server.stub,
        {
            "uploadEntityDefinitions": [
                {"__type": "ThrottlingException", "message": None},
                {"__type": "TeapotException", "message": "short and stout", "statusCode": 418},
            ]
        },
    )
    connection = connect(server.endpoint_url)
    try:
        answers = [
            call(connection, server.endpoint_url, DOCUMENT, operation="UploadEntityDefinitions") for _ in range(2)
        ]
    finally:
        connection.close()
    assert [(status, json.loads(body)) for status, _, body in answers] == [
        (400, {"__type": "ThrottlingException", "message": ""}),
        (418, {"__type": "TeapotException", "message": "short and stout"}),
    ]
    assert server.stub.failures() == []


# --- the control API -----------------------------------------------------------------------------------


def raw_control(server: ThingsGraphServer, method: str, path: str, body: bytes = b"") -> tuple[int, Message, Any]:
    """One control API request of raw bytes; the status, the headers (names in any case) and the JSON answer."""
    connection = connect(server.endpoint_url)
    try:
        connection.request(method, path, body=body)
        response = connection.getresponse()
        return response.status, response.headers, json.loads(response.read())
    finally:
        connection.close()


def test_a_405_names_the_allowed_method_in_an_allow_header(server: ThingsGraphServer) -> None:
    for path in ("/_thingsgraph/uploads", "/_thingsgraph/uploads/"):
        status, headers, answer = raw_control(server, "GET", path)
        assert (status, headers.get("Allow"), headers["Content-Type"].lower()) == (405, "POST", "application/json")
        assert answer == {"message": "GET /_thingsgraph/uploads is not allowed: use POST /_thingsgraph/uploads."}
    status, headers, _ = raw_control(server, "GET", "/_thingsgraph/calls")
    assert (status, headers["Allow"], headers["Content-Type"].lower()) == (200, None, "application/json")


def test_a_trailing_slash_reaches_the_route_and_any_other_ending_does_not(server: ThingsGraphServer) -> None:
    status, answer = control(
        server.endpoint_url, "POST", "/_thingsgraph/uploads/", {"uploadId": "u", "script": ["SUCCEEDED"]}
    )
    assert (status, answer) == (200, {"uploadId": "u"})
    status, answer = control(server.endpoint_url, "GET", "/_thingsgraph/callsX")
    assert status == 404
    assert answer == {
        "message": "No control API at /_thingsgraph/callsX: use one of POST /_thingsgraph/uploads; "
        "POST /_thingsgraph/upload-entity-definitions; GET /_thingsgraph/calls; GET /_thingsgraph/report; "
        "POST /_thingsgraph/reset."
    }


def test_bodies_the_control_api_cannot_read_are_named(server: ThingsGraphServer) -> None:
    route = "/_thingsgraph/upload-entity-definitions"
    assert raw_control(server, "POST", route, b"\xff{}")[::2] == (
        400,
        {"message": f"POST {route}: the body is not UTF-8 (invalid start byte at byte 0)."},
    )
    assert raw_control(server, "POST", route, b"{")[::2] == (
        400,
        {
            "message": f"POST {route}: the body is not JSON: "
            "Expecting property name enclosed in double quotes at line 1 column 2."
        },
    )
    with ThingsGraphServer() as roomy:  # the default 8 MiB limit
        deep = raw_control(roomy, "POST", route, b"[" * 100_000)  # deeper than the decoder recurses
    assert deep[::2] == (400, {"message": f"POST {route}: the body is not JSON this server can read."})
    status, answer = control(server.endpoint_url, "POST", route, {"bogus": 1})
    assert status == 400
    assert answer["message"].startswith(f"POST {route}: unknown key 'bogus': use uploadId, script, ")


def test_the_report_takes_check_consumed_true_or_false(server: ThingsGraphServer) -> None:
    server.stub.add_upload("never-polled", ["SUCCEEDED"])
    reports = {
        query: control(server.endpoint_url, "GET", f"/_thingsgraph/report{query}")
        for query in ("", "?checkConsumed=true", "?checkConsumed=TRUE", "?checkConsumed=false")
    }
    assert reports[""] == reports["?checkConsumed=true"] == reports["?checkConsumed=TRUE"]
    assert reports[""][0] == 200
    assert "'never-polled': 0 of 1 items served" in reports[""][1]["failures"][0]
    assert reports["?checkConsumed=false"] == (200, {"failures": []})


def test_serving_passes_its_keywords_to_the_server() -> None:
    generator = serving(ThingsGraphStub(), max_body_bytes=10)
    server = next(generator)
    try:
        status, _, answer = responses(exchange(server, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n"))[0]
    finally:
        assert next(generator, None) is None  # as pytest ends a fixture: the server stops
    assert status == TOO_LARGE
    assert "limit of 10 bytes" in answer["message"]
    assert not server.running


def test_repr_says_where_it_listens_or_that_it_stopped() -> None:
    server = ThingsGraphServer()
    assert repr(server) == "<ThingsGraphServer stopped>"
    with server:
        assert repr(server) == f"<ThingsGraphServer http://127.0.0.1:{server.port}>"
    assert repr(server) == "<ThingsGraphServer stopped>"


# --- bodies on the wire ----------------------------------------------------------------------------------


def test_a_chunked_body_of_exactly_the_limit_is_read_and_one_byte_more_is_413(server: ThingsGraphServer) -> None:
    upload = json.dumps({"uploadId": "u", "script": ["SUCCEEDED"], "namespaceName": ""}).encode()
    padded = upload[:-1] + b" " * (LIMIT - len(upload)) + b"}"
    assert len(padded) == LIMIT
    half = LIMIT // 2
    body = b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (half, padded[:half], LIMIT - half, padded[half:])
    [(status, _, answer)] = responses(exchange(server, chunked("/_thingsgraph/uploads", body)))
    assert (status, answer) == ("HTTP/1.1 200 OK", {"uploadId": "u"})
    over = b"%x\r\n%s\r\n%x\r\n%s \r\n0\r\n\r\n" % (half, padded[:half], LIMIT - half + 1, padded[half:])
    [(status, headers, answer)] = responses(exchange(server, chunked("/_thingsgraph/reset", over)))
    assert (status, headers.get("connection")) == (TOO_LARGE, "close")
    assert answer == {
        "__type": "RequestEntityTooLarge",
        "message": f"The request body of more than that {TOO_LARGE_ADVICE}",
    }


def test_chunk_extensions_and_bare_line_feeds_are_read(server: ThingsGraphServer) -> None:
    body = b"1;name=value;other\r\n{\r\n1;x\n}\n0\n\n"
    then = b"GET /_thingsgraph/calls HTTP/1.1\r\nHost: x\r\n\r\n"  # pipelined: the body must end where it ends
    answers = responses(exchange(server, chunked("/_thingsgraph/reset", body) + then))
    assert [(status, answer) for status, _, answer in answers] == [
        ("HTTP/1.1 200 OK", {}),
        ("HTTP/1.1 200 OK", {"calls": []}),
    ]


def test_a_chunked_body_may_end_without_its_final_blank_line(server: ThingsGraphServer) -> None:
    [(status, _, answer)] = responses(exchange(server, chunked("/_thingsgraph/reset", b"2\r\n{}\r\n0\r\n")))
    assert (status, answer) == ("HTTP/1.1 200 OK", {})


def test_a_chunk_size_line_longer_than_a_kib_is_refused(server: ThingsGraphServer) -> None:
    body = b"2;" + b"x" * 4000 + b"\r\n{}\r\n0\r\n\r\n"
    [(status, _, answer)] = responses(exchange(server, chunked("/_thingsgraph/reset", body)))
    assert (status, answer) == (
        "HTTP/1.1 400 Bad Request",
        {"__type": "BadRequest", "message": "A chunk ended early or without its CRLF."},
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"g" * 30 + b"\r\n", "Chunk size b'gggggggggggggggggggg' is not hexadecimal."),
        (b"-2\r\n{}\r\n0\r\n\r\n", "A chunk size is negative."),
        (b"2\r\n{}xx0\r\n\r\n", "A chunk ended early or without its CRLF."),
        (b"0\r\n" + b"Trailer: x\r\n" * 101 + b"\r\n", "The chunked body has more than 100 trailer lines."),
    ],
)
def test_a_bad_chunked_body_is_400_naming_what_broke(server: ThingsGraphServer, body: bytes, message: str) -> None:
    [(status, headers, answer)] = responses(exchange(server, chunked("/_thingsgraph/reset", body)))
    assert (status, headers.get("connection")) == ("HTTP/1.1 400 Bad Request", "close")
    assert answer == {"__type": "BadRequest", "message": message}


def test_100_trailer_lines_are_read(server: ThingsGraphServer) -> None:
    body = b"2\r\n{}\r\n0\r\n" + b"Trailer: x\r\n" * 100 + b"\r\n"
    [(status, _, answer)] = responses(exchange(server, chunked("/_thingsgraph/reset", body)))
    assert (status, answer) == ("HTTP/1.1 200 OK", {})


def expect_continue(length: int, *, chunked_body: bool = False) -> bytes:
    framing = b"Transfer-Encoding: chunked" if chunked_body else b"Content-Length: %d" % length
    return b"POST /_thingsgraph/reset HTTP/1.1\r\nHost: x\r\n" + framing + b"\r\nExpect: 100-continue\r\n\r\n"


def test_expect_continue_up_to_the_limit_gets_100_continue(server: ThingsGraphServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as sock:
        sock.sendall(expect_continue(LIMIT))
        assert sock.recv(25) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(b"{" + b" " * (LIMIT - 2) + b"}")
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert [(status, body) for status, _, body in responses(answer)] == [("HTTP/1.1 200 OK", {})]
    chunked_answer = exchange(server, expect_continue(0, chunked_body=True) + b"2\r\n{}\r\n0\r\n\r\n")
    assert chunked_answer.startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
    assert [(status, body) for status, _, body in responses(chunked_answer[25:])] == [("HTTP/1.1 200 OK", {})]


def test_expect_continue_over_the_limit_gets_one_413_and_the_connection_closed(server: ThingsGraphServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as sock:
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


# --- requests the stdlib cannot parse -------------------------------------------------------------------


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
)
def test_an_unparsable_request_gets_a_json_error_and_the_connection_closed(
    server: ThingsGraphServer, request_bytes: bytes, status: str, answer: dict[str, str]
) -> None:
    # a second, valid request follows on the same connection: the server must not answer it
    followed = request_bytes + b"GET /_thingsgraph/calls HTTP/1.1\r\nHost: x\r\n\r\n"
    [(got_status, headers, got_answer)] = responses(exchange(server, followed))
    assert (got_status, got_answer) == (status, answer)
    assert (headers["connection"], headers["content-type"].lower()) == ("close", "application/json")


# --- the standalone server -------------------------------------------------------------------------------


def test_help_shows_each_option_with_what_it_does(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "1000")  # no wrapping (which breaks lines after hyphens too)
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert text.startswith("usage: thingsgraph-server [-h] [--host HOST] [--port PORT] [--script FILE] ")
    assert "[--log-requests] [--assert-all-consumed | --no-assert-all-consumed]" in text
    for words in (
        "Serve a pytest-thingsgraph stub of AWS IoT Things Graph over HTTP. The first line on stdout holds the "
        "endpoint URL; SIGINT or SIGTERM stops the server, prints the teardown report to stderr and exits 1 if it "
        "has failures.",
        "--host HOST address to listen on (default 127.0.0.1). Any non-loopback address prints a warning: "
        "the control API has no authentication.",
        "--port PORT port to listen on; 0 (the default) picks a free one",
        '--script FILE JSON script file: {"uploads": [...], "uploadEntityDefinitions": [...]} (see ',
        "--timeout TIMEOUT seconds a silent connection is kept open (default 10)",
        "--max-body-bytes MAX_BODY_BYTES larger request bodies get 413 (default 8 MiB)",
        "--log-requests log each request's method, path and status to stderr",
        *(f"--no-{name.replace('_', '-')} {OPTION_HELP[name]}" for name in SERVER_OPTIONS),
    ):
        assert words in text


def test_the_default_body_limit_is_8_mib() -> None:
    answers: list[bytes] = []

    def ask(url: str) -> None:
        port = int(url.rsplit(":", 1)[1])
        for length in (8 * 1024 * 1024, 8 * 1024 * 1024 + 1):
            with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
                sock.sendall(expect_continue(length))
                answers.append(sock.recv(40))

    assert run(then=ask).status == 0
    assert answers[0] == b"HTTP/1.1 100 Continue\r\n\r\n"
    assert answers[1].startswith(b"HTTP/1.1 413 ")


def test_timeout_closes_a_silent_connection_long_before_the_default() -> None:
    closed: list[bytes] = []

    def stay_silent(url: str) -> None:
        port = int(url.rsplit(":", 1)[1])
        # 0.2 s asked; 8 s is 40 times that (room for a loaded machine), and still short of the 10 s default
        with socket.create_connection(("127.0.0.1", port), timeout=8.0) as silent:
            closed.append(silent.recv(1))

    run("--timeout", "0.2", then=stay_silent)
    assert closed == [b""]


def test_log_requests_writes_one_line_a_request_to_stderr() -> None:
    # basicConfig() does nothing while the root logger has handlers (pytest's): make it bare, as in a fresh process
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    root.handlers.clear()
    try:

        def script(url: str) -> None:
            control(url, "POST", "/_thingsgraph/uploads", {"uploadId": "u", "script": ["SUCCEEDED"]})
            connection = connect(url)
            try:
                call(connection, url, {"uploadId": "u"})
            finally:
                connection.close()

        result = run("--log-requests", then=script)
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers[:] = handlers
        root.setLevel(level)
    assert result.status == 0
    assert result.stderr == (
        "thingsgraph-server: POST /_thingsgraph/uploads -> 200\n"
        "thingsgraph-server: POST / -> 200\n"
        "thingsgraph-server: stopped; 1 call answered, no failures.\n"
    )


def test_each_section_of_the_report_is_its_own_paragraph() -> None:
    def misuse(url: str) -> None:
        control(url, "POST", "/_thingsgraph/uploads", {"uploadId": "never-polled", "script": ["SUCCEEDED"]})
        connection = connect(url)
        try:
            call(connection, url, {})  # no uploadId: invalid
        finally:
            connection.close()

    result = run(then=misuse)
    assert result.status == 1
    sections = result.stderr.removesuffix("\n").split("\n\n")
    assert len(sections) == 2
    assert sections[0].startswith("These uploads were not polled to the end of their scripts:\n")
    assert sections[1].startswith("These requests were invalid and were answered with the service's error:\n")


def test_a_non_loopback_host_gets_the_whole_warning() -> None:
    result = run_without_listening("--host", "192.0.2.1")  # TEST-NET-1: on no interface, the bind fails
    assert result.stderr.splitlines()[0] == (
        "WARNING: thingsgraph server: listening on 192.0.2.1, which is not a loopback address: anyone who can reach "
        "it can script the stub and read its calls through the control API, which has no authentication. "
        "Use --host 127.0.0.1 unless other machines (or containers) must reach it."
    )


def test_the_listening_line_reaches_a_buffered_pipe_at_once() -> None:
    """A parent reads the first line from a pipe (block-buffered): it must arrive while the server runs."""
    read_end, write_end = os.pipe()
    lines: list[str] = []

    def read_then_stop() -> None:
        try:
            if select.select([read_end], [], [], TIMEOUT)[0]:
                lines.append(os.read(read_end, 4096).decode())
        finally:
            handler = signal.getsignal(signal.SIGTERM)
            assert callable(handler)
            handler(signal.SIGTERM, None)

    with open(write_end, "w") as piped, redirect_stdout(piped), redirect_stderr(io.StringIO()):
        reader = threading.Thread(target=read_then_stop, daemon=True)
        threading.Timer(0, reader.start).start()
        status = main([])
    reader.join(TIMEOUT)
    os.close(read_end)
    assert status == 0
    assert len(lines) == 1
    assert LISTENING.fullmatch(lines[0])


def test_the_console_script_exits_with_mains_status(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("sys.argv", ["thingsgraph-server", "--script", str(tmp_path / "none.json")])
    with redirect_stderr(io.StringIO()) as stderr, pytest.raises(SystemExit) as exited:
        console_script()
    assert exited.value.code == 2
    assert stderr.getvalue().startswith(f"thingsgraph-server: --script {tmp_path / 'none.json'}: cannot read it: ")


# --- the service's side of the wire ------------------------------------------------------------------------


def signed_request(server: ThingsGraphServer, body: bytes, *, content_length: bool = True) -> bytes:
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


def test_a_request_without_content_length_has_an_empty_body(server: ThingsGraphServer) -> None:
    without = responses(exchange(server, signed_request(server, b"", content_length=False)))
    with_zero = responses(exchange(server, signed_request(server, b"")))
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
    assert [call.request for call in server.stub.calls] == [{}, {}]


def test_an_unsigned_request_takes_its_region_from_the_host_header(server: ThingsGraphServer) -> None:
    body = b'{"uploadId": "u"}'
    request = (
        b"POST / HTTP/1.1\r\nHost: iotthingsgraph.eu-west-1.amazonaws.com\r\n"
        b"X-Amz-Target: IotThingsGraphFrontEndService.GetUploadStatus\r\n"
        b"Content-Type: application/x-amz-json-1.1\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    [(status, _, answer)] = responses(exchange(server, request))
    assert (status, answer["__type"]) == ("HTTP/1.1 403 Forbidden", "MissingAuthenticationTokenException")
    assert [(call.region, call.status_code) for call in server.stub.calls] == [("eu-west-1", 403)]


def test_an_undocumented_status_has_an_empty_reason_phrase(server: ThingsGraphServer) -> None:
    server.stub.on_upload_entity_definitions(ServiceError("OddException", "odd", status_code=499))
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as sock:
        body = json.dumps(DOCUMENT).encode()
        headers = signed_headers(server.endpoint_url + "/", body, operation="UploadEntityDefinitions")
        headers["Content-Length"] = str(len(body))
        sock.sendall(
            b"POST / HTTP/1.1\r\n" + b"".join(f"{k}: {v}\r\n".encode() for k, v in headers.items()) + b"\r\n" + body
        )
        assert sock.recv(13) == b"HTTP/1.1 499 "
        assert sock.recv(2) == b"\r\n"


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
def test_a_body_that_cannot_be_read_is_400_naming_why(server: ThingsGraphServer, head: bytes, message: str) -> None:
    answer = exchange(server, b"POST /_thingsgraph/reset HTTP/1.1\r\nHost: x\r\n" + head + b"\r\n{}")
    [(status, headers, document)] = responses(answer)
    assert (status, headers["connection"]) == ("HTTP/1.1 400 Bad Request", "close")
    assert document == {"__type": "BadRequest", "message": message}


def test_a_content_length_over_the_limit_is_413_naming_both_sizes(server: ThingsGraphServer) -> None:
    answer = exchange(server, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n")
    [(status, headers, document)] = responses(answer)
    assert (status, headers["connection"]) == (TOO_LARGE, "close")
    assert document == {
        "__type": "RequestEntityTooLarge",
        "message": f"The request body of 1001 bytes {TOO_LARGE_ADVICE}",
    }


def test_head_gets_the_head_alone(server: ThingsGraphServer) -> None:
    answer = exchange(server, b"HEAD /_thingsgraph/calls HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 405 Method Not Allowed\r\n")
    assert answer.endswith(b"\r\n\r\n")
    assert b"{" not in answer


def test_the_control_prefix_alone_and_queries_with_question_marks(server: ThingsGraphServer) -> None:
    [(status, _, answer)] = responses(exchange(server, b"GET /_thingsgraph HTTP/1.1\r\nHost: x\r\n\r\n"))
    assert status == "HTTP/1.1 404 Not Found"
    assert answer["message"].startswith("No control API at /_thingsgraph: use one of POST /_thingsgraph/uploads; ")
    [(status, _, answer)] = responses(exchange(server, b"GET /_thingsgraph/calls?a=?b HTTP/1.1\r\nHost: x\r\n\r\n"))
    assert (status, answer) == ("HTTP/1.1 200 OK", {"calls": []})


def test_a_tls_record_is_closed_without_an_answer_even_with_line_ends(server: ThingsGraphServer) -> None:
    assert exchange(server, b"\x16\x03\x01\x00\x05hello\r\n\r\n") == b""
    assert exchange(server, b"\x17\x03\x01\x00\x05hello\r\n\r\n").startswith(b"HTTP/1.1 400 ")  # not a handshake


def test_each_request_is_logged_with_its_path_without_the_query(
    server: ThingsGraphServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="pytest_thingsgraph.server")
    exchange(server, b"GET /_thingsgraph/calls?a=1?b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert exchange(server, b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n").startswith(b"HTTP/1.1 414 ")
    assert [
        (record.name, record.levelno, record.getMessage())
        for record in caplog.records
        if record.levelno >= logging.INFO
    ] == [
        ("pytest_thingsgraph.server", logging.INFO, "GET /_thingsgraph/calls -> 200"),
        ("pytest_thingsgraph.server", logging.INFO, "  -> 414"),  # no method or path was read
    ]


def test_stop_waits_for_a_request_in_flight(monkeypatch: pytest.MonkeyPatch) -> None:
    stub = ThingsGraphStub()
    answering, release = threading.Event(), threading.Event()
    real_answer = stub.answer

    def slow_answer(request: Any) -> Any:
        answering.set()
        release.wait(TIMEOUT)
        return real_answer(request)

    monkeypatch.setattr(stub, "answer", slow_answer)
    server = ThingsGraphServer(stub).start()
    client = threading.Thread(target=exchange, args=(server, signed_request(server, b"{}")), daemon=True)
    client.start()
    assert answering.wait(TIMEOUT)
    handlers = [thread for thread in threading.enumerate() if "process_request_thread" in thread.name]
    assert len(handlers) == 1
    threading.Timer(0.2, release.set).start()
    server.stop()
    assert not handlers[0].is_alive()  # joined: the answer was written before stop() returned
    client.join(TIMEOUT)


# --- ThingsGraphServer's own arguments and life ---------------------------------------------------------


def test_ipv6_loopback_serves_where_the_machine_has_one() -> None:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError as error:
        pytest.skip(f"no IPv6 loopback on this machine: {error}")
    with ThingsGraphServer(host="::1") as server:  # must not fail where a plain socket binds
        assert server.endpoint_url == f"http://[::1]:{server.port}"
        with socket.create_connection(("::1", server.port), timeout=TIMEOUT) as sock:
            sock.sendall(b"GET /_thingsgraph/calls HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert sock.recv(15) == b"HTTP/1.1 200 OK"


def test_by_default_the_os_picks_a_free_port_for_each_server() -> None:
    with ThingsGraphServer() as first, ThingsGraphServer() as second:
        assert first.port != second.port
        assert exchange(first, b"GET /_thingsgraph/calls HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 200 ")
        assert exchange(second, b"GET /_thingsgraph/calls HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 200 ")


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ({"timeout": True}, "ThingsGraphServer timeout=True is not a number of seconds: pass one above 0."),
        ({"timeout": "10"}, "ThingsGraphServer timeout='10' is not a number of seconds: pass one above 0."),
        ({"max_body_bytes": True}, "ThingsGraphServer max_body_bytes=True is not a size: pass an int above 0."),
        ({"max_body_bytes": "8"}, "ThingsGraphServer max_body_bytes='8' is not a size: pass an int above 0."),
        ({"max_body_bytes": 0}, "ThingsGraphServer max_body_bytes=0 is not a size: pass an int above 0."),
    ],
)
def test_arguments_that_are_not_numbers_are_refused_by_name(keywords: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError) as caught:
        ThingsGraphServer(**keywords)
    assert str(caught.value) == message


def test_a_one_byte_limit_is_a_limit() -> None:
    request = b"POST /_thingsgraph/reset HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s"
    with ThingsGraphServer(max_body_bytes=1) as server:
        [(status, _, _)] = responses(exchange(server, request % (1, b"{")))
        assert status == "HTTP/1.1 200 OK"
        [(status, _, _)] = responses(exchange(server, request % (2, b"{}")))
        assert status == TOO_LARGE


def test_without_a_stub_the_server_serves_one_of_its_own() -> None:
    with ThingsGraphServer() as server:
        server.stub.add_upload("own", ["SUCCEEDED"])
        connection = connect(server.endpoint_url)
        try:
            status, _, body = call(connection, server.endpoint_url, {"uploadId": "own"})
        finally:
            connection.close()
        assert (status, json.loads(body)["uploadStatus"]) == (200, "SUCCEEDED")


def test_starting_twice_says_what_to_do() -> None:
    with ThingsGraphServer() as server, pytest.raises(UsageError) as caught:
        server.start()
    assert str(caught.value) == "ThingsGraphServer.start(): the server is already running: stop() it first."


def test_the_non_loopback_warning_points_at_the_caller_of_start() -> None:
    server = ThingsGraphServer(host="192.0.2.1")  # TEST-NET-1: on no interface, the bind fails after the warning
    with warnings.catch_warnings(record=True) as caught, pytest.raises(OSError, match="address"):
        warnings.simplefilter("always")
        server.start()
    [warning] = caught
    assert str(warning.message) == (
        "thingsgraph server: listening on 192.0.2.1, which is not a loopback address: anyone who can reach it "
        "can script the stub and read its calls through the control API, which has no authentication. "
        "Use --host 127.0.0.1 unless other machines (or containers) must reach it."
    )
    if "MUTANT_UNDER_TEST" not in os.environ:  # mutmut's trampoline (tox -e mutation) adds a frame of its own
        assert warning.filename == __file__


def test_a_server_never_stopped_does_not_keep_its_process_alive() -> None:
    code = "from pytest_thingsgraph import ThingsGraphServer; print(ThingsGraphServer().start().port > 0)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert (done.returncode, done.stdout) == (0, "True\n")

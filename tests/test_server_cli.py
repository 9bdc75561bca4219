"""The standalone server (``thingsgraph-server``, ``python -m pytest_thingsgraph.server``): each option's effect,
its defaults and help, the exact messages, exit codes 0/1/2 and the teardown report.

Most tests run ``main()`` in the test's (main) thread, as the console script does; a helper thread waits for the
listening line, makes the calls, then calls the handler ``main()`` installed for the signal, as the signal would.
The last ones start the server in a child process and stop it with real signals.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import closing, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest
from server_helpers import TIMEOUT, call, connect, control, expect_continue, read_line, tool

from pytest_thingsgraph._options import OPTION_HELP
from pytest_thingsgraph.server import SERVER_OPTIONS, _parser, main
from pytest_thingsgraph.server import run as console_script

LISTENING = re.compile(r"thingsgraph-server listening on (http://127\.0\.0\.1:\d+) \(control API: \1/_thingsgraph/\)\n")


@dataclass
class Run:
    status: int
    stdout: str
    stderr: str


@pytest.fixture(autouse=True)
def _signal_handlers() -> Iterator[None]:
    """``main()`` installs its own SIGINT and SIGTERM handlers: put pytest's back."""
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


def run(
    *arguments: str, then: Callable[[str], None] = lambda url: None, signum: signal.Signals = signal.SIGTERM
) -> Run:
    """``main(arguments)``; once it listens, ``then(endpoint_url)`` runs in a thread, then ``signum`` arrives."""
    stdout, stderr = io.StringIO(), io.StringIO()
    errors: list[BaseException] = []

    def drive() -> None:
        deadline = time.monotonic() + TIMEOUT
        while not (listening := LISTENING.match(stdout.getvalue())):
            if time.monotonic() > deadline:
                errors.append(AssertionError(f"no listening line in {stdout.getvalue()!r}"))
                break
            time.sleep(0.005)
        try:
            if listening:
                then(listening.group(1))
        except BaseException as error:  # reported by the test, after main() returned
            errors.append(error)
        finally:
            handler = signal.getsignal(signum)
            assert callable(handler), f"main() installed no handler for {signum!r}"
            handler(signum, None)

    driver = threading.Thread(target=drive, daemon=True)
    with redirect_stdout(stdout), redirect_stderr(stderr):
        driver.start()
        status = main(list(arguments))
    driver.join(TIMEOUT)
    if errors:
        raise errors[0]
    return Run(status, stdout.getvalue(), stderr.getvalue())


def run_without_listening(*arguments: str) -> Run:
    """``main(arguments)`` for a run that must end before it listens."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with redirect_stdout(stdout), redirect_stderr(stderr):
        status = main(list(arguments))
    return Run(status, stdout.getvalue(), stderr.getvalue())


@pytest.fixture
def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- serving and stopping --------------------------------------------------------------------------------------


def test_a_script_file_is_served_and_sigterm_stops_cleanly(tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"uploads": [{"uploadId": "u-1", "script": ["IN_PROGRESS", "SUCCEEDED"]}]}))
    statuses: list[str] = []

    def poll(url: str) -> None:
        with closing(connect(url)) as connection:
            for _ in range(2):
                statuses.append(json.loads(call(connection, url, {"uploadId": "u-1"})[2])["uploadStatus"])

    result = run("--script", str(script), then=poll)

    assert statuses == ["IN_PROGRESS", "SUCCEEDED"]
    assert result.status == 0
    assert LISTENING.fullmatch(result.stdout)
    assert result.stderr == "thingsgraph-server: stopped; 2 calls answered, no failures.\n"


def test_a_script_files_responses_are_served_and_one_never_taken_fails_the_run(tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    namespace = {"operation": "describe_namespace", "response": {"namespaceName": "acme", "namespaceVersion": 3}}
    untaken = {"operation": "DescribeNamespace", "match": {"namespaceName": "other"}, "response": {}}
    script.write_text(json.dumps({"responses": [namespace, untaken]}))
    answers: list[tuple[int, object]] = []

    def describe(url: str) -> None:
        with closing(connect(url)) as connection:
            status, _, body = call(connection, url, {}, operation="DescribeNamespace")
        answers.append((status, json.loads(body)))

    result = run("--script", str(script), then=describe)

    assert answers == [(200, {"namespaceName": "acme", "namespaceVersion": 3})]
    assert result.status == 1
    assert result.stderr == (
        "These DescribeNamespace answers were never taken:\n"
        "- answer 2 (match={'namespaceName': 'other'}): {}\n"
        "Make the calls that take them, or remove them; if some are optional, "
        "start thingsgraph-server with --no-assert-all-consumed (see 'Options and teardown' in the README of "
        "pytest-thingsgraph)\n"
    )


def test_sigint_stops_too_and_an_unused_script_fails_the_run_with_the_report() -> None:
    def script(url: str) -> None:
        control(url, "POST", "/_thingsgraph/uploads", {"uploadId": "never-polled", "script": ["SUCCEEDED"]})

    result = run(then=script, signum=signal.SIGINT)

    assert result.status == 1
    assert "These uploads were not polled to the end of their scripts:" in result.stderr
    assert "'never-polled': 0 of 1 items served" in result.stderr
    assert "stopped;" not in result.stderr


def test_each_section_of_the_report_is_its_own_paragraph() -> None:
    def misuse(url: str) -> None:
        control(url, "POST", "/_thingsgraph/uploads", {"uploadId": "never-polled", "script": ["SUCCEEDED"]})
        with closing(connect(url)) as connection:
            call(connection, url, {})  # no uploadId: invalid

    result = run(then=misuse)
    assert result.status == 1
    sections = result.stderr.removesuffix("\n").split("\n\n")
    assert len(sections) == 2
    assert sections[0].startswith("These uploads were not polled to the end of their scripts:\n")
    assert sections[1].startswith("These requests were invalid and were answered with the service's error:\n")


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


# --- each option's effect --------------------------------------------------------------------------------------


def test_no_assert_all_consumed_lets_an_unused_script_pass() -> None:
    def script(url: str) -> None:
        control(url, "POST", "/_thingsgraph/uploads", {"uploadId": "never-polled", "script": ["SUCCEEDED"]})

    result = run("--no-assert-all-consumed", then=script)

    assert (result.status, result.stderr) == (0, "thingsgraph-server: stopped; 0 calls answered, no failures.\n")


@pytest.mark.parametrize("allowed", [False, True])
def test_allow_invalid_requests_decides_whether_an_invalid_request_fails_the_run(allowed: bool) -> None:
    answers: list[int] = []

    def invalid(url: str) -> None:
        with closing(connect(url)) as connection:
            answers.append(call(connection, url, {"uploadId": ""})[0])

    result = run(*(["--allow-invalid-requests"] if allowed else []), then=invalid)

    assert answers == [400]
    assert result.status == (0 if allowed else 1)
    assert ("uploadId" in result.stderr) is not allowed


@pytest.mark.parametrize("checked", [False, True])
def test_validate_definitions_decides_whether_a_bad_graphql_document_ends_failed(checked: bool) -> None:
    pytest.importorskip("graphql")
    statuses: list[str] = []

    def upload_then_poll(url: str) -> None:
        control(url, "POST", "/_thingsgraph/upload-entity-definitions", {"uploadId": "u", "script": ["SUCCEEDED"]})
        with closing(connect(url)) as connection:
            document = {"document": {"language": "GRAPHQL", "text": "type {"}}
            call(connection, url, document, operation="UploadEntityDefinitions")
            statuses.append(json.loads(call(connection, url, {"uploadId": "u"})[2])["uploadStatus"])

    run(*(["--validate-definitions"] if checked else []), then=upload_then_poll)

    assert statuses == ["FAILED" if checked else "SUCCEEDED"]


def test_max_body_bytes_refuses_a_larger_body_with_413() -> None:
    answers: list[int] = []

    def send(url: str) -> None:
        for size in (100, 101):
            with closing(connect(url)) as connection:
                connection.request("POST", "/", body=b" " * size)
                answers.append(connection.getresponse().status)

    run("--max-body-bytes", "100", "--allow-invalid-requests", then=send)

    assert answers[1] == 413
    assert answers[0] != 413


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


def test_timeout_closes_a_silent_connection() -> None:
    closed: list[bytes] = []

    def stay_silent(url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=TIMEOUT) as silent:
            closed.append(silent.recv(1))  # b"" once the server gives up on it

    run("--timeout", "0.2", then=stay_silent)

    assert closed == [b""]


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
            with closing(connect(url)) as connection:
                call(connection, url, {"uploadId": "u"})

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


def test_port_picks_the_port(unused_port: int) -> None:
    urls: list[str] = []
    run("--port", str(unused_port), then=urls.append)
    assert urls == [f"http://127.0.0.1:{unused_port}"]


# --- what stops it before it listens --------------------------------------------------------------------------


def test_a_port_in_use_exits_2_naming_the_address() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_without_listening("--port", str(port))
    assert result.status == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"thingsgraph-server: cannot listen on 127.0.0.1:{port}: ")


def test_a_non_loopback_host_is_warned_about_once_before_listening() -> None:
    # 192.0.2.1 (TEST-NET-1) is on no interface: the bind fails after the warning
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        result = run_without_listening("--host", "192.0.2.1")
    assert result.status == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith("WARNING: thingsgraph server: listening on 192.0.2.1, which is not a loopback address")
    assert lines[-1].startswith("thingsgraph-server: cannot listen on 192.0.2.1:0: ")
    assert result.stderr.count("WARNING") == 1
    assert len(warned) == 0  # printed, not also raised as a Python warning


def test_a_non_loopback_host_gets_the_whole_warning() -> None:
    result = run_without_listening("--host", "192.0.2.1")  # TEST-NET-1: on no interface, the bind fails
    assert result.stderr.splitlines()[0] == (
        "WARNING: thingsgraph server: listening on 192.0.2.1, which is not a loopback address: anyone who can reach "
        "it can script the stub and read its calls through the control API, which has no authentication. "
        "Use --host 127.0.0.1 unless other machines (or containers) must reach it."
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{", "--script {}: not JSON: Expecting property name enclosed in double quotes at line 1 column 2.\n"),
        (b"\xff{}", "--script {}: not UTF-8 (invalid start byte at byte 0).\n"),
        (
            b'{"uploads": [{"uploadId": "u"}]}',
            "{}: uploads[0]: script is missing: every upload needs uploadId and script.\n",
        ),
    ],
)
def test_a_bad_script_file_exits_2_with_the_reason(tmp_path: Path, content: bytes, message: str) -> None:
    script = tmp_path / "bad.json"
    script.write_bytes(content)
    result = run_without_listening("--script", str(script))
    assert (result.status, result.stdout) == (2, "")
    assert result.stderr == "thingsgraph-server: " + message.format(script)


def test_a_missing_script_file_exits_2() -> None:
    result = run_without_listening("--script", "/nonexistent/none.json")
    assert result.status == 2
    assert result.stderr == (
        "thingsgraph-server: --script /nonexistent/none.json: cannot read it: No such file or directory.\n"
    )


# --- the parser: defaults and help -----------------------------------------------------------------------------


def test_the_defaults_are_the_documented_ones() -> None:
    arguments = _parser().parse_args([])
    assert vars(arguments) == {
        "host": "127.0.0.1",
        "port": 0,
        "script": None,
        "timeout": 10.0,
        "max_body_bytes": 8 * 1024 * 1024,
        "log_requests": False,
        "assert_all_consumed": True,
        "allow_invalid_requests": False,
        "validate_definitions": False,
    }


def test_the_help_says_what_each_option_does() -> None:
    parser = _parser()
    assert parser.prog == "thingsgraph-server"
    assert parser.description == (
        "Serve a pytest-thingsgraph stub of AWS IoT Things Graph over HTTP. The first line on stdout holds the "
        "endpoint URL; SIGINT or SIGTERM stops the server, prints the teardown report to stderr and exits 1 if it "
        "has failures."
    )
    helps = {action.option_strings[-1]: action.help for action in parser._actions}
    assert helps == {
        "--help": "show this help message and exit",
        "--host": "address to listen on (default 127.0.0.1). Any non-loopback address prints a warning: "
        "the control API has no authentication.",
        "--port": "port to listen on; 0 (the default) picks a free one",
        "--script": 'JSON script file: {"uploads": [...], "uploadEntityDefinitions": [...], "responses": [...]} '
        "(see its format below)",
        "--timeout": "seconds a silent connection is kept open (default 10)",
        "--max-body-bytes": "larger request bodies get 413 (default 8 MiB)",
        "--log-requests": "log each request's method, path and status to stderr",
        # the stub's own options: their one help text, from _options.OPTION_HELP
        "--no-assert-all-consumed": OPTION_HELP["assert_all_consumed"],
        "--no-allow-invalid-requests": OPTION_HELP["allow_invalid_requests"],
        "--no-validate-definitions": OPTION_HELP["validate_definitions"],
    }
    assert {action.option_strings[-1]: action.metavar for action in parser._actions}["--script"] == "FILE"
    assert "(default: " not in parser.format_help()  # each default named once, on every Python


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
        '--script FILE JSON script file: {"uploads": [...], "uploadEntityDefinitions": [...], "responses": [...]} '
        "(see ",
        "--timeout TIMEOUT seconds a silent connection is kept open (default 10)",
        "--max-body-bytes MAX_BODY_BYTES larger request bodies get 413 (default 8 MiB)",
        "--log-requests log each request's method, path and status to stderr",
        *(f"--no-{name.replace('_', '-')} {OPTION_HELP[name]}" for name in SERVER_OPTIONS),
    ):
        assert words in text


def test_the_help_wraps_each_line_of_the_script_format_as_a_paragraph_under_its_indent(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")  # argparse wraps at 78
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert (  # the unindented description as argparse wraps it
        "\n\nServe a pytest-thingsgraph stub of AWS IoT Things Graph over HTTP. The first\n"
        "line on stdout holds the endpoint URL; SIGINT or SIGTERM stops the server,\n"
        "prints the teardown report to stderr and exits 1 if it has failures.\n\n"
    ) in out
    assert out[out.index("script file (--script FILE)") :] == (
        "script file (--script FILE) and control API:\n"
        '  {"uploads": [UPLOAD, ...], "uploadEntityDefinitions": [UPLOAD or ERROR,\n'
        '    ...], "responses": [RESPONSE, ...]}\n'
        '  UPLOAD: {"uploadId": "u-1", "script": [ITEM, ...]} with any of\n'
        '    "namespaceName", "namespaceArn", "namespaceVersion", "createdDate" (epoch\n'
        '    seconds, or ISO 8601 text with an offset: "2024-05-01T12:00:00Z"),\n'
        '    "failureReason" and "region": add_upload\'s arguments, in camelCase.\n'
        '  ITEM: a status ("IN_PROGRESS", "SUCCEEDED", "FAILED"), an object of response\n'
        "    members, or an ERROR.\n"
        '  ERROR: {"__type": "ThrottlingException", "message": "Rate exceeded",\n'
        '    "statusCode": 400}; "statusCode" only for a code the service does not\n'
        "    document.\n"
        "  An uploadEntityDefinitions entry answers the next UploadEntityDefinitions\n"
        '    call: its "uploadId" and "script" are optional, it has no "region", and\n'
        '    "expected": {...} names request members the call must carry.\n'
        '  RESPONSE: {"operation": "GetSystemInstance", "response": {...}} or\n'
        '    {"operation": "GetSystemInstance", "error": ERROR}, with any of "match"\n'
        '    and "expected": add_response\'s arguments, for any operation but the two\n'
        '    upload ones, named as the API ("SearchEntities") or the client\'s method\n'
        '    ("search_entities"). A call takes the first RESPONSE of its operation\n'
        '    whose "match" (request members) it carries; "expected" names request\n'
        "    members it must carry. Timestamps are epoch seconds or ISO 8601 text with\n"
        '    an offset; {"$any": true} in "match" or "expected" stands for any value.\n'
        "  POST /_thingsgraph/uploads takes an UPLOAD, POST\n"
        "    /_thingsgraph/upload-entity-definitions an entry, POST\n"
        "    /_thingsgraph/responses a RESPONSE; GET /_thingsgraph/calls and\n"
        "    /_thingsgraph/report show what happened; POST /_thingsgraph/reset forgets\n"
        "    it.\n"
        "example:\n"
        '  {"uploads": [{"uploadId": "u-1", "script": ["IN_PROGRESS", {"__type":\n'
        '    "ThrottlingException"}, "SUCCEEDED"]}]}\n'
    )


def test_the_script_option_reads_a_path_and_the_numbers_are_numbers(tmp_path: Path) -> None:
    arguments = _parser().parse_args(
        ["--script", str(tmp_path), "--port", "8", "--timeout", "0.5", "--max-body-bytes", "9", "--host", "::1"]
    )
    assert (arguments.script, arguments.port, arguments.timeout, arguments.max_body_bytes, arguments.host) == (
        tmp_path,
        8,
        0.5,
        9,
        "::1",
    )


# --- in a child process, stopped by real signals ----------------------------------------------------------------


URL = re.compile(r"http://127\.0\.0\.1:\d+")


class Running:
    """A ``python -m pytest_thingsgraph.server`` child and the endpoint URL from its first line."""

    def __init__(self, *arguments: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pytest_thingsgraph.server", *arguments],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.first_line = read_line(self.process)
        match = URL.search(self.first_line)
        assert match, f"no endpoint URL in the first line {self.first_line!r}"
        self.url = match.group()

    def stop(self, signum: int = signal.SIGTERM) -> tuple[int, str]:
        """Send ``signum``; the exit status and stderr."""
        self.process.send_signal(signum)
        _, stderr = self.process.communicate(timeout=TIMEOUT)
        return self.process.returncode, stderr


@pytest.fixture
def started() -> Iterator[list[Running]]:
    """Children started by a test; any left running are killed."""
    children: list[Running] = []
    yield children
    for child in children:
        if child.process.poll() is None:
            child.process.kill()
            child.process.communicate(timeout=TIMEOUT)


def start(started: list[Running], *arguments: str) -> Running:
    child = Running(*arguments)
    started.append(child)
    return child


def run_child(*arguments: str) -> subprocess.CompletedProcess[str]:
    """``python -m pytest_thingsgraph.server arguments`` for a run that ends by itself: its status and output."""
    command = [sys.executable, "-m", "pytest_thingsgraph.server", *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)


def test_script_file_served_then_clean_exit_on_sigterm(started: list[Running], tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    script.write_text(
        json.dumps(
            {
                "uploads": [
                    {"uploadId": "u-1", "script": ["IN_PROGRESS", "SUCCEEDED"], "namespaceVersion": 4},
                    {
                        "uploadId": "u-2",
                        "script": [{"__type": "InternalFailureException", "statusCode": 500}, "FAILED"],
                    },
                ],
                "uploadEntityDefinitions": [{"uploadId": "u-3", "script": ["SUCCEEDED"]}],
            }
        )
    )
    child = start(started, "--script", str(script))
    assert child.first_line.startswith("thingsgraph-server listening on http://127.0.0.1:")
    with closing(connect(child.url)) as connection:
        polls = [call(connection, child.url, {"uploadId": upload}) for upload in ("u-1", "u-1", "u-2", "u-2")]
        created = call(
            connection,
            child.url,
            {"document": {"language": "GRAPHQL", "text": "type A { b: Int }"}},
            operation="UploadEntityDefinitions",
        )
        polled = call(connection, child.url, {"uploadId": "u-3"})
        elsewhere = call(connection, child.url, {"uploadId": "u-3"}, region="ap-south-1")
    assert [status for status, _, _ in polls] == [200, 200, 500, 200]
    assert [json.loads(body).get("uploadStatus") for _, _, body in polls] == [
        "IN_PROGRESS",
        "SUCCEEDED",
        None,
        "FAILED",
    ]
    assert json.loads(polls[1][2])["namespaceVersion"] == 4
    assert json.loads(created[2]) == {"uploadId": "u-3"}
    assert json.loads(polled[2])["uploadStatus"] == "SUCCEEDED"
    assert json.loads(elsewhere[2])["__type"] == "ResourceNotFoundException"  # it lives in the call's region
    status, calls = control(child.url, "GET", "/_thingsgraph/calls")
    assert status == 200
    assert [(c["region"], c["statusCode"]) for c in calls["calls"]][-2:] == [("us-east-1", 200), ("ap-south-1", 404)]

    returncode, stderr = child.stop(signal.SIGTERM)
    assert returncode == 0, stderr
    assert "7 calls answered, no failures" in stderr


def test_unused_script_fails_on_sigint(started: list[Running]) -> None:
    child = start(started)
    upload = {"uploadId": "never-polled", "script": ["IN_PROGRESS", "SUCCEEDED"]}
    assert control(child.url, "POST", "/_thingsgraph/uploads", upload) == (200, {"uploadId": "never-polled"})
    status, report = control(child.url, "GET", "/_thingsgraph/report")
    assert status == 200
    assert len(report["failures"]) == 1

    returncode, stderr = child.stop(signal.SIGINT)
    assert returncode == 1
    assert "These uploads were not polled to the end of their scripts:" in stderr
    assert "'never-polled': 0 of 2 items served" in stderr


def test_an_unanswered_call_fails_the_run(started: list[Running]) -> None:
    child = start(started)
    with closing(connect(child.url)) as connection:
        status, _, body = call(connection, child.url, {}, operation="DescribeNamespace")
    assert status == 400
    assert json.loads(body)["__type"] == "StubError"
    returncode, stderr = child.stop()
    assert returncode == 1
    assert "DescribeNamespace (request 1) has no answer queued" in stderr


def test_stub_options_on_the_command_line(started: list[Running]) -> None:
    child = start(started, "--no-assert-all-consumed", "--allow-invalid-requests")
    control(child.url, "POST", "/_thingsgraph/uploads", {"uploadId": "u", "script": ["IN_PROGRESS"]})
    with closing(connect(child.url)) as connection:
        status, _, _ = call(connection, child.url, {"uploadId": ""})  # invalid: allowed
    assert status == 400
    returncode, stderr = child.stop()
    assert returncode == 0, stderr


@pytest.mark.parametrize("logged", [False, True])
def test_log_requests_logs_each_request_to_stderr(started: list[Running], logged: bool) -> None:
    child = start(started, "--no-assert-all-consumed", "--allow-invalid-requests", *(["--log-requests"] * logged))
    with closing(connect(child.url)) as connection:
        status, _, _ = call(connection, child.url, {"uploadId": "absent"})
    assert status == 404
    returncode, stderr = child.stop()
    assert returncode == 0, stderr
    assert ("thingsgraph-server: POST / -> 404\n" in stderr) is logged, stderr


def test_console_script_help() -> None:
    result = subprocess.run(
        [tool("thingsgraph-server"), "--help"], capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    assert result.returncode == 0
    for option in ("--host", "--port", "--script", "--no-assert-all-consumed", "--allow-invalid-requests"):
        assert option in result.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "not JSON: Expecting property name enclosed in double quotes at line 1 column 2"),
        ('{"uploads": [{"uploadId": "u"}]}', "uploads[0]: script is missing"),
        ('{"uploads": [{"uploadId": "u", "script": ["SUCCEEDED"], "createdDate": "today"}]}', "is not an ISO 8601"),
    ],
)
def test_bad_script_file_exits_2_with_the_reason(tmp_path: Path, content: str, message: str) -> None:
    script = tmp_path / "bad.json"
    script.write_text(content)
    result = run_child("--script", str(script))
    assert result.returncode == 2
    assert result.stdout == ""
    assert str(script) in result.stderr
    assert message in result.stderr


def test_missing_script_file(tmp_path: Path) -> None:
    result = run_child("--script", str(tmp_path / "none.json"))
    assert result.returncode == 2
    assert "cannot read it: No such file or directory" in result.stderr


def test_non_loopback_host_warns(tmp_path: Path) -> None:
    # 192.0.2.1 (TEST-NET-1) is on no interface here: the bind fails, so nothing listens beyond the
    # loopback, but the warning has been printed first
    result = run_child("--host", "192.0.2.1")
    assert result.returncode == 2
    assert "WARNING: thingsgraph server: listening on 192.0.2.1, which is not a loopback address" in result.stderr
    assert "no authentication" in result.stderr
    assert "cannot listen on 192.0.2.1:0" in result.stderr

"""The standalone server's ``main()`` run in this process: what ``test_server_cli.py`` checks from a subprocess,
where mutation testing (``tox -e mutation``) can see it, plus the exact messages and each option's effect.

``main()`` runs in the test's (main) thread, as in the console script; a helper thread waits for the
listening line, makes the calls, then calls the handler ``main()`` installed for the signal, as the
signal would.
"""

from __future__ import annotations

import io
import json
import re
import signal
import socket
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest
from server_helpers import TIMEOUT, call, connect, control

from pytest_thingsgraph._options import OPTION_HELP
from pytest_thingsgraph.server import _parser, main

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


def test_a_script_file_is_served_and_sigterm_stops_cleanly(tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"uploads": [{"uploadId": "u-1", "script": ["IN_PROGRESS", "SUCCEEDED"]}]}))
    statuses: list[str] = []

    def poll(url: str) -> None:
        connection = connect(url)
        try:
            for _ in range(2):
                statuses.append(json.loads(call(connection, url, {"uploadId": "u-1"})[2])["uploadStatus"])
        finally:
            connection.close()

    result = run("--script", str(script), then=poll)

    assert statuses == ["IN_PROGRESS", "SUCCEEDED"]
    assert result.status == 0
    assert LISTENING.fullmatch(result.stdout)
    assert result.stderr == "thingsgraph-server: stopped; 2 calls answered, no failures.\n"


def test_sigint_stops_too_and_an_unused_script_fails_the_run_with_the_report() -> None:
    def script(url: str) -> None:
        control(url, "POST", "/_thingsgraph/uploads", {"uploadId": "never-polled", "script": ["SUCCEEDED"]})

    result = run(then=script, signum=signal.SIGINT)

    assert result.status == 1
    assert "These uploads were not polled to the end of their scripts:" in result.stderr
    assert "'never-polled': 0 of 1 items served" in result.stderr
    assert "stopped;" not in result.stderr


def test_no_assert_all_consumed_lets_an_unused_script_pass() -> None:
    def script(url: str) -> None:
        control(url, "POST", "/_thingsgraph/uploads", {"uploadId": "never-polled", "script": ["SUCCEEDED"]})

    result = run("--no-assert-all-consumed", then=script)

    assert (result.status, result.stderr) == (0, "thingsgraph-server: stopped; 0 calls answered, no failures.\n")


@pytest.mark.parametrize("allowed", [False, True])
def test_allow_invalid_requests_decides_whether_an_invalid_request_fails_the_run(allowed: bool) -> None:
    answers: list[int] = []

    def invalid(url: str) -> None:
        connection = connect(url)
        try:
            answers.append(call(connection, url, {"uploadId": ""})[0])
        finally:
            connection.close()

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
        connection = connect(url)
        try:
            document = {"document": {"language": "GRAPHQL", "text": "type {"}}
            call(connection, url, document, operation="UploadEntityDefinitions")
            statuses.append(json.loads(call(connection, url, {"uploadId": "u"})[2])["uploadStatus"])
        finally:
            connection.close()

    run(*(["--validate-definitions"] if checked else []), then=upload_then_poll)

    assert statuses == ["FAILED" if checked else "SUCCEEDED"]


def test_max_body_bytes_refuses_a_larger_body_with_413() -> None:
    answers: list[int] = []

    def send(url: str) -> None:
        for size in (100, 101):
            connection = connect(url)
            try:
                connection.request("POST", "/", body=b" " * size)
                answers.append(connection.getresponse().status)
            finally:
                connection.close()

    run("--max-body-bytes", "100", "--allow-invalid-requests", then=send)

    assert answers[1] == 413
    assert answers[0] != 413


def test_timeout_closes_a_silent_connection() -> None:
    closed: list[bytes] = []

    def stay_silent(url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=TIMEOUT) as silent:
            closed.append(silent.recv(1))  # b"" once the server gives up on it

    run("--timeout", "0.2", then=stay_silent)

    assert closed == [b""]


def test_port_picks_the_port(unused_port: int) -> None:
    urls: list[str] = []
    run("--port", str(unused_port), then=urls.append)
    assert urls == [f"http://127.0.0.1:{unused_port}"]


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


@pytest.fixture
def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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
        "--script": 'JSON script file: {"uploads": [...], "uploadEntityDefinitions": [...]} (see its format below)',
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

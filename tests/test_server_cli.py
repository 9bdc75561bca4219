"""The standalone server, driven only through its command line and control API, from a subprocess."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_helpers import TIMEOUT, call, connect, control, read_line, tool

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
    connection = connect(child.url)
    try:
        polls = [call(connection, child.url, {"uploadId": upload}) for upload in ("u-1", "u-1", "u-2", "u-2")]
        created = call(
            connection,
            child.url,
            {"document": {"language": "GRAPHQL", "text": "type A { b: Int }"}},
            operation="UploadEntityDefinitions",
        )
        polled = call(connection, child.url, {"uploadId": "u-3"})
        elsewhere = call(connection, child.url, {"uploadId": "u-3"}, region="ap-south-1")
    finally:
        connection.close()
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


def test_unstubbed_call_fails_the_run(started: list[Running]) -> None:
    child = start(started)
    connection = connect(child.url)
    try:
        status, _, body = call(connection, child.url, {}, operation="GetEntities")
    finally:
        connection.close()
    assert status == 400
    assert json.loads(body)["__type"] == "StubError"
    returncode, stderr = child.stop()
    assert returncode == 1
    assert "GetEntities" in stderr


def test_stub_options_on_the_command_line(started: list[Running]) -> None:
    child = start(started, "--no-assert-all-consumed", "--allow-invalid-requests")
    control(child.url, "POST", "/_thingsgraph/uploads", {"uploadId": "u", "script": ["IN_PROGRESS"]})
    connection = connect(child.url)
    try:
        status, _, _ = call(connection, child.url, {"uploadId": ""})  # invalid: allowed
    finally:
        connection.close()
    assert status == 400
    returncode, stderr = child.stop()
    assert returncode == 0, stderr


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
    result = subprocess.run(
        [sys.executable, "-m", "pytest_thingsgraph.server", "--script", str(script)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert str(script) in result.stderr
    assert message in result.stderr


def test_missing_script_file(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest_thingsgraph.server", "--script", str(tmp_path / "none.json")],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 2
    assert "cannot read it: No such file or directory" in result.stderr


def test_non_loopback_host_warns(tmp_path: Path) -> None:
    # 192.0.2.1 (TEST-NET-1) is on no interface here: the bind fails, so nothing listens beyond the
    # loopback, but the warning has been printed first
    result = subprocess.run(
        [sys.executable, "-m", "pytest_thingsgraph.server", "--host", "192.0.2.1"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 2
    assert "WARNING: thingsgraph server: listening on 192.0.2.1, which is not a loopback address" in result.stderr
    assert "no authentication" in result.stderr
    assert "cannot listen on 192.0.2.1:0" in result.stderr


@pytest.mark.parametrize("logged", [False, True])
def test_log_requests_logs_each_request_to_stderr(started: list[Running], logged: bool) -> None:
    child = start(started, "--no-assert-all-consumed", "--allow-invalid-requests", *(["--log-requests"] * logged))
    connection = connect(child.url)
    try:
        status, _, _ = call(connection, child.url, {"uploadId": "absent"})
    finally:
        connection.close()
    assert status == 404
    returncode, stderr = child.stop()
    assert returncode == 0, stderr
    assert ("thingsgraph-server: POST / -> 404\n" in stderr) is logged, stderr

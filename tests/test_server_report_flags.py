"""The standalone server's teardown report names its command-line flags.

``thingsgraph-server``'s user sets the stub's options with ``--no-assert-all-consumed`` and
``--allow-invalid-requests``, so its report (on stderr at exit, and at ``/_thingsgraph/report``) names
those, where the in-process report names the Python options (``assert_all_consumed=False``).
"""

from __future__ import annotations

import http.client
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from typing import Any

import pytest
from server_helpers import DOCUMENT, TIMEOUT, call, connect, control, read_line

from pytest_thingsgraph import ThingsGraphServer, ThingsGraphStub
from pytest_thingsgraph._options import StubOptions
from pytest_thingsgraph.server import _parser, _stub, flag

SEE = "(see 'Options and teardown' in the README of pytest-thingsgraph)"
UNCONSUMED = (
    "These uploads were not polled to the end of their scripts:\n"
    "- 'never-polled': 0 of 2 items served; not served: 'IN_PROGRESS', 'SUCCEEDED'\n"
    "Poll them to the end or shorten their scripts; if some items are optional, {fix} " + SEE
)
QUEUED = (
    "These UploadEntityDefinitions answers were queued but no call took them:\n"
    "- ServiceError('InternalFailureException', 'try again')\n"
    "Make the calls or queue fewer answers; if some are optional, {fix} " + SEE
)
INVALID = (
    "These requests were invalid and were answered with the service's error:\n"
    "- request 1 (GetUploadStatus): MissingAuthenticationTokenException: Missing Authentication Token\n"
    "Fix the code that sent them; if they are on purpose, {fix} " + SEE
)
COMMAND_LINE = {
    "assert_all_consumed": "start thingsgraph-server with --no-assert-all-consumed",
    "allow_invalid_requests": "start thingsgraph-server with --allow-invalid-requests",
}
PYTHON = {
    "assert_all_consumed": "set assert_all_consumed=False",
    "allow_invalid_requests": "set allow_invalid_requests=True",
}


def expected(fixes: dict[str, str]) -> list[str]:
    return [
        QUEUED.format(fix=fixes["assert_all_consumed"]),
        UNCONSUMED.format(fix=fixes["assert_all_consumed"]),
        INVALID.format(fix=fixes["allow_invalid_requests"]),
    ]


def fail_every_check(url: str) -> None:
    """Through the control API and the wire only: an unused upload and answer, and an unsigned request."""
    assert (
        control(
            url, "POST", "/_thingsgraph/uploads", {"uploadId": "never-polled", "script": ["IN_PROGRESS", "SUCCEEDED"]}
        )[0]
        == 200
    )
    answer = {"__type": "InternalFailureException", "message": "try again"}
    assert control(url, "POST", "/_thingsgraph/upload-entity-definitions", answer) == (200, {"uploadId": None})
    connection: http.client.HTTPConnection = connect(url)
    try:
        body = b'{"uploadId": "never-polled"}'
        connection.request(
            "POST",
            "/",
            body=body,
            headers={
                "X-Amz-Target": "IotThingsGraphFrontEndService.GetUploadStatus",
                "Content-Type": "application/x-amz-json-1.1",
            },
        )
        assert connection.getresponse().status == 403
    finally:
        connection.close()


@pytest.fixture
def child() -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest_thingsgraph.server"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        match = re.search(r"http://127\.0\.0\.1:\d+", read_line(process))
        assert match
        yield process, match.group()
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=TIMEOUT)


def test_the_standalone_servers_report_names_its_flags(child: tuple[subprocess.Popen[str], str]) -> None:
    process, url = child
    fail_every_check(url)

    assert control(url, "GET", "/_thingsgraph/report") == (200, {"failures": expected(COMMAND_LINE)})
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=TIMEOUT)

    assert process.returncode == 1
    assert stderr == "\n\n".join(expected(COMMAND_LINE)) + "\n"


@dataclass(frozen=True)
class MissedExpected:
    """A script entry (posted to ``route``) whose "expected" ``calls`` miss: the report names what was missed and
    the entry by its script-file key."""

    route: str
    entry: dict[str, Any]
    operation: str
    calls: list[tuple[str, dict[str, Any]]]
    missed: str
    key: str

    def miss(self, url: str) -> None:
        """Script the entry through the control API, then make the calls: each is answered, and misses."""
        assert control(url, "POST", f"/_thingsgraph/{self.route}", self.entry)[0] == 200
        with closing(connect(url)) as connection:
            statuses = [call(connection, url, document, operation=name)[0] for name, document in self.calls]
        assert statuses == [200] * len(self.calls)

    @property
    def failure(self) -> str:
        return (
            f"These {self.operation} calls did not carry what their answers expected:\n"
            f"- request 1: {self.missed}\n"
            f'Fix the code that sent them, or the "expected" of its "{self.key}" entry.'
        )


MISSED_EXPECTED = pytest.mark.parametrize(
    "case",
    [
        MissedExpected(
            "responses",
            {"operation": "SearchEntities", "expected": {"entityTypes": ["DEVICE"]}, "response": {"descriptions": []}},
            "SearchEntities",
            [("SearchEntities", {"entityTypes": ["STATE"]})],
            'entityTypes: expected ["DEVICE"], got ["STATE"]',
            "responses",
        ),
        MissedExpected(
            "upload-entity-definitions",
            {"uploadId": "u", "script": ["SUCCEEDED"], "expected": {"syncWithPublicNamespace": True}},
            "UploadEntityDefinitions",
            [("UploadEntityDefinitions", DOCUMENT), ("GetUploadStatus", {"uploadId": "u"})],
            "syncWithPublicNamespace: expected true, got nothing",
            "uploadEntityDefinitions",
        ),
    ],
    ids=lambda case: case.route,
)


@MISSED_EXPECTED
def test_the_standalone_servers_report_names_the_script_entry_whose_expected_a_call_missed(
    child: tuple[subprocess.Popen[str], str], case: MissedExpected
) -> None:
    process, url = child
    case.miss(url)

    assert control(url, "GET", "/_thingsgraph/report") == (200, {"failures": [case.failure]})
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=TIMEOUT)

    assert process.returncode == 1
    assert stderr == case.failure + "\n"


@MISSED_EXPECTED
def test_the_command_lines_stub_names_the_script_entry_in_this_process_too(case: MissedExpected) -> None:
    stub = _stub(StubOptions())
    with ThingsGraphServer(stub) as server:
        case.miss(server.endpoint_url)

        assert control(server.endpoint_url, "GET", "/_thingsgraph/report") == (200, {"failures": [case.failure]})
    assert stub.failures() == [case.failure]


def test_the_in_process_servers_report_names_the_python_options() -> None:
    stub = ThingsGraphStub()
    with ThingsGraphServer(stub) as server:
        fail_every_check(server.endpoint_url)
        assert control(server.endpoint_url, "GET", "/_thingsgraph/report") == (200, {"failures": expected(PYTHON)})
    assert stub.failures() == expected(PYTHON)


@pytest.mark.parametrize("name", list(COMMAND_LINE))
def test_each_flag_named_sets_its_option_to_what_silences_the_check(name: str) -> None:
    silenced = name == "allow_invalid_requests"  # the other one is turned off
    text = flag(name, silenced)
    assert text == COMMAND_LINE[name]
    arguments = _parser().parse_args([text.rsplit(" ", 1)[-1]])
    assert getattr(arguments, name) is silenced

"""Messages: the calls of a failing test in its report, messages that guess what was meant, and where the stub
already active started."""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from helpers import make_client

from pytest_thingsgraph import StubError, ThingsGraphStub, UsageError, mock_thingsgraph
from pytest_thingsgraph._registry import active

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

HEADER = """
import boto3
import pytest
from botocore.config import Config
from pytest_thingsgraph import ServiceError, mock_thingsgraph

def client(region="us-east-1"):
    return boto3.client("iotthingsgraph", region_name=region, config=Config(retries={"total_max_attempts": 1}))
"""


def run_inner(pytester: pytest.Pytester, body: str, *arguments: str) -> pytest.RunResult:
    pytester.makepyfile(test_inner=HEADER + textwrap.dedent(body))
    return pytester.runpytest("-p", "no:randomly", *arguments)


def section(result: pytest.RunResult, after: str) -> list[str]:
    """The lines of the first "Things Graph calls" section after the line that contains ``after``."""
    lines = result.stdout.lines
    start = next(i for i, line in enumerate(lines) if after in line)
    title = next(i for i in range(start, len(lines)) if " Things Graph calls " in lines[i])
    end = next(i for i in range(title + 1, len(lines)) if lines[i].startswith(("_", "=", "-")) or not lines[i])
    return lines[title + 1 : end]


# The calls of a failing test, in its report.


def test_a_failing_test_shows_its_calls_one_line_each(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        """
        def test_body(thingsgraph_stub):
            throttle = ServiceError("ThrottlingException", "slow")
            thingsgraph_stub.add_upload("u-1", ["IN_PROGRESS", throttle, "SUCCEEDED"])
            thingsgraph_stub.on_upload_entity_definitions(["FAILED"], upload_id="u-2")
            c = client()
            c.get_upload_status(uploadId="u-1")
            with pytest.raises(c.exceptions.ThrottlingException):
                c.get_upload_status(uploadId="u-1")
            client("eu-west-1").upload_entity_definitions(syncWithPublicNamespace=True)
            client("eu-west-1").get_upload_status(uploadId="u-2")
            with pytest.raises(c.exceptions.ResourceNotFoundException):
                c.get_upload_status(uploadId="nope")
            assert c.get_upload_status(uploadId="u-1")["uploadStatus"] == "IN_PROGRESS"
        """,
    )

    result.assert_outcomes(failed=1)
    assert section(result, "_ test_body _") == [
        "   1 GetUploadStatus 'u-1' us-east-1 200 IN_PROGRESS",
        "   2 GetUploadStatus 'u-1' us-east-1 400 ThrottlingException",
        "   3 UploadEntityDefinitions 'u-2' eu-west-1 200",
        "   4 GetUploadStatus 'u-2' eu-west-1 200 FAILED",
        "   5 GetUploadStatus 'nope' us-east-1 404 ResourceNotFoundException",
        "   6 GetUploadStatus 'u-1' us-east-1 200 SUCCEEDED",
    ]
    assert result.stdout.str().count(" Things Graph calls ") == 1


def test_a_call_the_service_could_not_place_shows_what_is_unknown(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        """
        import requests
        from requests_aws4auth import AWS4Auth

        @pytest.mark.thingsgraph_stub(allow_invalid_requests=True)
        def test_bogus(thingsgraph_stub):
            auth = AWS4Auth("AKIDEXAMPLE", "example-secret", "eu-west-1", "iotthingsgraph")
            headers = {"X-Amz-Target": "Bogus", "Content-Type": "application/x-amz-json-1.1"}
            url = "https://iotthingsgraph.eu-west-1.amazonaws.com/"
            assert requests.post(url, data=b"{}", headers=headers, auth=auth, timeout=5).status_code == 400
            assert False
        """,
    )

    result.assert_outcomes(failed=1)
    # no operation and no upload: '?' and '-' stand in for them
    assert section(result, "_ test_bogus _") == ["   1 ? - eu-west-1 400 UnknownOperationException"]


def test_a_teardown_failure_shows_the_calls_too(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        """
        def test_left_over(thingsgraph_stub):
            thingsgraph_stub.add_upload("u-1", ["IN_PROGRESS", "SUCCEEDED"])
            client("us-west-2").get_upload_status(uploadId="u-1")

        def test_no_calls(thingsgraph_stub):
            thingsgraph_stub.add_upload("u-2", ["SUCCEEDED"])
        """,
    )

    result.assert_outcomes(passed=2, errors=2)
    assert section(result, "ERROR at teardown of test_left_over") == [
        "   1 GetUploadStatus 'u-1' us-west-2 200 IN_PROGRESS"
    ]
    assert section(result, "ERROR at teardown of test_no_calls") == ["no Things Graph calls were made"]


def test_a_passing_test_adds_no_section(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        """
        def test_poll(thingsgraph_stub):
            thingsgraph_stub.add_upload("u", ["SUCCEEDED"])
            print("the test's own output")
            assert client().get_upload_status(uploadId="u")["uploadStatus"] == "SUCCEEDED"
        """,
        "-rA",
    )

    result.assert_outcomes(passed=1)
    output = result.stdout.str()
    assert "the test's own output" in output  # -rA shows the sections of passing tests ...
    assert "Things Graph calls" not in output  # ... and there is none of the stub's
    assert "GetUploadStatus" not in output


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (50, [f"{n:>4} GetUploadStatus 'u' us-east-1 200 IN_PROGRESS" for n in range(1, 51)]),
        (
            51,
            [f"{n:>4} GetUploadStatus 'u' us-east-1 200 IN_PROGRESS" for n in range(1, 21)]
            + ["... 1 call left out ..."]
            + [f"{n:>4} GetUploadStatus 'u' us-east-1 200 IN_PROGRESS" for n in range(22, 52)],
        ),
        (
            52,
            [f"{n:>4} GetUploadStatus 'u' us-east-1 200 IN_PROGRESS" for n in range(1, 21)]
            + ["... 2 calls left out ..."]
            + [f"{n:>4} GetUploadStatus 'u' us-east-1 200 IN_PROGRESS" for n in range(23, 53)],
        ),
        (
            100,
            [f"{n:>4} GetUploadStatus 'u' us-east-1 200 IN_PROGRESS" for n in range(1, 21)]
            + ["... 50 calls left out ..."]
            + [f"{n:>4} GetUploadStatus 'u' us-east-1 200 IN_PROGRESS" for n in range(71, 101)],
        ),
    ],
)
def test_a_long_history_is_cut_with_the_count_left_out(
    pytester: pytest.Pytester, count: int, expected: list[str]
) -> None:
    result = run_inner(
        pytester,
        f"""
        def test_many(thingsgraph_stub):
            thingsgraph_stub.add_upload("u", ["IN_PROGRESS"] * {count})
            c = client()
            for _ in range({count}):
                c.get_upload_status(uploadId="u")
            assert False, "after {count} calls"
        """,
    )

    result.assert_outcomes(failed=1)
    assert section(result, "_ test_many _") == expected


# Messages that guess.


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (
            {"upload_status": "FAILED"},
            "add_upload('u'): script item 0 is not a valid GetUploadStatus response: uploadStatus: Field required; "
            "upload_status: not a member of the response (did you mean 'uploadStatus'?).",
        ),
        (
            {"uploadStatus": "FAILED", "failure_reason": ["x"]},
            "add_upload('u'): script item 0 is not a valid GetUploadStatus response: failure_reason: not a member "
            "of the response (did you mean 'failureReason'?).",
        ),
        (
            "succeeded",
            "add_upload('u'): script item 0 'succeeded' is not an upload status (did you mean 'SUCCEEDED'?): use "
            "'IN_PROGRESS', 'SUCCEEDED' or 'FAILED', a dict of response fields, or ServiceError(code, message).",
        ),
        (
            "SUCCEDED",
            "add_upload('u'): script item 0 'SUCCEDED' is not an upload status (did you mean 'SUCCEEDED'?): use "
            "'IN_PROGRESS', 'SUCCEEDED' or 'FAILED', a dict of response fields, or ServiceError(code, message).",
        ),
        (
            {"uploadStatus": "in_progress"},
            "add_upload('u'): script item 0 is not a valid GetUploadStatus response: uploadStatus='in_progress': "
            "Input should be 'IN_PROGRESS', 'SUCCEEDED' or 'FAILED' (did you mean 'IN_PROGRESS'?).",
        ),
        (
            "DONE",
            "add_upload('u'): script item 0 'DONE' is not an upload status: use "
            "'IN_PROGRESS', 'SUCCEEDED' or 'FAILED', a dict of response fields, or ServiceError(code, message).",
        ),
    ],
)
def test_script_slips_get_a_guess(thingsgraph_stub: ThingsGraphStub, item: Any, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        thingsgraph_stub.add_upload("u", [item])

    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"zzz": 1}, "uploadStatus: Field required; zzz: not a member of the response."),
        ({"some_thing": 1}, "uploadStatus: Field required; some_thing: not a member of the response."),
        (
            {"uploadStatus": "SUCCEEDED", "created_DATE": 1},
            "created_DATE: not a member of the response (did you mean 'createdDate'?).",
        ),
        (
            {"uploadStatus": "SUCCEEDED", "namespace_arn": "a"},
            "namespace_arn: not a member of the response (did you mean 'namespaceArn'?).",
        ),
        (
            {"uploadStatus": "SUCCEEDED", "nameArn": "a"},
            "nameArn: not a member of the response.",
        ),
        (
            {"uploadStatus": "SUCCEEDED", "uploadSta": 1},
            "uploadSta: not a member of the response (did you mean 'uploadStatus'?).",
        ),
    ],
    ids=["unlike-any", "snake-unlike-any", "snake-camel-only", "snake", "not-close-enough", "close"],
)
def test_a_member_that_is_not_one_gets_the_right_guess_or_none(item: dict[str, Any], message: str) -> None:
    stub = ThingsGraphStub()

    with pytest.raises(UsageError) as caught:
        stub.add_upload("u", [item])

    assert str(caught.value) == f"add_upload('u'): script item 0 is not a valid GetUploadStatus response: {message}"


def test_a_member_named_with_a_doubled_underscore_is_still_guessed() -> None:
    with pytest.raises(UsageError) as caught:
        ThingsGraphStub().add_upload("u", [{"uploadStatus": "SUCCEEDED", "upload__id": "u"}])

    assert str(caught.value) == (
        "add_upload('u'): script item 0 is not a valid GetUploadStatus response: "
        "upload__id: not a member of the response (did you mean 'uploadId'?)."
    )


def test_a_status_name_given_to_another_member_gets_no_status_guess() -> None:
    with pytest.raises(UsageError) as caught:
        ThingsGraphStub().add_upload("u", [{"uploadStatus": "SUCCEEDED", "createdDate": "FAILED"}])

    assert str(caught.value) == (
        "add_upload('u'): script item 0 is not a valid GetUploadStatus response: "
        "createdDate='FAILED': Input should be a valid datetime."
    )


def test_an_upload_polled_outside_its_region_is_not_found_and_the_report_says_where() -> None:
    with pytest.raises(StubError) as caught, mock_thingsgraph() as stub:
        stub.add_upload("pinned", ["SUCCEEDED"], region="us-west-2")
        for region in ("us-east-1", "eu-west-1", "us-east-1"):
            client = make_client(region)
            with pytest.raises(client.exceptions.ResourceNotFoundException) as not_found:
                client.get_upload_status(uploadId="pinned")
            assert not_found.value.response["Error"]["Message"] == f"Upload pinned was not found in region {region}."
            assert not_found.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404

    assert str(caught.value) == (
        "These uploads were not polled to the end of their scripts:\n"
        "- 'pinned': 0 of 1 items served; not served: 'SUCCEEDED' (it was scripted for region us-west-2 but polled "
        "only in eu-west-1, us-east-1: pass region= to match the client, or leave it out)\n"
        "Poll them to the end or shorten their scripts; if some items are optional, set assert_all_consumed=False "
        "(see 'Options and teardown' in the README of pytest-thingsgraph)"
    )


def test_a_bad_marker_is_reported_once_without_a_chained_traceback(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        """
        @pytest.mark.thingsgraph_stub(nope=True)
        def test_it(thingsgraph_stub):
            pass
        """,
        "-rA",
    )

    result.assert_outcomes(errors=1)
    message = (
        "@pytest.mark.thingsgraph_stub got the unknown keyword 'nope': use one of assert_all_consumed, "
        "allow_invalid_requests, fake_credentials, instant_retries, validate_definitions."
    )
    output = result.stdout.str()
    assert [line for line in result.stdout.lines if line == message] == [message]
    assert "During handling of the above exception" not in output
    assert "direct cause of the following exception" not in output
    assert "Traceback" not in output


def test_a_bad_ini_value_is_reported_once_without_a_chained_traceback(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nthingsgraph_assert_all_consumed = sometimes\n")

    result = run_inner(pytester, "def test_it(thingsgraph_stub):\n    pass\n")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    message = (
        "ERROR: ini key thingsgraph_assert_all_consumed: invalid truth value 'sometimes': set it to true or false."
    )
    output = result.stdout.str() + result.stderr.str()
    assert [line for line in result.stderr.lines if line == message] == [message]
    assert output.count("invalid truth value") == 1
    assert "During handling of the above exception" not in output
    assert "Traceback" not in output


def test_the_already_active_message_names_where_the_first_stub_started_and_how_to_stop_it() -> None:
    patcher = mock_thingsgraph()
    patcher.start()
    started_line = inspect.currentframe().f_lineno - 1  # type: ignore[union-attr]
    try:
        with pytest.raises(UsageError) as caught, mock_thingsgraph():
            pass  # pragma: no cover
    finally:
        patcher.stop()

    assert str(caught.value) == (
        "Cannot start mock_thingsgraph(): a Things Graph stub is already active, mock_thingsgraph() started at "
        f"{__file__}:{started_line}. Only one answers at a time: use that stub (active_stub() returns it), "
        "or stop it first (leave its with block, or call stop() on what started it)."
    )
    assert active() is None


@mock_thingsgraph()
def _start_a_second_stub() -> str:
    with pytest.raises(UsageError) as caught:
        mock_thingsgraph().start()
    return str(caught.value)


_DECORATED_AT = f"{__file__}:{_start_a_second_stub.__wrapped__.__code__.co_firstlineno}"  # type: ignore[attr-defined]


def test_a_second_stub_inside_a_decorated_function_names_the_decorated_definition() -> None:
    message = _start_a_second_stub()

    assert message == (
        "Cannot start mock_thingsgraph(): a Things Graph stub is already active, mock_thingsgraph() decorating "
        f"_start_a_second_stub started at {_DECORATED_AT}. Only one answers at a time: use that stub "
        "(active_stub() returns it), or stop it first (leave its with block, or call stop() on what started it)."
    )
    assert active() is None


SECOND_STUBS = [
    pytest.param(
        """
        def test_fixture(thingsgraph_stub):
            mock_thingsgraph().start()
        """,
        "def test_fixture(thingsgraph_stub):",
        "the thingsgraph_stub fixture of test_inner.py::test_fixture",
        id="fixture",
    ),
    pytest.param(
        """
        @mock_thingsgraph()
        def test_decorated():
            mock_thingsgraph().start()
        """,
        "@mock_thingsgraph()",
        "mock_thingsgraph() decorating test_decorated",
        id="decorated-function",
    ),
    pytest.param(
        """
        import unittest

        @mock_thingsgraph()
        class TestCase(unittest.TestCase):
            def test_method(self):
                mock_thingsgraph().start()
        """,
        "    def test_method(self):",
        "mock_thingsgraph() decorating TestCase.test_method",
        id="decorated-test-case",
    ),
    pytest.param(
        """
        import unittest

        @mock_thingsgraph()
        class TestCase(unittest.TestCase):
            def setUp(self):
                self.set_up = True

            def test_method(self):
                mock_thingsgraph().start()
        """,
        "    def test_method(self):",
        "mock_thingsgraph() decorating TestCase.test_method",
        id="decorated-test-case-with-set-up",
    ),
    pytest.param(
        """
        @mock_thingsgraph()
        class TestPlain:
            def setup_method(self, method):
                self.set_up = True

            def test_method(self):
                mock_thingsgraph().start()
        """,
        "    def test_method(self):",
        "mock_thingsgraph() decorating TestPlain.test_method",
        id="decorated-class-with-setup-method",
    ),
]


@pytest.mark.parametrize(("body", "started", "first"), SECOND_STUBS)
def test_the_already_active_message_locates_fixtures_and_decorated_tests(
    pytester: pytest.Pytester, body: str, started: str, first: str
) -> None:
    """A second stub in a test names the test whose fixture, or decorated function or method, started the first."""
    result = run_inner(pytester, body)

    result.assert_outcomes(failed=1)
    path = pytester.path / "test_inner.py"
    line = path.read_text().splitlines().index(started) + 1
    advice = (
        "Only one answers at a time: use that stub (active_stub() returns it), or stop it first "
        "(leave its with block, or call stop() on what started it)."
    )
    result.stdout.fnmatch_lines(
        [
            "E * pytest_thingsgraph.UsageError: Cannot start mock_thingsgraph(): a Things Graph stub is already "
            f"active, {first} started at {path}:{line}. {advice}",
        ]
    )


@pytest.mark.parametrize(
    "blocker",
    [
        'sys.modules["hypothesis"] = None',
        textwrap.dedent(
            """\
            class Blocker:
                def find_spec(self, name, path=None, target=None):
                    if name == "hypothesis" or name.startswith("hypothesis."):
                        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
                    return None

            sys.meta_path.insert(0, Blocker())
            """
        ),
    ],
    ids=["sys.modules", "meta_path"],
)
def test_the_strategies_without_hypothesis_name_the_extra(blocker: str) -> None:
    program = textwrap.dedent(
        """\
        import sys
        {blocker}
        import pytest_thingsgraph
        try:
            import pytest_thingsgraph.strategies
        except ImportError as error:
            print(type(error).__name__, isinstance(error, ModuleNotFoundError), error, sep="|")
        """
    ).format(blocker=blocker)

    run = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)

    assert run.stdout == (
        "ImportError|False|pytest_thingsgraph.strategies needs hypothesis: install it with "
        "pip install 'pytest-thingsgraph[hypothesis]'.\n"
    )

"""The pytest plugin, driven through inner sessions: fixture, markers, ini keys, teardown."""

from __future__ import annotations

import textwrap

import pytest

from pytest_thingsgraph._registry import active

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

HEADER = """
import boto3
import pytest
from botocore.config import Config
from pytest_thingsgraph import ServiceError, StubError, ThingsGraphStub, active_stub

def client(region="us-east-1"):
    return boto3.client("iotthingsgraph", region_name=region, config=Config(retries={"total_max_attempts": 1}))
"""


LEFT_RUNNING = (
    "The test left a Things Graph stub running: mock_thingsgraph() started at {where}. It was stopped when the test "
    "ended, so no later test is answered by it. Stop it before the test ends (call stop() on what started it, or use a "
    "with block or the decorator), or start it in a fixture if it should outlive the test."
)


def make_tests(pytester: pytest.Pytester, body: str, **files: str) -> None:
    pytester.makepyfile(test_inner=HEADER + textwrap.dedent(body), **files)


def teardown_message(result: pytest.RunResult, test: str) -> str:
    """The text of the teardown error of ``test``, as pytest prints it."""
    lines = result.stdout.lines
    start = next(i for i, line in enumerate(lines) if line.startswith("_") and f"teardown of {test}" in line)
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith(("_", "=", "---")))
    return "\n".join(lines[start + 1 : end]).strip()


def test_the_fixture_is_registered_by_the_entry_point(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--fixtures")

    result.stdout.fnmatch_lines(
        ["thingsgraph_stub*", "*(every operation) that answers every botocore and aiobotocore client*"]
    )


def test_a_client_made_at_import_time_is_answered(pytester: pytest.Pytester) -> None:
    make_tests(
        pytester,
        """
        MODULE_CLIENT = client()

        def test_poll(thingsgraph_stub: ThingsGraphStub):
            thingsgraph_stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
            assert MODULE_CLIENT.get_upload_status(uploadId="u")["uploadStatus"] == "IN_PROGRESS"
            assert client().get_upload_status(uploadId="u")["uploadStatus"] == "SUCCEEDED"
        """,
    )

    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)


def test_unconsumed_scripts_fail_at_teardown(pytester: pytest.Pytester) -> None:
    make_tests(
        pytester,
        """
        def test_poll(thingsgraph_stub):
            thingsgraph_stub.add_upload("upload-1", ["IN_PROGRESS", ServiceError("ThrottlingException", "Rate exceeded"), "SUCCEEDED"])
            thingsgraph_stub.add_upload("upload-2", ["FAILED"])
            thingsgraph_stub.add_upload("upload-3", ["SUCCEEDED"])
            client().get_upload_status(uploadId="upload-1")
            client().get_upload_status(uploadId="upload-3")
        """,
    )

    result = pytester.runpytest("-p", "no:randomly")

    result.assert_outcomes(passed=1, errors=1)
    assert teardown_message(result, "test_poll") == (
        "These uploads were not polled to the end of their scripts:\n"
        "- 'upload-1': 1 of 3 items served; not served: ServiceError('ThrottlingException', 'Rate exceeded'), "
        "'SUCCEEDED'\n"
        "- 'upload-2': 0 of 1 items served; not served: 'FAILED'\n"
        "Poll them to the end or shorten their scripts; if some items are optional, set assert_all_consumed=False "
        "(see 'Options and teardown' in the README of pytest-thingsgraph)"
    )


def test_a_failed_test_is_not_blamed_for_unconsumed_scripts(pytester: pytest.Pytester) -> None:
    make_tests(
        pytester,
        """
        def test_poll(thingsgraph_stub):
            thingsgraph_stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
            assert client().get_upload_status(uploadId="u")["uploadStatus"] == "SUCCEEDED"
        """,
    )

    pytester.runpytest("-p", "no:randomly").assert_outcomes(failed=1)


def test_a_failed_setup_is_not_blamed_for_unconsumed_scripts(pytester: pytest.Pytester) -> None:
    make_tests(
        pytester,
        """
        @pytest.fixture
        def scripted(thingsgraph_stub):
            thingsgraph_stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])

        @pytest.fixture
        def broken(scripted):
            raise RuntimeError("a later fixture broke")

        def test_poll(broken):
            pass
        """,
    )

    result = pytester.runpytest("-p", "no:randomly")

    result.assert_outcomes(errors=1)
    assert "not polled to the end" not in result.stdout.str()


def test_invalid_requests_and_swallowed_stub_errors_fail_at_teardown(pytester: pytest.Pytester) -> None:
    make_tests(
        pytester,
        """
        def test_poll(thingsgraph_stub):
            thingsgraph_stub.add_upload("u", ["IN_PROGRESS"])
            c = client()
            c.get_upload_status(uploadId="u")
            for call in (lambda: c.get_upload_status(uploadId="u"), lambda: c.get_upload_status(uploadId="u" * 41), c.describe_namespace):
                try:
                    call()
                except Exception:
                    pass  # the code under test swallows everything
        """,
    )

    result = pytester.runpytest("-p", "no:randomly")

    result.assert_outcomes(passed=1, errors=1)
    assert teardown_message(result, "test_poll") == (
        "These requests were invalid and were answered with the service's error:\n"
        "- request 3 (GetUploadStatus in us-east-1): InvalidRequestException: 1 validation error detected: Value "
        "'uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu' at 'uploadId' failed to satisfy constraint: Member must have "
        "length less than or equal to 40\n"
        "Fix the code that sent them; if they are on purpose, set allow_invalid_requests=True "
        "(see 'Options and teardown' in the README of pytest-thingsgraph)\n"
        "\n"
        "The stub raised StubError during the test (the code under test may have caught it):\n"
        "- Upload 'u' has no script item left for request 2: its script of 1 item ended on 'IN_PROGRESS', which is "
        "not terminal. Add the items the code under test polls for, or end the script with 'SUCCEEDED' or 'FAILED'.\n"
        "- DescribeNamespace (request 4) has no answer queued: add one with stub.add_response('DescribeNamespace', "
        "{...}) before the code under test calls it (thingsgraph-server: POST /_thingsgraph/responses, or a script "
        'file\'s "responses").'
    )


def test_markers_merge_module_then_class_then_function(pytester: pytest.Pytester) -> None:
    make_tests(
        pytester,
        """
        pytestmark = pytest.mark.thingsgraph_stub(assert_all_consumed=False, allow_invalid_requests=True)

        def test_module(thingsgraph_stub):
            assert thingsgraph_stub.options.assert_all_consumed is False
            assert thingsgraph_stub.options.allow_invalid_requests is True
            assert thingsgraph_stub.options.fake_credentials is True

        @pytest.mark.thingsgraph_stub(allow_invalid_requests=False, fake_credentials=False)
        class TestClass:
            def test_class(self, thingsgraph_stub):
                options = thingsgraph_stub.options
                assert (options.assert_all_consumed, options.allow_invalid_requests, options.fake_credentials) == (False, False, False)

            @pytest.mark.thingsgraph_stub(assert_all_consumed=True, fake_credentials=True)
            def test_function(self, thingsgraph_stub):
                options = thingsgraph_stub.options
                assert (options.assert_all_consumed, options.allow_invalid_requests, options.fake_credentials) == (True, False, True)
        """,
    )

    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=3)


def test_ini_keys_set_the_defaults_and_markers_override_them(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        """
        [pytest]
        thingsgraph_assert_all_consumed = false
        thingsgraph_allow_invalid_requests = true
        thingsgraph_fake_credentials = false
        thingsgraph_instant_retries = false
        thingsgraph_validate_definitions = true
        """
    )
    make_tests(
        pytester,
        """
        import dataclasses

        def test_ini(thingsgraph_stub):
            assert dataclasses.asdict(thingsgraph_stub.options) == {
                "assert_all_consumed": False,
                "allow_invalid_requests": True,
                "fake_credentials": False,
                "instant_retries": False,
                "validate_definitions": True,
            }
            thingsgraph_stub.add_upload("u", ["SUCCEEDED"])

        @pytest.mark.thingsgraph_stub(assert_all_consumed=True, validate_definitions=False, instant_retries=True)
        def test_marker(thingsgraph_stub):
            options = thingsgraph_stub.options
            assert (options.assert_all_consumed, options.validate_definitions, options.instant_retries) == (True, False, True)
            assert (options.allow_invalid_requests, options.fake_credentials) == (True, False)
        """,
    )

    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


UNSTUBBED_CALL = """
def test_unstubbed():
    import io
    from botocore.awsrequest import AWSResponse
    from urllib3.response import HTTPResponse

    body = io.BytesIO(b'{"uploadId": "u", "uploadStatus": "SUCCEEDED", "createdDate": 0}')
    c = client()
    c.meta.events.register("before-send.iotthingsgraph", lambda request, **kw: AWSResponse(request.url, 200, {}, HTTPResponse(body=body, preload_content=False)))
    assert c.get_upload_status(uploadId="u")["uploadStatus"] == "SUCCEEDED"
"""


@pytest.mark.usefixtures("unguarded")  # the outer session's guard would refuse the inner call either way
@pytest.mark.parametrize("block", ["true", "false", None])
def test_the_ini_key_block_unstubbed_sets_the_guard(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, block: str | None
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    pytester.makeini("[pytest]\n" + (f"thingsgraph_block_unstubbed = {block}\n" if block else ""))
    make_tests(pytester, UNSTUBBED_CALL)

    result = pytester.runpytest("-p", "no:randomly")

    if block == "false":
        result.assert_outcomes(passed=1)
    else:  # on by default
        result.assert_outcomes(failed=1)
        result.stdout.fnmatch_lines(
            [
                "E *StubError: * to https://iotthingsgraph.us-east-1.amazonaws.com/ was made while no Things Graph "
                "stub is active, and was not sent. *"
            ]
        )


def test_a_wrong_marker_keyword_fails_with_its_name(pytester: pytest.Pytester) -> None:
    make_tests(
        pytester,
        """
        @pytest.mark.thingsgraph_stub(assert_all_consumd=False)
        def test_typo(thingsgraph_stub):
            pass

        @pytest.mark.thingsgraph_stub(allow_invalid_requests="yes")
        def test_value(thingsgraph_stub):
            pass

        @pytest.mark.thingsgraph_stub(False)
        def test_positional(thingsgraph_stub):
            pass
        """,
    )

    result = pytester.runpytest("-p", "no:randomly")

    result.assert_outcomes(errors=3)
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.thingsgraph_stub got the unknown keyword 'assert_all_consumd': use one of "
            "assert_all_consumed, allow_invalid_requests, fake_credentials, instant_retries, validate_definitions.",
            "@pytest.mark.thingsgraph_stub keyword allow_invalid_requests='yes' is not a bool: pass True or False.",
            "@pytest.mark.thingsgraph_stub got positional arguments (False,): pass keywords, one of "
            "assert_all_consumed, allow_invalid_requests, fake_credentials, instant_retries, validate_definitions.",
        ],
        consecutive=False,
    )


def test_a_wrong_ini_value_fails_with_the_key(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nthingsgraph_fake_credentials = maybe\n")
    make_tests(pytester, "def test_it(thingsgraph_stub):\n    pass\n")

    result = pytester.runpytest("-p", "no:randomly")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: ini key thingsgraph_fake_credentials: invalid truth value 'maybe': set it to true or false."]
    )


@pytest.mark.usefixtures("unguarded")  # the inner session's ini turns its own guard off
def test_the_stub_is_deactivated_whatever_the_test_did(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nthingsgraph_block_unstubbed = false\n")  # the last test calls with no stub
    make_tests(
        pytester,
        """
        import pytest_thingsgraph._registry as activation

        def test_raises(thingsgraph_stub):
            raise RuntimeError("the code under test broke")

        def test_fails_teardown(thingsgraph_stub):
            thingsgraph_stub.add_upload("u", ["SUCCEEDED"])

        def test_next_test_is_not_answered(monkeypatch):
            monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
            monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
            assert activation.active() is None
            seen = []
            c = client()
            c.meta.events.register("before-send.iotthingsgraph", lambda request, **kw: seen.append(request) or _response(request))
            assert c.get_upload_status(uploadId="u")["uploadStatus"] == "IN_PROGRESS"
            assert len(seen) == 1

        def _response(request):
            import io
            from botocore.awsrequest import AWSResponse
            from urllib3.response import HTTPResponse
            body = io.BytesIO(b'{"uploadId": "u", "uploadStatus": "IN_PROGRESS", "createdDate": 0}')
            return AWSResponse(request.url, 200, {}, HTTPResponse(body=body, preload_content=False))
        """,
    )

    result = pytester.runpytest("-p", "no:randomly")

    result.assert_outcomes(passed=2, failed=1, errors=1)


def test_a_second_stub_is_a_clear_error(pytester: pytest.Pytester) -> None:
    make_tests(
        pytester,
        """
        from pytest_thingsgraph import mock_thingsgraph

        def test_nested(thingsgraph_stub):
            with mock_thingsgraph():
                pass
        """,
    )

    result = pytester.runpytest("-p", "no:randomly")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E * pytest_thingsgraph.UsageError: Cannot start mock_thingsgraph(): a Things Graph stub is "
            "already active, the thingsgraph_stub fixture of test_inner.py::test_nested started at *. "
            "Only one answers at a time: use that stub (active_stub() returns it), or stop it first "
            "(leave its with block, or call stop() on what started it)."
        ]
    )


def test_the_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")

    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.thingsgraph_stub(**options): options of the thingsgraph_stub fixture: assert_all_consumed=<bool>, "
            "allow_invalid_requests=<bool>, fake_credentials=<bool>, instant_retries=<bool>, validate_definitions=<bool>"
        ]
    )


def test_ini_keys_are_documented(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "300")  # one line of help per key
    result = pytester.runpytest("--help")

    result.stdout.fnmatch_lines(
        [
            "  thingsgraph_assert_all_consumed (bool):",
            "* fail at teardown if an upload's script was not served to its end (default true)",
            "  thingsgraph_allow_invalid_requests (bool):",
            "* answer invalid Things Graph requests without failing the test (default false)",
            "  thingsgraph_fake_credentials (bool):",
            "* sign stubbed Things Graph requests with fake credentials (default true)",
            "  thingsgraph_instant_retries (bool):",
            "* skip clients' waits before retrying stubbed calls; record the delays (default true)",
            "  thingsgraph_validate_definitions (bool):",
            "* parse uploaded GraphQL with graphql-core; uploads that don't parse end FAILED (default false)",
            "  thingsgraph_block_unstubbed (bool):",
            "* refuse Things Graph calls made while no stub is active (default true)",
        ]
    )


def test_a_skip_or_xfail_halfway_is_that_outcome_alone(pytester: pytest.Pytester) -> None:
    make_tests(
        pytester,
        """
        def test_skips(thingsgraph_stub):
            thingsgraph_stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
            client().get_upload_status(uploadId="u")
            pytest.skip("not today")

        def test_xfails(thingsgraph_stub):
            thingsgraph_stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
            pytest.xfail("a known bug")

        @pytest.mark.xfail(reason="a known bug")
        def test_marked_xfail(thingsgraph_stub):
            thingsgraph_stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
            assert False
        """,
    )

    result = pytester.runpytest("-p", "no:randomly", "-p", "no:xdist")

    result.assert_outcomes(skipped=1, xfailed=2)
    assert "not polled to the end" not in result.stdout.str()


def test_an_unanswered_operation_is_one_failure_that_lists_the_call(pytester: pytest.Pytester) -> None:
    make_tests(
        pytester,
        """
        def test_describe(thingsgraph_stub):
            thingsgraph_stub.add_upload("u", ["SUCCEEDED"])
            c = client()
            c.get_upload_status(uploadId="u")
            c.describe_namespace()
        """,
    )

    result = pytester.runpytest("-p", "no:randomly", "-p", "no:xdist")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- Things Graph calls -*",
            "   1 GetUploadStatus 'u' us-east-1 200 SUCCEEDED",
            "   2 DescribeNamespace - us-east-1 - not answered: the stub raised StubError",
        ]
    )
    assert "no Things Graph calls were made" not in result.stdout.str()
    assert "Things Graph teardown checks" not in result.stdout.str()  # the StubError is the failure itself


def test_a_stub_error_the_code_caught_is_shown_beside_the_one_that_failed_the_test(pytester: pytest.Pytester) -> None:
    make_tests(
        pytester,
        """
        def test_describe(thingsgraph_stub):
            c = client()
            try:
                c.describe_namespace()
            except Exception:
                pass  # the code under test swallows the first
            c.get_flow_template(id="urn:tdm:us-east-1/123456789012/default:Workflow:Lamps")
        """,
    )

    result = pytester.runpytest("-p", "no:randomly", "-p", "no:xdist")

    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    checks = output[output.index("Things Graph teardown checks") :]
    assert "- DescribeNamespace (request 1) has no answer queued" in checks
    assert "GetFlowTemplate (request 2" not in checks  # the test's own failure, shown once above


def test_a_failed_test_shows_the_other_findings_of_its_checks(pytester: pytest.Pytester) -> None:
    make_tests(
        pytester,
        """
        def test_fails(thingsgraph_stub):
            thingsgraph_stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
            try:
                client().get_upload_status(uploadId="u" * 41)
            except Exception:
                pass
            assert False, "the test's own failure"
        """,
    )

    result = pytester.runpytest("-p", "no:randomly", "-p", "no:xdist")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- Things Graph calls -*",
            "   1 GetUploadStatus - us-east-1 400 InvalidRequestException",
            "*- Things Graph teardown checks -*",
            "These requests were invalid and were answered with the service's error:",
            "- request 1 (GetUploadStatus in us-east-1): InvalidRequestException: 1 validation error detected: *",
        ]
    )
    assert "not polled to the end" not in result.stdout.str()


def test_a_failed_decorated_test_shows_its_calls(pytester: pytest.Pytester) -> None:
    make_tests(
        pytester,
        """
        from pytest_thingsgraph import mock_thingsgraph

        @mock_thingsgraph()
        def test_fails():
            active_stub().add_upload("u", ["SUCCEEDED"])
            client().get_upload_status(uploadId="u")
            assert False, "the test's own failure"

        @mock_thingsgraph()
        def test_leaves_a_script():
            active_stub().add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
            client().get_upload_status(uploadId="u")
        """,
    )

    result = pytester.runpytest("-p", "no:randomly", "-p", "no:xdist")

    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "*_ test_fails _*",
            "*- Things Graph calls -*",
            "   1 GetUploadStatus 'u' us-east-1 200 SUCCEEDED",
            "*_ test_leaves_a_script _*",
            "*- Things Graph calls -*",
            "   1 GetUploadStatus 'u' us-east-1 200 IN_PROGRESS",
        ]
    )


def test_a_stub_left_running_by_a_test_fails_it_and_is_stopped(pytester: pytest.Pytester) -> None:
    make_tests(
        pytester,
        """
        from pytest_thingsgraph import mock_thingsgraph

        def test_1_starts_and_forgets():
            mock_thingsgraph().start()

        def test_2_is_not_answered():
            with pytest.raises(StubError, match="no Things Graph stub is active"):
                client().get_upload_status(uploadId="u")

        def test_3_gets_its_fixture(thingsgraph_stub):
            pass
        """,
        test_shared="""
        import pytest
        from pytest_thingsgraph import mock_thingsgraph

        @pytest.fixture(scope="module")
        def shared_stub():
            patcher = mock_thingsgraph()
            stub = patcher.start()
            yield stub
            patcher.stop()

        def test_a(shared_stub):
            pass

        def test_b(shared_stub):
            pass
        """,
    )

    # in a subprocess: without the fix the stub left running would answer in this process too
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:xdist", "test_inner.py", "test_shared.py")

    result.assert_outcomes(passed=4, failed=1)
    source = (pytester.path / "test_inner.py").read_text().splitlines()
    line = source.index("    mock_thingsgraph().start()") + 1
    result.stdout.fnmatch_lines(
        [
            "*_ test_1_starts_and_forgets _*",
            LEFT_RUNNING.format(where=f"{pytester.path / 'test_inner.py'}:{line}"),
        ]
    )


def test_a_stub_left_running_is_reported_with_the_calls_it_answered_in_this_process_too(
    pytester: pytest.Pytester,
) -> None:
    """The same in this process, where the inner session runs this process's plugin: the message, and the calls of
    the stub left running under the failed test."""
    make_tests(
        pytester,
        """
        from pytest_thingsgraph import mock_thingsgraph

        def test_starts_and_forgets():
            mock_thingsgraph().start().add_upload("u", ["SUCCEEDED"])
            client().get_upload_status(uploadId="u")

        def test_after_is_not_answered():
            with pytest.raises(StubError, match="no Things Graph stub is active"):
                client().get_upload_status(uploadId="u")
        """,
    )

    result = pytester.runpytest("-p", "no:randomly", "-p", "no:xdist")

    result.assert_outcomes(passed=1, failed=1)
    # where it started: the test above pins it (mutmut's trampoline adds a frame in this process, see MUTATION.md)
    result.stdout.fnmatch_lines(
        [
            "*_ test_starts_and_forgets _*",
            LEFT_RUNNING.format(where="*"),
            "*- Things Graph calls -*",
            "   1 GetUploadStatus 'u' us-east-1 200 SUCCEEDED",
        ]
    )
    assert active() is None

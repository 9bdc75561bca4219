"""Reruns (pytest-rerunfailures, flaky): every attempt of a test gets its own stub and its own teardown checks.

Nothing from an earlier attempt may change how a later one is judged: a test that
leaves a script unused fails on every attempt, not only the first.
"""

from __future__ import annotations

import textwrap

import pytest

pytest.importorskip("pytest_rerunfailures")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

HEADER = """
import boto3
from botocore.config import Config

def client():
    return boto3.client("iotthingsgraph", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1}))
"""

# flaky, when installed, would take the run protocol from pytest-rerunfailures
RERUN = ("-p", "no:randomly", "-p", "no:xdist", "-p", "no:flaky", "-p", "rerunfailures", "--reruns", "1")


def test_a_test_that_leaves_a_script_unused_errors_on_every_attempt(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_inner=HEADER
        + textwrap.dedent(
            """
            def test_leaves_a_script(thingsgraph_stub):
                thingsgraph_stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
                client().get_upload_status(uploadId="u")
            """
        )
    )

    result = pytester.runpytest(*RERUN)

    # each attempt's body passes and its teardown errors: the first error is the rerun, the second stays
    assert result.parseoutcomes() == {"passed": 2, "errors": 1, "rerun": 1}
    # the progress letters: .R.E (pytest 7 writes the second attempt's after the percentage: .R [100%].E)
    progress = next(line for line in result.outlines if line.startswith("test_inner.py "))
    assert [letter for letter in progress.removeprefix("test_inner.py ") if letter in ".RE"] == [".", "R", ".", "E"]
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_leaves_a_script*"])
    assert result.stdout.str().count("- 'u': 1 of 2 items served; not served: 'SUCCEEDED'") == 1


def test_a_flaky_test_that_passes_on_its_second_attempt_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_inner=HEADER
        + textwrap.dedent(
            """
            attempts = []

            def test_flaky(thingsgraph_stub):
                attempts.append(1)
                thingsgraph_stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
                c = client()
                assert c.get_upload_status(uploadId="u")["uploadStatus"] == "IN_PROGRESS"
                assert len(attempts) == 2, "fails on its first attempt"
                assert c.get_upload_status(uploadId="u")["uploadStatus"] == "SUCCEEDED"
            """
        )
    )

    result = pytester.runpytest(*RERUN)

    assert result.parseoutcomes() == {"passed": 1, "rerun": 1}
    result.stdout.fnmatch_lines(["*1 passed, 1 rerun*"])


# flaky reruns a test whose setup or call failed; a teardown error (a teardown check) is reported at once and never
# rerun (flaky_pytest_plugin: "only retry on call, not setup or teardown"), so it can hide no check either
FLAKY = ("-p", "no:randomly", "-p", "no:xdist", "-p", "no:rerunfailures", "-p", "flaky", "-v")


def test_under_flaky_a_test_that_leaves_a_script_unused_errors(pytester: pytest.Pytester) -> None:
    pytest.importorskip("flaky")
    pytester.makepyfile(
        test_inner=HEADER
        + textwrap.dedent(
            """
            from flaky import flaky

            attempts = []

            @flaky(max_runs=2)
            def test_leaves_a_script(thingsgraph_stub):
                attempts.append(1)
                thingsgraph_stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
                client().get_upload_status(uploadId="u")

            def test_attempts():
                assert len(attempts) == 1
            """
        )
    )

    result = pytester.runpytest(*FLAKY)

    # the body passes, so flaky counts a success and runs it once; its teardown check errors
    assert result.parseoutcomes() == {"passed": 2, "errors": 1}
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_leaves_a_script*"])
    assert result.stdout.str().count("- 'u': 1 of 2 items served; not served: 'SUCCEEDED'") == 1


def test_under_flaky_a_rerun_that_leaves_a_script_unused_errors(pytester: pytest.Pytester) -> None:
    pytest.importorskip("flaky")
    pytester.makepyfile(
        test_inner=HEADER
        + textwrap.dedent(
            """
            from flaky import flaky

            attempts = []

            @flaky(max_runs=2)
            def test_flaky(thingsgraph_stub):
                attempts.append(1)
                thingsgraph_stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
                client().get_upload_status(uploadId="u")
                assert len(attempts) == 2, "fails on its first attempt"

            def test_attempts():
                assert len(attempts) == 2
            """
        )
    )

    result = pytester.runpytest(*FLAKY)

    # the first attempt fails in its body (flaky reruns it, its checks give way to the failure); the second
    # attempt's body passes and its own teardown check errors
    assert result.parseoutcomes() == {"passed": 2, "errors": 1}
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_flaky*"])
    assert result.stdout.str().count("- 'u': 1 of 2 items served; not served: 'SUCCEEDED'") == 1


def test_under_flaky_a_test_that_passes_on_its_second_attempt_passes(pytester: pytest.Pytester) -> None:
    pytest.importorskip("flaky")
    pytester.makepyfile(
        test_inner=HEADER
        + textwrap.dedent(
            """
            from flaky import flaky

            attempts = []

            @flaky(max_runs=2)
            def test_flaky(thingsgraph_stub):
                attempts.append(1)
                thingsgraph_stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
                c = client()
                assert c.get_upload_status(uploadId="u")["uploadStatus"] == "IN_PROGRESS"
                assert len(attempts) == 2, "fails on its first attempt"
                assert c.get_upload_status(uploadId="u")["uploadStatus"] == "SUCCEEDED"

            def test_attempts():
                assert len(attempts) == 2
            """
        )
    )

    result = pytester.runpytest(*FLAKY)

    # flaky reports only the last attempt
    assert result.parseoutcomes() == {"passed": 2}
    result.stdout.fnmatch_lines(["*test_inner.py::test_flaky PASSED*"])

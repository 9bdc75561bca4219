"""Reruns (pytest-rerunfailures): every attempt of a test gets its own stub and its own teardown checks.

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

RERUN = ("-p", "no:randomly", "-p", "no:xdist", "-p", "rerunfailures", "--reruns", "1")


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

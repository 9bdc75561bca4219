"""Wider scopes: one stub shared by a module's (or a session's) tests, with per-test checks that stay meaningful.

RECIPE is the conftest the README shows: a module-scoped fixture around ``mock_thingsgraph().start()`` and
``stop()``, and a function-scoped wrapper that runs ``verify()`` then ``reset()`` after each test.
"""

from __future__ import annotations

import textwrap

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

RECIPE = '''
from collections.abc import Iterator

import pytest

from pytest_thingsgraph import ThingsGraphStub, mock_thingsgraph


@pytest.fixture(scope="module")  # or scope="session"
def shared_thingsgraph() -> Iterator[ThingsGraphStub]:
    """One stub for every test of the module; it answers from the first test to the last."""
    patcher = mock_thingsgraph()
    stub = patcher.start()
    yield stub
    patcher.stop()


@pytest.fixture
def things_graph(shared_thingsgraph: ThingsGraphStub) -> Iterator[ThingsGraphStub]:
    """The shared stub, checked after each test and emptied for the next one."""
    yield shared_thingsgraph
    try:
        shared_thingsgraph.verify()  # this test's teardown fails if its own scripts were not used up
    finally:
        shared_thingsgraph.reset()  # the next test starts with no scripts, calls or problems
'''

TESTS = """
import boto3
from botocore.config import Config

from pytest_thingsgraph import active_stub

SEEN = []


def client():
    return boto3.client("iotthingsgraph", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1}))


def test_first(things_graph):
    SEEN.append(things_graph)
    things_graph.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
    assert client().get_upload_status(uploadId="u")["uploadStatus"] == "IN_PROGRESS"
    {first_polls_again}


def test_second(things_graph):
    SEEN.append(things_graph)
    assert SEEN[0] is things_graph is active_stub()
    assert (things_graph.calls, things_graph.failures()) == ([], [])  # no leftovers of test_first
    c = client()
    try:
        c.get_upload_status(uploadId="u")
    except c.exceptions.ResourceNotFoundException:
        pass
    else:
        raise AssertionError("test_first's upload is still scripted")
    things_graph.add_upload("u", ["SUCCEEDED"])
    assert c.get_upload_status(uploadId="u")["uploadStatus"] == "SUCCEEDED"
"""


def make_module(pytester: pytest.Pytester, first_polls_again: bool) -> None:
    pytester.makeconftest(RECIPE)
    again = 'assert client().get_upload_status(uploadId="u")["uploadStatus"] == "SUCCEEDED"'
    pytester.makepyfile(test_shared=TESTS.replace("{first_polls_again}", again if first_polls_again else "pass"))


def test_two_tests_share_one_stub_and_the_second_sees_no_leftovers(pytester: pytest.Pytester) -> None:
    make_module(pytester, first_polls_again=True)

    result = pytester.runpytest("-p", "no:randomly", "-v")

    result.assert_outcomes(passed=2)


def test_an_unconsumed_script_fails_the_test_that_left_it_not_the_next(pytester: pytest.Pytester) -> None:
    make_module(pytester, first_polls_again=False)

    result = pytester.runpytest("-p", "no:randomly", "-v")

    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "test_shared.py::test_first PASSED*",
            "test_shared.py::test_first ERROR*",
            "test_shared.py::test_second PASSED*",
            "*_ ERROR at teardown of test_first _*",
            "E * pytest_thingsgraph.StubError: These uploads were not polled to the end of their scripts:",
            "E * - 'u': 1 of 2 items served; not served: 'SUCCEEDED'",
        ]
    )
    assert "ERROR at teardown of test_second" not in result.stdout.str()


def test_the_recipe_shares_across_a_session_too(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(RECIPE.replace('scope="module"', 'scope="session"'))
    pytester.makepyfile(
        test_a=TESTS.replace("{first_polls_again}", 'client().get_upload_status(uploadId="u")'),
        test_b=textwrap.dedent(
            """
            import test_a

            def test_same_stub(things_graph):
                assert test_a.SEEN[0] is things_graph
            """
        ),
    )

    result = pytester.runpytest("-p", "no:randomly")

    result.assert_outcomes(passed=3)

"""``mock_thingsgraph`` as a class decorator: a stub per test, and no test ever lost.

Counted by the runners themselves: pytest (inner ``pytester`` sessions) and
``python -m unittest`` in a subprocess, with the decorator and without it.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import io
import re
import subprocess
import sys
import textwrap
import unittest
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from helpers import make_client

from pytest_thingsgraph import StubError, ThingsGraphStub, active_stub, mock_thingsgraph
from pytest_thingsgraph._registry import active

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

#: 7 tests a class: 5 pass and 2 fail, whether or not a stub runs around them.
CLASSES = """
import unittest

import pytest

from pytest_thingsgraph import StubError, active_stub, mock_thingsgraph

STUBBED = {stubbed}


def stubbed():
    try:
        active_stub()
    except StubError:
        return False
    return True


{decorator}
class TestCaseStyle(unittest.TestCase):
    def setUp(self):
        self.ready = stubbed() is STUBBED

    def test_1(self):
        self.assertTrue(self.ready)

    def test_2(self):
        self.assertTrue(self.ready)

    def test_3(self):
        self.assertEqual(1, 2, "fails on purpose")

    def test_4(self):
        self.assertTrue(self.ready)

    def test_5(self):
        raise AssertionError("fails on purpose")

    def test_6(self):
        self.assertTrue(self.ready)

    def test_7(self):
        self.assertTrue(self.ready)


{decorator}
class IsolatedAsyncStyle(unittest.IsolatedAsyncioTestCase):
    async def test_1(self):
        self.assertIs(stubbed(), STUBBED)

    async def test_2(self):
        raise AssertionError("fails on purpose")

    def test_3(self):
        self.assertIs(stubbed(), STUBBED)
"""

PLAIN = """

{decorator}
class TestPlain:
    def test_1(self):
        assert stubbed() is STUBBED

    def test_2(self):
        assert False, "fails on purpose"

    @pytest.mark.asyncio
    async def test_3(self):
        assert stubbed() is STUBBED

    @pytest.mark.asyncio
    async def test_4(self):
        assert False, "fails on purpose"

    @pytest.mark.parametrize("n", [1, 2, 3])
    def test_5(self, n):
        assert stubbed() is STUBBED

    def helper_not_a_test(self):
        raise AssertionError("never collected")


{decorator}
def test_function():
    assert stubbed() is STUBBED


{decorator}
async def test_coroutine_function():
    assert stubbed() is STUBBED
"""


INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"


def _source(decorated: bool, *, plain: bool) -> str:
    decorator = "@mock_thingsgraph()" if decorated else ""
    text = CLASSES + (PLAIN if plain else "")
    # the coroutine function needs pytest-asyncio's marker in strict mode
    text = text.replace("{decorator}\nasync def", "@pytest.mark.asyncio\n{decorator}\nasync def")
    return text.replace("{decorator}", decorator).replace("{stubbed}", str(decorated))


@pytest.mark.parametrize("decorated", [False, True], ids=["bare", "decorated"])
def test_pytest_runs_every_test_of_a_decorated_class(pytester: pytest.Pytester, decorated: bool) -> None:
    pytester.makepyfile(test_inner=_source(decorated, plain=True))
    pytester.makeini(INI)

    result = pytester.runpytest("-p", "no:randomly", "-p", "no:xdist", "-v")

    # TestCaseStyle 5 + 2, IsolatedAsyncStyle 2 + 1, TestPlain 5 + 2, the function and the coroutine function
    result.assert_outcomes(passed=14, failed=5)
    result.stdout.fnmatch_lines(["*TestCaseStyle::test_3 FAILED*"])
    result.stdout.fnmatch_lines(["*TestPlain::test_4 FAILED*"])


UNITTEST_RAN = re.compile(r"^Ran (\d+) tests? in ", re.MULTILINE)


@pytest.mark.parametrize("decorated", [False, True], ids=["bare", "decorated"])
def test_python_m_unittest_runs_every_test_of_a_decorated_class(tmp_path: Path, decorated: bool) -> None:
    (tmp_path / "test_inner.py").write_text(_source(decorated, plain=False), encoding="utf-8")

    completed = subprocess.run(
        [sys.executable, "-m", "unittest", "-v", "test_inner"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    output = completed.stderr
    assert [int(n) for n in UNITTEST_RAN.findall(output)] == [10], output
    assert "FAILED (failures=3)" in output, output
    assert completed.returncode == 1
    assert output.count(" ... ok") == 7, output


def _run(case: type[unittest.TestCase]) -> unittest.TestResult:
    """Run every test of ``case`` with unittest's own runner."""
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(case)
    return unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)


def test_a_test_case_gets_a_fresh_stub_from_before_set_up_to_after_tear_down() -> None:
    seen: dict[str, list[tuple[str, ThingsGraphStub]]] = {}

    @mock_thingsgraph()
    class Case(unittest.TestCase):
        def note(self, where: str) -> None:
            seen.setdefault(self._testMethodName, []).append((where, active_stub()))

        def setUp(self) -> None:
            self.note("setUp")
            self.addCleanup(self.note, "cleanup")

        def tearDown(self) -> None:
            self.note("tearDown")

        def test_a(self) -> None:
            self.note("test")
            active_stub().add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
            client = make_client()
            self.assertEqual(client.get_upload_status(uploadId="u")["uploadStatus"], "IN_PROGRESS")
            self.assertEqual(client.get_upload_status(uploadId="u")["uploadStatus"], "SUCCEEDED")

        def test_b(self) -> None:
            self.note("test")
            active_stub().add_upload("u", ["FAILED"])  # the same upload ID: test_a's script is gone
            self.assertEqual(make_client().get_upload_status(uploadId="u")["uploadStatus"], "FAILED")

    result = _run(Case)

    assert (result.testsRun, result.failures, result.errors) == (2, [], [])
    assert {name: [where for where, _ in notes] for name, notes in seen.items()} == {
        "test_a": ["setUp", "test", "tearDown", "cleanup"],
        "test_b": ["setUp", "test", "tearDown", "cleanup"],
    }
    stubs = {name: {id(stub) for _, stub in notes} for name, notes in seen.items()}
    assert len(stubs["test_a"]) == len(stubs["test_b"]) == 1  # one stub through each test
    assert stubs["test_a"] != stubs["test_b"]  # a fresh one for the next
    (stub_a,) = {stub for _, stub in seen["test_a"]}
    assert [call.upload_status for call in stub_a.calls] == ["IN_PROGRESS", "SUCCEEDED"]
    assert active() is None


UNCONSUMED_REPORT = (
    "These uploads were not polled to the end of their scripts:\n"
    "- 'u': 0 of 1 items served; not served: 'SUCCEEDED'\n"
    "Poll them to the end or shorten their scripts; if some items are optional, set assert_all_consumed=False "
    "(see 'Options and teardown' in the README of pytest-thingsgraph)"
)


def test_a_failed_teardown_check_fails_that_test_only() -> None:
    @mock_thingsgraph()
    class Case(unittest.TestCase):
        def test_leaves_a_script(self) -> None:
            active_stub().add_upload("u", ["SUCCEEDED"])

        def test_polls_it(self) -> None:
            active_stub().add_upload("u", ["SUCCEEDED"])
            make_client().get_upload_status(uploadId="u")

    result = _run(Case)

    assert result.testsRun == 2
    assert result.errors == []
    ((test, traceback),) = result.failures  # StubError is an AssertionError: a failure, as a failed assert
    assert test.id().endswith("Case.test_leaves_a_script")
    assert traceback.endswith(f"StubError: {UNCONSUMED_REPORT}\n"), traceback
    assert active() is None


def test_a_failed_teardown_check_fails_the_test_under_pytest(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(
        test_inner="""
        import unittest
        import boto3
        from pytest_thingsgraph import active_stub, mock_thingsgraph

        @mock_thingsgraph()
        class Case(unittest.TestCase):
            def test_leaves_a_script(self):
                active_stub().add_upload("u", ["SUCCEEDED"])

            def test_clean(self):
                pass

        @mock_thingsgraph()
        class TestPlain:
            def test_leaves_a_script(self):
                active_stub().add_upload("u", ["SUCCEEDED"])

            def test_clean(self):
                pass
        """
    )

    result = pytester.runpytest("-p", "no:randomly", "-p", "no:xdist", "-v")

    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(["*Case::test_leaves_a_script FAILED*", "*TestPlain::test_leaves_a_script FAILED*"])
    assert result.stdout.str().count("- 'u': 0 of 1 items served; not served: 'SUCCEEDED'") == 2


def test_a_plain_class_runs_each_test_method_in_a_stub_of_its_own() -> None:
    stubs: list[ThingsGraphStub] = []

    @mock_thingsgraph()
    class TestPolls:
        label = "kept"

        def test_sync(self) -> str:
            stubs.append(active_stub())
            active_stub().add_upload("u", ["SUCCEEDED"])
            return str(make_client().get_upload_status(uploadId="u")["uploadStatus"])

        async def test_async(self) -> str:
            stubs.append(active_stub())
            active_stub().add_upload("u", ["FAILED"])
            await asyncio.sleep(0)
            return str(make_client().get_upload_status(uploadId="u")["uploadStatus"])

        def helper(self) -> ThingsGraphStub | None:
            return active()

    polls = TestPolls()

    assert polls.test_sync() == "SUCCEEDED"
    assert asyncio.run(polls.test_async()) == "FAILED"
    assert polls.helper() is None  # not a test method: not wrapped
    assert TestPolls.label == "kept"
    assert len(stubs) == 2
    assert stubs[0] is not stubs[1]
    assert active() is None


@pytest.mark.asyncio
async def test_an_async_method_of_a_plain_class_gets_a_stub_under_pytest_asyncio() -> None:
    @mock_thingsgraph()
    class TestPolls:
        async def test_poll(self) -> ThingsGraphStub:
            stub = active_stub()
            stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
            client = make_client()
            statuses = [client.get_upload_status(uploadId="u")["uploadStatus"] for _ in range(2)]
            assert statuses == ["IN_PROGRESS", "SUCCEEDED"]
            return stub

    stub = await TestPolls().test_poll()

    assert len(stub.calls) == 2
    assert active() is None


def test_the_decorated_class_and_its_methods_keep_their_names() -> None:
    class Case(unittest.TestCase):
        def test_a(self) -> None:
            """Its docstring."""

    decorated = mock_thingsgraph()(Case)

    assert decorated is Case
    assert Case.setUp.__name__ == "setUp"
    assert Case.test_a.__doc__ == "Its docstring."


def _plain() -> None:
    pass


@pytest.mark.parametrize(
    ("target", "description"),
    [
        (42, "42 (int)"),
        ("test_x", "'test_x' (str)"),
        (functools.partial(len), "functools.partial(<built-in function len>) (partial)"),
        (staticmethod(_plain), f"<staticmethod({_plain!r})> (staticmethod)"),
    ],
    ids=["int", "str", "partial", "staticmethod"],
)
def test_anything_else_is_a_type_error_naming_it(target: object, description: str) -> None:
    with pytest.raises(TypeError) as caught:
        mock_thingsgraph()(target)  # type: ignore[call-overload]

    assert str(caught.value) == (
        f"mock_thingsgraph() cannot decorate {description}: decorate a function, a coroutine function, "
        "a unittest.TestCase class or a test class, or use it as a with block."
    )


def test_a_decorated_function_stops_its_stub_when_it_raises() -> None:
    @mock_thingsgraph()
    def broken() -> None:
        active_stub().add_upload("u", ["SUCCEEDED"])  # unconsumed, but the test's own error wins
        raise KeyError("the code under test broke")

    with pytest.raises(KeyError):
        broken()

    assert active() is None


def test_a_decorated_function_fails_with_the_teardown_report() -> None:
    @mock_thingsgraph()
    def leaves_a_script() -> None:
        active_stub().add_upload("u", ["SUCCEEDED"])

    with pytest.raises(StubError) as caught:
        leaves_a_script()

    assert str(caught.value) == UNCONSUMED_REPORT


def _stubbed() -> ThingsGraphStub | None:
    return active()


def test_inherited_test_methods_of_a_plain_class_get_a_stub_too() -> None:
    class Base:
        def test_inherited(self) -> ThingsGraphStub | None:
            return _stubbed()

        async def test_inherited_async(self) -> ThingsGraphStub | None:
            return _stubbed()

        def test_overridden(self) -> ThingsGraphStub | None:
            raise AssertionError("overridden")  # pragma: no cover

    @mock_thingsgraph()
    class TestChild(Base):
        def test_overridden(self) -> ThingsGraphStub | None:
            return _stubbed()

    child = TestChild()

    assert child.test_inherited() is not None
    assert asyncio.run(child.test_inherited_async()) is not None
    assert child.test_overridden() is not None
    assert Base().test_inherited() is None  # the base class itself is left as it was
    assert active() is None


def test_methods_already_stubbed_are_not_stubbed_twice() -> None:
    @mock_thingsgraph(assert_all_consumed=False)
    class TestBase:
        def test_from_base(self) -> ThingsGraphStub | None:
            return _stubbed()

    @mock_thingsgraph()
    class TestChild(TestBase):
        @mock_thingsgraph(allow_invalid_requests=True)
        def test_own(self) -> ThingsGraphStub | None:
            return _stubbed()

    child = TestChild()
    from_base, own = child.test_from_base(), child.test_own()  # a second stub would be a UsageError

    assert from_base is not None
    assert from_base.options.assert_all_consumed is False  # the base's decorator's stub
    assert own is not None
    assert own.options.allow_invalid_requests is True  # the method's own decorator's stub


def test_decorated_test_cases_inheriting_from_one_another_run_one_stub_per_test() -> None:
    seen: list[ThingsGraphStub] = []

    @mock_thingsgraph(assert_all_consumed=False)
    class Base(unittest.TestCase):
        def setUp(self) -> None:
            seen.append(active_stub())

        def test_from_base(self) -> None:
            self.assertIs(active_stub(), seen[-1])

    @mock_thingsgraph(allow_invalid_requests=True)
    class Child(Base):
        def setUp(self) -> None:
            super().setUp()  # the base's setUp runs inside the stub the child's decorator started

        def test_own(self) -> None:
            self.assertIs(active_stub(), seen[-1])

    @mock_thingsgraph(allow_invalid_requests=True)
    class Inherits(Base):
        def test_own(self) -> None:
            self.assertIs(active_stub(), seen[-1])

    results = [_run(Child), _run(Inherits), _run(Base)]

    assert [(r.testsRun, r.errors, r.failures) for r in results] == [(2, [], []), (2, [], []), (1, [], [])]
    assert len({id(stub) for stub in seen}) == 5  # one fresh stub per test
    assert [stub.options.allow_invalid_requests for stub in seen] == [True, True, True, True, False]
    assert active() is None


def test_a_decorated_function_stops_its_stub_on_a_base_exception() -> None:
    stubs: list[ThingsGraphStub] = []

    @mock_thingsgraph()
    def interrupted(error: BaseException) -> None:
        stubs.append(active_stub())
        active_stub().add_upload("u", ["SUCCEEDED"])  # unconsumed, but the exception wins
        raise error

    for error, kind in [
        (KeyboardInterrupt(), KeyboardInterrupt),
        (pytest.skip.Exception("skipped"), pytest.skip.Exception),
        (pytest.fail.Exception("failed"), pytest.fail.Exception),
    ]:
        with pytest.raises(kind):
            interrupted(error)
        assert active() is None
        assert repr(stubs[-1]) == "<ThingsGraphStub stopped: 1 uploads, 0 calls>"
    assert len(stubs) == 3


def test_without_parentheses_it_decorates_functions_coroutines_and_classes() -> None:
    @mock_thingsgraph
    def function() -> ThingsGraphStub:
        return active_stub()

    @mock_thingsgraph
    async def coroutine() -> ThingsGraphStub:
        return active_stub()

    @mock_thingsgraph
    class Plain:
        def test_method(self) -> ThingsGraphStub:
            return active_stub()

    @mock_thingsgraph
    class Case(unittest.TestCase):
        def test_method(self) -> None:
            active_stub()

    assert isinstance(function(), ThingsGraphStub)
    assert isinstance(asyncio.run(coroutine()), ThingsGraphStub)
    assert isinstance(Plain().test_method(), ThingsGraphStub)
    assert _run(Case).wasSuccessful()
    assert active() is None


def test_without_parentheses_it_runs_under_pytest(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_inner="""
        from pytest_thingsgraph import active_stub, mock_thingsgraph

        @mock_thingsgraph
        def test_function():
            active_stub()

        @mock_thingsgraph
        class TestPlain:
            def test_method(self):
                active_stub()
        """
    )

    pytester.runpytest("-p", "no:randomly", "-p", "no:xdist").assert_outcomes(passed=2)


def test_a_generator_function_stays_one() -> None:
    @mock_thingsgraph()
    def numbers() -> Iterator[bool]:
        yield active() is not None
        yield active() is not None

    assert inspect.isgeneratorfunction(numbers)
    assert list(numbers()) == [True, True]
    assert active() is None


def test_an_async_generator_function_is_refused() -> None:
    async def numbers() -> AsyncIterator[int]:
        yield 1

    with pytest.raises(TypeError) as caught:
        mock_thingsgraph()(numbers)

    assert str(caught.value) == (
        "mock_thingsgraph() cannot decorate the async generator function "
        "test_an_async_generator_function_is_refused.<locals>.numbers: "
        "use a with block inside it (with mock_thingsgraph() as stub: ...)."
    )


def test_a_decorated_generator_test_gets_the_outcome_it_gets_undecorated(pytester: pytest.Pytester) -> None:
    source = """
        from pytest_thingsgraph import mock_thingsgraph

        {decorator}
        def test_generator():
            assert False, "never runs"
            yield
    """
    outcomes = []
    for decorator in ("", "@mock_thingsgraph()"):
        pytester.makepyfile(test_inner=source.format(decorator=decorator))
        result = pytester.runpytest("-p", "no:randomly", "-p", "no:xdist")
        outcomes.append(result.parseoutcomes())
        assert "passed" not in outcomes[-1]

    assert outcomes[0] == outcomes[1]


def test_static_class_methods_and_xunit_methods_of_a_plain_class_run_under_the_test_stub(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_inner="""
        from pytest_thingsgraph import active_stub, mock_thingsgraph

        seen = []

        @mock_thingsgraph()
        class TestPlain:
            def setup_method(self, method):
                seen.append(("setup", method.__name__, active_stub()))

            def teardown_method(self):
                seen.append(("teardown", None, active_stub()))

            def test_method(self):
                seen.append(("test", "test_method", active_stub()))

            @staticmethod
            def test_static():
                seen.append(("test", "test_static", active_stub()))

            @classmethod
            def test_class(cls):
                seen.append(("test", "test_class", active_stub()))

        @mock_thingsgraph()
        class TestStaticOnly:
            @staticmethod
            def test_static():
                active_stub()

            @classmethod
            def test_class(cls):
                active_stub()

        @mock_thingsgraph()
        class TestLeavesAScript:
            def setup_method(self):
                active_stub().add_upload("u", ["SUCCEEDED"])

            def test_method(self):
                pass

        def test_each_test_had_one_stub_throughout():
            assert [(kind, name) for kind, name, _ in seen] == [
                ("setup", "test_method"), ("test", "test_method"), ("teardown", None),
                ("setup", "test_static"), ("test", "test_static"), ("teardown", None),
                ("setup", "test_class"), ("test", "test_class"), ("teardown", None),
            ]
            stubs = [stub for _, _, stub in seen]
            for start in (0, 3, 6):
                assert stubs[start] is stubs[start + 1] is stubs[start + 2]
            assert len({id(stub) for stub in stubs}) == 3
        """
    )

    result = pytester.runpytest("-p", "no:randomly", "-p", "no:xdist", "-v")

    result.assert_outcomes(passed=7, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of TestLeavesAScript.test_method*"])
    assert "- 'u': 0 of 1 items served; not served: 'SUCCEEDED'" in result.stdout.str()
    assert "No Things Graph stub is active" not in result.stdout.str()


def test_xunit_methods_get_the_tests_instance_and_its_method_static_ones_too(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_inner="""
        from pytest_thingsgraph import active_stub, mock_thingsgraph

        seen = []

        @mock_thingsgraph()
        class TestStatic:
            @staticmethod
            def setup_method(method):
                seen.append(("setup", method.__name__, active_stub()))

            @staticmethod
            def teardown_method(method):
                seen.append(("teardown", method.__name__, active_stub()))

            def test_method(self):
                seen.append(("test", "test_method", active_stub()))

        instances = []

        @mock_thingsgraph()
        class TestInstance:
            def setup_method(self):
                instances.append(self)

            def teardown_method(self, method):
                instances.append((self, method.__name__))

            def test_method(self):
                instances.append(self)

        def test_each_xunit_method_got_what_pytest_gives_it():
            assert [(kind, name) for kind, name, _ in seen] == [
                ("setup", "test_method"), ("test", "test_method"), ("teardown", "test_method")
            ]
            assert seen[0][2] is seen[1][2] is seen[2][2] is not None
            test = instances[1]
            assert isinstance(test, TestInstance)
            assert instances == [test, test, (test, "test_method")]
        """
    )

    result = pytester.runpytest("-p", "no:randomly", "-p", "no:xdist")

    result.assert_outcomes(passed=3)


def test_a_setup_or_teardown_method_that_raises_gets_its_own_error_not_the_stubs_checks(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_inner="""
        from pytest_thingsgraph import active_stub, mock_thingsgraph

        @mock_thingsgraph()
        class TestSetUpRaises:
            def setup_method(self):
                active_stub().add_upload("set-up", ["SUCCEEDED"])
                raise RuntimeError("setup_method broke")

            def test_method(self):
                pass

        @mock_thingsgraph()
        class TestTearDownRaises:
            def teardown_method(self):
                active_stub().add_upload("torn-down", ["SUCCEEDED"])
                raise RuntimeError("teardown_method broke")

            def test_method(self):
                pass
        """
    )

    result = pytester.runpytest("-p", "no:randomly", "-p", "no:xdist")

    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(
        ["*ERROR at setup of TestSetUpRaises.test_method*", "*ERROR at teardown of TestTearDownRaises.test_method*"]
    )
    assert "RuntimeError: setup_method broke" in result.stdout.str()
    assert "RuntimeError: teardown_method broke" in result.stdout.str()
    assert "items served" not in result.stdout.str()  # the error is the test's, not a teardown report


#: A decorated class whose xunit methods and tests note each step, the class it ran for and the active stub: the base
#: of the inheritance cases below, each of which adds its subclass and a last test that checks ``seen``.
DECORATED_BASE = """
from pytest_thingsgraph import active_stub, mock_thingsgraph

seen = []
given = []  # the test method each of the base's xunit methods was given

@mock_thingsgraph()
class TestBase:
    def setup_method(self, method):
        seen.append(("setup", type(self).__name__, active_stub()))
        given.append(("setup", method.__name__))

    def teardown_method(self, method):
        seen.append(("teardown", type(self).__name__, active_stub()))
        given.append(("teardown", method.__name__))

    def test_method(self):
        seen.append(("test", type(self).__name__, active_stub()))

    @staticmethod
    def test_static():
        seen.append(("test", "static", active_stub()))
"""


def run_inheriting(pytester: pytest.Pytester, subclass_and_check: str, *, tests: int) -> None:
    """Run :data:`DECORATED_BASE` with ``subclass_and_check``: every one of the ``tests`` tests passes."""
    pytester.makepyfile(test_inner=DECORATED_BASE + textwrap.dedent(subclass_and_check))
    result = pytester.runpytest("-p", "no:randomly", "-p", "no:xdist")
    result.assert_outcomes(passed=tests)


def test_a_class_inheriting_a_decorated_classs_tests_and_xunit_methods_runs_them_under_one_stub(
    pytester: pytest.Pytester,
) -> None:
    run_inheriting(
        pytester,
        """
        @mock_thingsgraph()
        class TestChild(TestBase):
            pass

        def test_each_test_had_one_stub_throughout():
            assert [step for step, _, _ in seen] == ["setup", "test", "teardown"] * 4
            stubs = [stub for _, _, stub in seen]
            for start in range(0, 12, 3):
                assert stubs[start] is stubs[start + 1] is stubs[start + 2] is not None
            assert len({id(stub) for stub in stubs}) == 4
        """,
        tests=5,
    )


def test_a_decorated_subclass_runs_its_own_and_inherited_tests_under_the_stub_its_setup_method_starts(
    pytester: pytest.Pytester,
) -> None:
    run_inheriting(
        pytester,
        """
        @mock_thingsgraph(assert_all_consumed=False)
        class TestChild(TestBase):
            def test_own(self):
                seen.append(("test", "TestChild", active_stub()))

        def test_each_test_had_one_stub_throughout_with_its_most_derived_decorators_options():
            assert [step for step, _, _ in seen] == ["setup", "test", "teardown"] * 5
            stubs = [stub for _, _, stub in seen]
            for start in range(0, 15, 3):
                assert stubs[start] is stubs[start + 1] is stubs[start + 2] is not None
            assert len({id(stub) for stub in stubs}) == 5
            children = [stub.options.assert_all_consumed for step, owner, stub in seen if owner == "TestChild"]
            assert children == [False] * 8  # three tests' setup and teardown, and the two tests that are not static
            parents = [stub.options.assert_all_consumed for step, owner, stub in seen if owner == "TestBase"]
            assert parents == [True] * 5  # two tests' setup and teardown, and the test that is not static
        """,
        tests=6,
    )


def test_a_super_setup_method_into_a_decorated_base_class_runs_under_the_subclasss_stub(
    pytester: pytest.Pytester,
) -> None:
    run_inheriting(
        pytester,
        """
        @mock_thingsgraph(allow_invalid_requests=True)
        class TestOverride(TestBase):
            def setup_method(self, method):
                super().setup_method(method)
                seen.append(("own setup", "TestOverride", active_stub()))

            def teardown_method(self, method):
                seen.append(("own teardown", "TestOverride", active_stub()))
                super().teardown_method(method)

        def test_each_test_had_one_stub_throughout_with_the_subclasss_options():
            override = [entry for entry in seen if entry[1] == "TestOverride"]
            method = ["setup", "own setup", "test", "own teardown", "teardown"]
            static = ["setup", "own setup", "own teardown", "teardown"]  # its test notes "static"
            assert [step for step, _, _ in override] == method + static
            for test in (override[:5], override[5:]):
                assert len({id(stub) for _, _, stub in test}) == 1
                assert test[0][2].options.allow_invalid_requests is True
            each = [(step, name) for name in ("test_method", "test_static") for step in ("setup", "teardown")]
            assert given == each * 2  # TestBase's own tests, then TestOverride's through super()
        """,
        tests=5,
    )

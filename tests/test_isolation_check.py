"""tests/check_isolation.py: the isolation env compares every test's outcome across the version envs' runs."""

from __future__ import annotations

from pathlib import Path

import check_isolation  # tests/ is on sys.path, as pytest puts it for conftest.py
import pytest

CASES = {
    "passed": "",
    "failure": '<failure message="boom"/>',
    "error": '<error message="teardown"/>',
    "skipped": '<skipped message="no node"/>',
}


def write_report(folder: Path, env: str, tests: dict[str, str]) -> None:
    cases = "".join(
        f'<testcase classname="tests.test_x" name="{name}">{CASES[outcome]}</testcase>'
        for name, outcome in tests.items()
    )
    (folder / f"{env}.xml").write_text(f'<?xml version="1.0"?><testsuites><testsuite>{cases}</testsuite></testsuites>')


def test_runs_with_the_plain_runs_outcomes_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tests = {"test_a": "passed", "test_b": "skipped", "test_c[1]": "passed"}
    write_report(tmp_path, "py312", tests)
    write_report(tmp_path, "py310", dict(reversed(tests.items())))
    assert check_isolation.main([str(tmp_path), "py312", "py310"]) == 0
    assert capsys.readouterr().out == (
        "py310: every one of 3 tests has the plain run's outcome {'passed': 2, 'skipped': 1}\n"
    )


@pytest.mark.parametrize("outcome", ["failure", "error", "skipped"])
def test_a_test_with_another_outcome_fails_the_check_and_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], outcome: str
) -> None:
    write_report(tmp_path, "py312", {"test_a": "passed", "test_b": "passed"})
    write_report(tmp_path, "py313", {"test_a": "passed", "test_b": outcome})
    assert check_isolation.main([str(tmp_path), "py312", "py313"]) == 1
    assert capsys.readouterr().out == (
        f"py313: 1 test differs from py312's plain run:\n  tests.test_x::test_b: {outcome} (plain run: passed)\n"
    )


def test_a_test_only_one_run_has_fails_the_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_report(tmp_path, "py312", {"test_a": "passed"})
    write_report(tmp_path, "py311", {"test_a": "passed", "test_new": "passed", "test_other": "passed"})
    assert check_isolation.main([str(tmp_path), "py312", "py311"]) == 1
    assert capsys.readouterr().out == (
        "py311: 2 tests differ from py312's plain run:\n"
        "  tests.test_x::test_new: passed (plain run: not run)\n"
        "  tests.test_x::test_other: passed (plain run: not run)\n"
    )


def test_a_teardown_error_after_a_pass_counts_as_the_error(tmp_path: Path) -> None:
    (tmp_path / "py310.xml").write_text(
        '<testsuites><testsuite><testcase classname="t" name="a"/>'
        '<testcase classname="t" name="a"><error message="teardown"/></testcase></testsuite></testsuites>'
    )
    assert check_isolation.outcomes(tmp_path / "py310.xml") == {"t::a": "error"}


def test_a_missing_report_fails_the_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_report(tmp_path, "py312", {"test_a": "passed"})
    assert check_isolation.main([str(tmp_path), "py312", "py310", "py313"]) == 1
    assert capsys.readouterr().err == (
        f"No outcome report for py310, py313 in {tmp_path}: run those environments first "
        "(python3 -m tox -e py312,py310,py313,isolation).\n"
    )


def test_an_empty_plain_run_fails_the_check(tmp_path: Path) -> None:
    write_report(tmp_path, "py312", {})
    write_report(tmp_path, "py310", {})
    assert check_isolation.main([str(tmp_path), "py312", "py310"]) == 1


def test_too_few_arguments_print_the_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert check_isolation.main(["outcomes", "py312"]) == 2
    assert "Usage: " in capsys.readouterr().err

"""Every Python example in README.md is complete and runs as written."""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

import pytest
from helpers import mypy_cache

from pytest_thingsgraph._options import OPTION_HELP
from pytest_thingsgraph.plugin import BLOCK_UNSTUBBED_HELP

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
AIO_INSTALLED = importlib.util.find_spec("aiobotocore") is not None
TEST_BLOCKS = [block for block in BLOCKS if "def test_" in block and ("aiobotocore" not in block or AIO_INSTALLED)]
SCRIPT_BLOCKS = [block for block in BLOCKS if "def test_" not in block and "pytestmark" not in block]


def test_the_readme_has_examples() -> None:
    assert len(TEST_BLOCKS) >= 4
    assert len(SCRIPT_BLOCKS) >= 1


@pytest.mark.parametrize("block", TEST_BLOCKS, ids=[f"test-block-{n}" for n in range(len(TEST_BLOCKS))])
def test_readme_tests_pass(pytester: pytest.Pytester, block: str) -> None:
    pytester.makepyfile(test_readme_example=block)

    result = pytester.runpytest("-p", "no:randomly", "-o", "asyncio_default_fixture_loop_scope=function")

    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 1, result.stdout.str()
    assert set(outcomes) <= {"passed", "warnings"}, result.stdout.str()


@pytest.mark.parametrize("block", SCRIPT_BLOCKS, ids=[f"script-block-{n}" for n in range(len(SCRIPT_BLOCKS))])
def test_readme_scripts_run(block: str) -> None:
    exec(compile(block, str(README), "exec"), {"__name__": "readme_example"})


def test_the_options_table_says_what_the_option_help_says() -> None:
    """Each row of the README's options table: the option, its default and its help, as ``OPTION_HELP`` (and the
    guard's ini help) words them, in that order."""
    text = README.read_text().split("\n## Options and teardown\n", 1)[1]
    table = text.split("\n| option (marker keyword", 1)[1].split("\n\n", 1)[0].splitlines()[2:]
    rows = [tuple(cell.strip().replace("`", "") for cell in row.strip("|").split("|")) for row in table]
    helps = {**OPTION_HELP, "thingsgraph_block_unstubbed (ini only)": BLOCK_UNSTUBBED_HELP}
    expected = []
    for name, help_text in helps.items():
        described = re.fullmatch(r"(.+) \(default (true|false)\)", help_text)
        assert described, f"{name}: {help_text!r} does not end with its default"
        expected.append((name, described.group(2), described.group(1)))

    assert rows == expected


def test_the_ci_command_is_the_readme_command() -> None:
    text = README.read_text()
    command = text.split("<!-- test-command -->\n```bash\n", 1)[1].split("\n", 1)[0]
    assert command == "python3 -m pip install tox && python3 -m tox"
    assert "<!-- test-command -->" in (README.parent / ".ci" / "run").read_text()


def test_the_readme_examples_type_check(tmp_path: Path, pytestconfig: pytest.Config) -> None:
    """Every Python block of the README passes ``mypy --strict``, as a user's module would.

    mypy and the stubs the examples need are in the test extra; skipped without mypy, except under ``CI=true``,
    and in the oldest env, whose hypothesis and moto predate the types the examples use.
    """
    if os.environ.get("THINGSGRAPH_OLDEST_PINS"):
        pytest.skip("the oldest pins (hypothesis 6.100, moto 5.0) predate these types; every other env checks them")
    try:
        from mypy import api
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("mypy is not installed: the README's examples must type-check in CI.")
        pytest.skip("mypy is not installed")
    paths = []
    for number, block in enumerate(BLOCKS):
        path = tmp_path / f"readme_block_{number}.py"
        path.write_text(block)
        paths.append(str(path))
    (tmp_path / "mypy.ini").write_text("[mypy]\n")  # the user's view: not the package's own config
    cache = mypy_cache(pytestconfig, tmp_path, "mypy-readme")

    stdout, stderr, status = api.run(
        ["--strict", "--config-file", str(tmp_path / "mypy.ini"), "--cache-dir", str(cache), *paths]
    )

    assert status == 0, stdout + stderr

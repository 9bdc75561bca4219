"""What a release needs (issue 19): one version, a changelog cut for it, metadata, warnings as errors, fast
strategies, a server whose --help says what its script file holds. ``tox -e release`` checks the built files."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import hypothesis
import pytest

import pytest_thingsgraph
from pytest_thingsgraph.server import SCRIPT_FILE_FORMAT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest needs tomli before 3.11
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
CHANGELOG = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
TEST_RELEASE = ("-p", "no:randomly", "tests/test_release.py")
VERSION_HEADING = re.compile(r"^## \[(?P<version>[^\]]+)\](?: - (?P<date>\d{4}-\d{2}-\d{2}))?$", flags=re.M)


# The version: written in pytest_thingsgraph/__init__.py only.


def test_the_version_is_written_once_and_the_installed_metadata_has_it() -> None:
    project = PYPROJECT["project"]
    assert "version" not in project
    assert project["dynamic"] == ["version"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "pytest_thingsgraph.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", pytest_thingsgraph.__version__)
    assert importlib.metadata.version("pytest-thingsgraph") == pytest_thingsgraph.__version__
    assert "__version__" not in pytest_thingsgraph.__all__  # a module attribute, not an API name


def test_the_changelog_is_cut_for_this_version_with_an_empty_unreleased_section_above() -> None:
    headings = list(VERSION_HEADING.finditer(CHANGELOG))
    assert [heading["version"] for heading in headings[:2]] == ["Unreleased", pytest_thingsgraph.__version__]
    assert CHANGELOG[headings[0].end() : headings[1].start()].strip() == ""
    assert headings[1]["date"] is not None
    assert CHANGELOG[headings[1].end() : headings[2].start()].count("\n- ") >= 1


def test_each_changelog_version_links_to_its_range() -> None:
    versions = [heading["version"] for heading in VERSION_HEADING.finditer(CHANGELOG)]
    links = dict(re.findall(r"^\[([^\]]+)\]: (\S+)$", CHANGELOG, flags=re.M))
    tags = [f"v{version}" for version in versions[1:]]
    assert links == {
        "Unreleased": f"{tags[0]}...HEAD",
        **{version: f"{older}...{tag}" for version, tag, older in zip(versions[1:], tags, tags[1:], strict=False)},
        versions[-1]: tags[-1],
    }


# The published metadata (the installed package's: tox installs the wheel it builds).


def test_the_metadata_has_classifiers_urls_and_keywords_and_no_test_extra() -> None:
    metadata = importlib.metadata.metadata("pytest-thingsgraph")
    classifiers = metadata.get_all("Classifier") or []
    for prefix in ("Development Status :: ", "Intended Audience :: ", "Topic :: Software Development :: Testing"):
        assert any(classifier.startswith(prefix) for classifier in classifiers), prefix
    assert {"Framework :: Pytest", "Typing :: Typed"} <= set(classifiers)
    urls = metadata.get_all("Project-URL") or []
    assert urls
    assert all(re.fullmatch(r"[^,]+, https://\S+", url) for url in urls), urls
    assert "pytest" in (metadata["Keywords"] or "").split(",")
    assert sorted(metadata.get_all("Provides-Extra") or []) == ["aio", "graphql", "hypothesis"]


def test_the_test_tools_are_a_requirements_file_that_tox_installs() -> None:
    tools = (ROOT / "tests" / "requirements" / "test.txt").read_text(encoding="utf-8")
    assert {"mypy>=1.8", "moto[s3,ssm]>=5.0", "pytest-xdist", "hypothesis>=6.100"} <= set(tools.splitlines())
    assert "extras = test" not in (ROOT / "tox.ini").read_text(encoding="utf-8")
    assert "-r tests/requirements/test.txt" in (ROOT / "tox.ini").read_text(encoding="utf-8")


# Warnings are errors, in this suite and in the inner sessions it starts.


def test_the_suite_turns_warnings_into_errors_and_sets_the_loop_scope() -> None:
    options = PYPROJECT["tool"]["pytest"]["ini_options"]
    assert options["filterwarnings"][0] == "error"
    assert all(line.startswith("ignore:") for line in options["filterwarnings"][1:])
    assert options["asyncio_default_fixture_loop_scope"] == "function"
    assert "asyncio_default_fixture_loop_scope" not in (ROOT / "tox.ini").read_text(encoding="utf-8")


def test_a_run_with_deprecation_warnings_as_errors_starts() -> None:
    """Before the loop scope was set, pytest-asyncio's warning at start-up became an INTERNALERROR."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-W", "error::DeprecationWarning", "--collect-only", "-q", *TEST_RELEASE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "INTERNALERROR" not in result.stdout + result.stderr


def test_an_inner_session_with_an_async_test_warns_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.asyncio
        async def test_async():
            pass
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    assert result.parseoutcomes() == {"passed": 1}, result.stdout.str()


# The strategies draw fast from the first example, under hypothesis' default settings.

PUBLIC_STRATEGIES = [
    "created_dates",
    "get_upload_status_responses",
    "invalid_get_upload_status_requests",
    "operation_requests",
    "operation_responses",
    "scripts",
    "service_errors",
    "upload_entity_definitions_requests",
    "upload_ids",
    "upload_statuses",
]
#: The operation each strategy made from botocore's model is drawn for here: the one with tags, whose keys are
#: any Unicode letter, number or space (the costliest of Unicode's tables).
OPERATION_OF = {"operation_requests": ("TagResource",), "operation_responses": ("ListTagsForResource",)}
UNDER_DEFAULT_SETTINGS = """
import json, pathlib, sys
from hypothesis import given, settings
from pytest_thingsgraph import strategies

def tables():
    return sorted(str(path) for path in pathlib.Path(sys.argv[2], "unicode_data").rglob("*") if path.is_file())

assert settings.default.deadline is not None and not settings.default.suppress_health_check
before = tables()
settings(database=None)(given(getattr(strategies, sys.argv[1])(*sys.argv[3:]))(lambda value: None))()
print(json.dumps({"before": before, "after": tables()}))
"""


def test_the_public_strategies_are_these() -> None:
    from pytest_thingsgraph import strategies

    assert [name for name in strategies.__all__ if name[0].islower()] == PUBLIC_STRATEGIES


@pytest.mark.parametrize("name", PUBLIC_STRATEGIES)
def test_a_strategy_passes_the_health_checks_of_default_settings_as_the_first_of_a_fresh_process(
    tmp_path: Path, name: str
) -> None:
    """A user's first run: a new process, no hypothesis directory (no Unicode tables cached there), no profile.

    Hypothesis builds its tables of Unicode (a second or more for UTF-8's) the first time a strategy needs
    them, and writes them to its directory. Built inside a draw, they made the first examples slow enough
    to fail the health check of default settings now and then (its budget: a second for the first ten
    examples), or not, by luck: so the check here is that the draws write no table at all.
    """
    storage = tmp_path / "hypothesis"
    # a user's machine: no hypothesis variable, and none of the CI variables that make hypothesis load its
    # "ci" profile (no deadline, health checks off) in place of the defaults this test is about
    ci_variables = getattr(hypothesis._settings, "_CI_VARS", {"CI": None})
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("HYPOTHESIS") and key not in ci_variables
    }
    environment["HYPOTHESIS_STORAGE_DIRECTORY"] = str(storage)
    result = subprocess.run(
        [sys.executable, "-c", UNDER_DEFAULT_SETTINGS, name, str(storage), *OPERATION_OF.get(name, ())],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    tables = json.loads(result.stdout)
    assert tables["after"] == tables["before"], "tables built while drawing"


# The standalone server's --help gives the script file's format.


def test_the_help_gives_the_script_file_format(capsys: pytest.CaptureFixture[str]) -> None:
    from pytest_thingsgraph.server import main

    with pytest.raises(SystemExit):
        main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(see its format below)" in text
    assert " ".join(SCRIPT_FILE_FORMAT.split()) in text
    assert "docs/server-mode.md" not in text  # a file no installed package has


def _epilog_paragraph(start: str) -> str:
    return next(line for line in SCRIPT_FILE_FORMAT.splitlines() if line.strip().startswith(start))


def test_a_script_file_made_of_the_help_s_own_words_is_served(tmp_path: Path) -> None:
    example = json.loads(SCRIPT_FILE_FORMAT.rsplit("example:\n", 1)[1])
    keys = re.findall(r'"([a-zA-Z]+)"', _epilog_paragraph("UPLOAD:"))
    assert keys == [
        "uploadId",
        "script",
        "namespaceName",
        "namespaceArn",
        "namespaceVersion",
        "createdDate",
        "failureReason",
        "region",
    ]
    error = json.loads(re.search(r"\{.*?\}", _epilog_paragraph("ERROR:"))[0])  # type: ignore[index]
    every_key = {
        "uploadId": "u-2",
        "script": ["IN_PROGRESS", error, "SUCCEEDED"],
        "namespaceName": "acme",
        "namespaceArn": "arn:aws:iotthingsgraph:us-east-1:123456789012:Namespace/acme",
        "namespaceVersion": 3,
        "createdDate": "2024-05-01T12:00:00Z",
        "failureReason": [],
        "region": "us-east-1",
    }
    queued = [{"script": ["SUCCEEDED"], "expected": {"syncWithPublicNamespace": True}}, {**error, "expected": {}}]
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"uploads": [*example["uploads"], every_key], "uploadEntityDefinitions": queued}))

    server = subprocess.Popen(
        [sys.executable, "-m", "pytest_thingsgraph.server", "--script", str(script), "--no-assert-all-consumed"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first_line = server.stdout.readline() if server.stdout else ""
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=60)
    finally:
        server.kill()
    assert first_line.startswith("thingsgraph-server listening on http://127.0.0.1:"), first_line + stderr
    assert (server.returncode, stderr) == (0, "thingsgraph-server: stopped; 0 calls answered, no failures.\n")

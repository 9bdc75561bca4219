"""Loading the plugin into a suite that never asks for the fixture imports nothing heavy.

Each test runs ``pytest --collect-only -q`` of a tiny generated suite in a fresh
interpreter; a conftest hook writes ``sorted(sys.modules)`` (and whether the plugin
was loaded) to a file once collection is finished. No timings here: the cost in
milliseconds belongs to ``benchmarks/bench.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

#: What a suite that never asks for the fixture must not pay for.
HEAVY = frozenset({"botocore", "boto3", "pydantic", "hypothesis", "responses"})
#: The package modules that import botocore, pydantic or hypothesis: loaded on first use only.
HEAVY_OWN = frozenset(
    {
        "pytest_thingsgraph._botocore",
        "pytest_thingsgraph._stub",
        "pytest_thingsgraph._script",
        "pytest_thingsgraph._http",
        "pytest_thingsgraph._script_json",
        "pytest_thingsgraph._script_files",
        "pytest_thingsgraph._threaded_server",
    }
    | {"pytest_thingsgraph.models", "pytest_thingsgraph.strategies"}
)

REPORT_VARIABLE = "THINGSGRAPH_LOAD_REPORT"

CONFTEST = f'''\
import json
import os
import sys


def pytest_collection_finish(session):
    config = session.config
    try:
        ini_registered = config.getini("thingsgraph_assert_all_consumed") is True
    except (ValueError, KeyError):
        ini_registered = False
    plugin = config.pluginmanager.get_plugin("thingsgraph")
    report = {{
        "modules": sorted(sys.modules),
        "plugin": getattr(plugin, "__name__", None),
        "ini_registered": ini_registered,
    }}
    with open(os.environ["{REPORT_VARIABLE}"], "w", encoding="utf-8") as file:
        json.dump(report, file)
'''

TESTS = """\
def test_one():
    assert 1 + 1 == 2


def test_two():
    assert "thingsgraph" not in ""
"""


def collect(root: Path, *arguments: str, autoload: bool) -> dict[str, Any]:
    """Run ``pytest --collect-only -q`` in ``root`` in a fresh interpreter; return the hook's report."""
    (root / "pytest.ini").write_text("[pytest]\n")  # root is the rootdir: no ini of this repository applies
    (root / "conftest.py").write_text(CONFTEST)
    (root / "test_plain.py").write_text(TESTS)
    report = root / "report.json"
    report.unlink(missing_ok=True)
    # Nothing of the outer run may leak in: PYTEST_ADDOPTS or PYTEST_PLUGINS could load plugins
    # (pytester, say) that import what this test looks for.
    environment = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}
    environment[REPORT_VARIABLE] = str(report)
    if not autoload:
        environment["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", *arguments],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, f"pytest failed:\n{completed.stdout}\n{completed.stderr}"
    assert report.exists(), f"the conftest hook did not run:\n{completed.stdout}\n{completed.stderr}"
    result: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return result


def heavy(modules: list[str]) -> set[str]:
    """The heavy top-level packages and heavy package modules among ``modules``."""
    return {name for name in modules if name.partition(".")[0] in HEAVY} | (set(modules) & HEAVY_OWN)


def test_entry_point_plugin_alone_imports_nothing_heavy(tmp_path: Path) -> None:
    # Autoloading off, so that no other installed plugin (pytest-randomly, hypothesis's own, or one
    # that imports botocore) can import these modules; "-p thingsgraph" then loads this plugin by
    # its pytest11 entry point name, through the same entry point that autoloading uses.
    report = collect(tmp_path, "-p", "thingsgraph", autoload=False)

    assert report["plugin"] == "pytest_thingsgraph.plugin"
    assert report["ini_registered"]
    assert "pytest_thingsgraph.plugin" in report["modules"]
    assert heavy(report["modules"]) == set()


def test_autoloaded_plugin_adds_no_heavy_import(tmp_path: Path) -> None:
    # As installed: every pytest11 plugin of this environment autoloads. Another plugin may import
    # a heavy module of its own, so compare with the same run without this plugin.
    loaded = collect(tmp_path, autoload=True)
    without = collect(tmp_path, "-p", "no:thingsgraph", autoload=True)

    assert loaded["plugin"] == "pytest_thingsgraph.plugin"
    assert loaded["ini_registered"]
    assert without["plugin"] is None
    assert heavy(loaded["modules"]) - heavy(without["modules"]) == set()


@pytest.mark.parametrize("autoload", [True, False], ids=["autoload", "entry-point-by-name"])
def test_blocked_plugin_is_not_loaded(tmp_path: Path, autoload: bool) -> None:
    # The comparison above, and the benchmark's, rely on -p no:thingsgraph keeping the package out.
    report = collect(tmp_path, "-p", "no:thingsgraph", autoload=autoload)

    assert report["plugin"] is None
    assert not report["ini_registered"]
    assert not any(name.partition(".")[0] == "pytest_thingsgraph" for name in report["modules"])


def test_the_package_has_no_import_cycle() -> None:
    """The imports of the package's own modules form no cycle: at run time, inside functions and under
    TYPE_CHECKING alike (a type-only import is a dependency too), subpackages included."""
    import ast

    import pytest_thingsgraph

    package = Path(pytest_thingsgraph.__file__).parent

    def dotted(path: Path) -> str:
        return ".".join(["pytest_thingsgraph", *path.relative_to(package).with_suffix("").parts]).removesuffix(
            ".__init__"
        )

    paths = {dotted(path): path for path in package.rglob("*.py")}
    packages = {dotted(path) for path in package.rglob("__init__.py")}

    def imported(module: str, node: ast.stmt) -> list[str]:
        """The package's modules an import statement of ``module`` names."""
        if isinstance(node, ast.Import):
            return [alias.name for alias in node.names if alias.name in paths]
        if not isinstance(node, ast.ImportFrom):
            return []
        base = node.module or ""
        if node.level:  # relative to the module's package (a package's __init__ is its own)
            here = module.split(".") if module in packages else module.split(".")[:-1]
            base = ".".join(here[: len(here) - node.level + 1] + ([node.module] if node.module else []))
        submodules = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in paths]
        return submodules or ([base] if base in paths else [])

    graph = {
        module: {
            name
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.stmt)
            for name in imported(module, node)
        }
        for module, path in paths.items()
    }
    # the walk sees imports of every kind: plain, from a subpackage, inside a function, under TYPE_CHECKING
    assert graph["pytest_thingsgraph._protocol"] >= {"pytest_thingsgraph._sigv4", "pytest_thingsgraph._wire"}
    assert "pytest_thingsgraph._operations._record" in graph["pytest_thingsgraph._operations.get_upload_status"]
    assert "pytest_thingsgraph._botocore" in graph["pytest_thingsgraph._adapters"]
    assert "pytest_thingsgraph._stub" in graph["pytest_thingsgraph"]

    def cycle_from(module: str, path: list[str]) -> list[str] | None:
        for other in sorted(graph.get(module, ())):
            if other in path:
                return [*path[path.index(other) :], other]
            found = cycle_from(other, [*path, other])
            if found:
                return found
        return None

    assert [cycle for module in sorted(graph) if (cycle := cycle_from(module, [module]))] == []


def test_plugin_adds_no_import_of_typing_extensions(tmp_path: Path) -> None:
    # The public type names (ScriptItem, ResponseMembers) need typing_extensions: they load on first use.
    loaded = collect(tmp_path, "-p", "thingsgraph", autoload=False)
    without = collect(tmp_path, autoload=False)

    added = set(loaded["modules"]) - set(without["modules"])
    assert "pytest_thingsgraph.plugin" in added
    assert {name for name in added if name.partition(".")[0] == "typing_extensions"} == set()
    assert "pytest_thingsgraph._types" not in added

"""4. Load: ``pytest --collect-only`` of a suite that never asks for the fixture, with and without the plugin.

Each run is a fresh interpreter; the variants alternate (best of a few processes per
round, as for the per-call batches). The budget (the plugin adds <= 5 ms) is checked
with every other pytest11 plugin blocked in both variants; the comparison as
installed is printed too, without a budget.
"""

from __future__ import annotations

import dataclasses
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from _measure import Report, Settings, Spread, progress

BUDGET_MS = 5.0

#: Runs pytest as ``python -m pytest`` does, noting when pytest was imported and when it returned.
_CHILD = """\
import os, sys, time
started = time.monotonic_ns()
import pytest
imported = time.monotonic_ns()
code = pytest.console_main()
with open(os.environ["THINGSGRAPH_BENCH_TIMES"], "w") as file:
    file.write(f"{started} {imported} {time.monotonic_ns()}")
raise SystemExit(code)
"""

#: The parts of a run the difference is split into, and their labels.
PARTS = {
    "total": "added by the plugin (whole process)",
    "session": "  of which in pytest's run (import to return)",
    "exit": "  of which after it (interpreter exit)",
    "cpu": "CPU time added (user + system, whole process)",
}


@dataclass(frozen=True)
class Run:
    """Milliseconds of one pytest process: in all, in pytest's run, from its end to the exit, and of CPU time.

    The CPU time (user + system, from the kernel's accounting of the child) waits less on a busy
    machine than the wall-clock figures do.
    """

    total: float
    session: float
    exit: float
    cpu: float


def write_suite(root: Path, tests: int) -> None:
    """A suite of ``tests`` plain tests in 10 modules, none asking for the fixture."""
    (root / "pytest.ini").write_text("[pytest]\n")  # root is the rootdir: no other ini applies
    per_module = max(1, tests // 10)
    for module in range(10):
        lines = [f"def test_{module}_{number}():\n    assert {number} + 1 > {number}\n" for number in range(per_module)]
        (root / f"test_plain_{module}.py").write_text("\n\n".join(lines))


def collection(root: Path, arguments: Sequence[str], environment: dict[str, str]) -> Run:
    """``pytest --collect-only -q`` of ``root`` in a fresh interpreter, timed from this process."""
    times = root / "times.txt"
    command = [sys.executable, "-c", _CHILD, "--collect-only", "-q", "-p", "no:cacheprovider", *arguments]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic_ns()
    completed = subprocess.run(
        command, cwd=root, env={**environment, "THINGSGRAPH_BENCH_TIMES": str(times)}, capture_output=True, check=False
    )
    ended = time.monotonic_ns()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1e3
    if completed.returncode != 0:
        raise RuntimeError(f"pytest {' '.join(arguments)} failed:\n{completed.stdout!r}\n{completed.stderr!r}")
    _, imported, finished = (int(part) for part in times.read_text().split())
    return Run((ended - started) / 1e6, (finished - imported) / 1e6, (ended - finished) / 1e6, cpu)


def plugin_import_ms() -> float:
    """Milliseconds ``import pytest_thingsgraph.plugin`` takes once pytest is imported (-X importtime)."""
    command = [sys.executable, "-X", "importtime", "-c", "import pytest; import pytest_thingsgraph.plugin"]
    completed = subprocess.run(command, capture_output=True, text=True, check=True)
    for line in completed.stderr.splitlines():
        parts = [part.strip() for part in line.removeprefix("import time:").split("|")]
        if len(parts) == 3 and parts[2] == "pytest_thingsgraph.plugin":
            return int(parts[1]) / 1000
    raise RuntimeError(f"no import time for pytest_thingsgraph.plugin in:\n{completed.stderr}")


def compare_loads(root: Path, settings: Settings, blocked: Sequence[str]) -> tuple[list[Run], list[Run]]:
    """Interleaved collections with the plugin and with ``-p no:thingsgraph``."""
    environment = {
        name: value for name, value in os.environ.items() if name not in {"PYTEST_ADDOPTS", "PYTEST_PLUGINS"}
    }
    arguments = [argument for name in blocked for argument in ("-p", f"no:{name}")]
    variants = {"with": arguments, "without": [*arguments, "-p", "no:thingsgraph"]}
    for extra in variants.values():  # warm the file system and bytecode caches
        collection(root, extra, environment)
    runs: dict[str, list[Run]] = {name: [] for name in variants}
    for _ in range(settings.load_rounds):
        best: dict[str, Run] = {}
        least_cpu = dict.fromkeys(variants, math.inf)
        for rep in range(settings.reps):  # best of a few processes per round, as for the per-call batches
            for name in variants if rep % 2 == 0 else reversed(variants):
                run = collection(root, variants[name], environment)
                least_cpu[name] = min(least_cpu[name], run.cpu)
                if name not in best or run.total < best[name].total:
                    best[name] = run
        for name in variants:  # the fastest process's times, and the least CPU time of the round's processes
            runs[name].append(dataclasses.replace(best[name], cpu=least_cpu[name]))
    return runs["with"], runs["without"]


def run(settings: Settings, report: Report) -> None:
    """Collect the suite with and without the plugin, blocked and as installed; time the plugin's import."""
    tests = settings.load_tests
    print(f"\n4. Load: pytest --collect-only of {tests} plain tests in a subprocess, plugin vs -p no:thingsgraph")
    print(
        f"  {settings.load_rounds} rounds, each keeping the fastest of {settings.reps} alternating processes "
        "per variant; differences are with minus without"
    )
    others = sorted({entry.name for entry in metadata.entry_points(group="pytest11")} - {"thingsgraph"})
    with tempfile.TemporaryDirectory(prefix="thingsgraph-bench-") as directory:
        root = Path(directory)
        write_suite(root, tests)
        progress(f"{settings.load_rounds} rounds of {settings.reps} pairs with the other plugins blocked")
        alone = compare_loads(root, settings, others)
        progress(f"{settings.load_rounds} rounds of {settings.reps} pairs as installed")
        installed = compare_loads(root, settings, ())
    blocked = f"every other pytest11 plugin blocked (-p no:{', -p no:'.join(others)})" if others else "as installed"
    for title, (with_plugin, without), budgeted in (
        (blocked, alone, True),
        ("as installed, every pytest11 plugin autoloaded (noisier: not budgeted)", installed, False),
    ):
        print(
            f"  {title}\n    whole process, median: {_median(with_plugin)} ms with the plugin, "
            f"{_median(without)} ms without"
        )
        for part, label in PARTS.items():
            added = Spread.of([getattr(a, part) - getattr(b, part) for a, b in zip(with_plugin, without, strict=True)])
            if budgeted and part == "total":
                report.budget(label, added, BUDGET_MS, unit=" ms")
            else:
                report.info(label, added, unit=" ms")
    imports = Spread.of([plugin_import_ms() for _ in range(5 if settings.quick else 15)])
    report.info("importing the plugin alone (-X importtime)", imports, unit=" ms")
    if sys.dont_write_bytecode and not _editable():
        print(
            "  note: PYTHONDONTWRITEBYTECODE is set and the package is installed from a wheel, so pytest\n"
            "  rewrites the plugin's modules for assertions afresh in every run (it cannot cache them)."
        )


def _editable() -> bool:
    """Whether pytest-thingsgraph is an editable install (pytest then does not rewrite its modules)."""
    try:
        files = metadata.distribution("pytest-thingsgraph").files or []
    except metadata.PackageNotFoundError:
        return True
    return not any(file.name == "plugin.py" for file in files)


def _median(runs: Sequence[Run]) -> str:
    return f"{statistics.median(run.total for run in runs):.1f}"

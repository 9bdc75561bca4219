"""Benchmarks: pytest-thingsgraph against botocore's own pipeline, its Stubber and moto.

Run with ``tox -e bench`` (``tox -e bench -- --quick`` for a smoke run) or
``python benchmarks/bench.py``. Each section is a module of this directory
(``per_call``, ``per_test``, ``scale``, ``load``, ``signatures``) and
``_measure`` holds the interleaved rounds they share. Each budget is printed with
PASS or FAIL; the script exits 0 whatever they say, unless ``--strict``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Sequence
from importlib import metadata

import load
import per_call
import per_test
import scale
import signatures
from _contenders import Moto, Things, isolate_from_aws
from _measure import Report, Settings

#: The sections in the order they run; ``--only`` picks some.
SECTIONS = ("call", "test", "scale", "load", "signatures")


def versions() -> str:
    """The versions that matter for the figures."""
    found = []
    for name in ("botocore", "boto3", "moto", "pydantic", "pytest", "pytest-thingsgraph"):
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} absent")
    return f"Python {platform.python_version()}, " + ", ".join(found) + f"; {os.cpu_count()} CPUs"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sections asked for and print the report; 1 only for a failed budget under --strict."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a fast smoke run: fewer rounds, shorter batches")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a budget fails")
    parser.add_argument("--rounds", type=int, help="rounds per comparison (default 15, quick 3)")
    parser.add_argument("--only", choices=SECTIONS, action="append", help="run only this section (repeatable)")
    arguments = parser.parse_args(argv)
    isolate_from_aws()

    settings = Settings.of(arguments.quick, arguments.rounds)
    sections = arguments.only or SECTIONS
    print(f"pytest-thingsgraph benchmark ({'quick' if settings.quick else 'full'}): {versions()}")
    print(
        f"{settings.rounds} interleaved rounds per comparison, best of {settings.reps} batches of "
        f"~{settings.batch_seconds * 1e3:.0f} ms of this thread's CPU time per contender per round; ratios are "
        "median [min, max] of per-round ratios; budgets apply to the median"
    )
    report = Report()
    started = time.perf_counter()
    things = Things.make()  # before moto's import: its client has none of moto's handlers
    moto = Moto.make() if {"call", "test"} & set(sections) else None
    if "call" in sections:
        per_call.run(things, moto, settings, report)
    if "test" in sections:
        per_test.run(things, moto, settings, report)
    if "scale" in sections:
        scale.run(things, settings, report)
    if "load" in sections:
        load.run(settings, report)
    if "signatures" in sections:
        signatures.run(things, settings, report)
    elapsed = time.perf_counter() - started
    print(f"\n{report.checked - len(report.failed)} of {report.checked} budgets met; the run took {elapsed:.0f} s")
    for failure in report.failed:
        print(f"  FAIL {failure}")
    return 1 if arguments.strict and report.failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Compare the outcome of every test across the runs of the version environments.

Each of ``py310`` … ``py313`` runs the whole suite once, in its own way (``tox.ini``): one in file
order (the plain run), three in random orders (each its own fixed seed) across two xdist workers.
Each writes a JUnit XML report to ``.tox/outcomes/<env>.xml``. A test that leans on another's
leftovers (an active stub, a handler, an environment variable) gets another outcome in some order:
this script, run by ``tox -e isolation`` after them, finds it by comparing every test's outcome with
the plain run's.

Usage: ``python tests/check_isolation.py OUTCOMES_DIR PLAIN_ENV OTHER_ENV [OTHER_ENV ...]``.
A missing report (its environment did not run, or crashed before writing it) is a failure: nothing
passes for want of a comparison.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ElementTree
from collections import Counter
from pathlib import Path

#: The child element of a ``<testcase>`` that names its outcome; none means it passed.
_OUTCOMES = ("failure", "error", "skipped")


def outcomes(report: Path) -> dict[str, str]:
    """Each test's outcome in a JUnit XML report, by ``classname::name``."""
    tests: dict[str, str] = {}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        key = f"{case.get('classname')}::{case.get('name')}"
        kinds = [child.tag for child in case if child.tag in _OUTCOMES]
        # a test that passed and then errored at teardown has two entries: the worst one counts
        outcome = next((kind for kind in _OUTCOMES if kind in kinds), "passed")
        if tests.get(key) not in ("failure", "error"):
            tests[key] = outcome
    return tests


def differences(plain: dict[str, str], other: dict[str, str]) -> list[str]:
    """One line per test whose outcome differs from the plain run's, or that only one run has."""
    lines = []
    for key in sorted(plain.keys() | other.keys()):
        expected, got = plain.get(key, "not run"), other.get(key, "not run")
        if expected != got:
            lines.append(f"  {key}: {got} (plain run: {expected})")
    return lines


def main(arguments: list[str]) -> int:
    if len(arguments) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    folder, plain_env, *other_envs = arguments
    reports = {env: Path(folder) / f"{env}.xml" for env in [plain_env, *other_envs]}
    missing = [env for env, report in reports.items() if not report.is_file()]
    if missing:
        print(
            f"No outcome report for {', '.join(missing)} in {folder}: run those environments first "
            f"(python3 -m tox -e {','.join([*reports, 'isolation'])}).",
            file=sys.stderr,
        )
        return 1
    plain = outcomes(reports[plain_env])
    failed = False
    for env in other_envs:
        other = outcomes(reports[env])
        lines = differences(plain, other)
        counts = dict(sorted(Counter(other.values()).items()))
        if lines:
            failed = True
            differ = "1 test differs" if len(lines) == 1 else f"{len(lines)} tests differ"
            print(f"{env}: {differ} from {plain_env}'s plain run:", *lines, sep="\n")
        else:
            print(f"{env}: every one of {len(other)} tests has the plain run's outcome {counts}")
    if not plain:
        print(f"{plain_env}'s report has no tests", file=sys.stderr)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

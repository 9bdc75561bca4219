"""Run the whole suite plainly, in several random orders and across two xdist workers.

Every run must pass with the same outcome counts as the plain one: a test that leans on
another's leftovers (an active stub, a handler, an environment variable) shows up here.
Run by ``tox -e isolation``; arguments after ``--`` replace the seeds.
"""

from __future__ import annotations

import re
import subprocess
import sys

SEEDS = sys.argv[1:] or ["1", "20261128", "4242"]
SUMMARY = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed)")


def run(*arguments: str) -> dict[str, int]:
    command = [sys.executable, "-m", "pytest", "tests", "-q", "-p", "no:cacheprovider", *arguments]
    print("+", " ".join(command[1:]), flush=True)
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    print(summary, flush=True)
    if result.returncode != 0:
        print(result.stdout[-5000:], result.stderr[-2000:], sep="\n")
        raise SystemExit(f"failed: pytest {' '.join(arguments)}")
    counts = {kind.rstrip("s") if kind.startswith("error") else kind: int(n) for n, kind in SUMMARY.findall(summary)}
    return counts


def main() -> None:
    plain = run("-p", "no:randomly")
    runs = {f"random order, seed {seed}": run("-p", "randomly", f"--randomly-seed={seed}") for seed in SEEDS}
    runs["pytest -n 2"] = run("-n", "2", "-p", "no:randomly")
    different = {name: counts for name, counts in runs.items() if counts != plain}
    for name, counts in different.items():
        print(f"{name}: {counts} differs from the plain run's {plain}")
    if different:
        raise SystemExit(1)
    print(f"{len(runs)} runs passed with the plain run's counts: {plain}")


if __name__ == "__main__":
    main()

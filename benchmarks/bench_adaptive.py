"""Adaptive-mode retries under the stub: the wall time 5 throttles add on top of the calls themselves.

Run with ``python benchmarks/bench_adaptive.py``. Each run polls one upload
with a client in ``Config(retries={"mode": "adaptive", "total_max_attempts": 6})``:

- throttled: one ``get_upload_status`` call whose script answers 5
  ``ThrottlingException``s then ``SUCCEEDED`` (6 HTTP attempts, 5 retry waits);
- plain: 6 ``get_upload_status`` calls answering ``IN_PROGRESS`` x 5 then
  ``SUCCEEDED`` (the same 6 HTTP attempts, no waits).

It prints the median of 15 runs of each and their difference in ms, against
the budget of issue 10 (under 50 ms). The 6 plain calls each pay a call's own
costs (parameter checks, serializing, parsing) that the retried attempts share,
so the difference can come out below zero. A fresh client per run, so the rate
limiter's state starts the same each time. Exits 0 whatever the figure, unless
``--strict``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Any

import boto3
from _contenders import isolate_from_aws
from botocore.config import Config

from pytest_thingsgraph import ScriptItem, ServiceError, mock_thingsgraph

RUNS = 15
BUDGET_MS = 50.0
CONFIG = Config(retries={"mode": "adaptive", "total_max_attempts": 6})


def _client() -> Any:
    return boto3.client("iotthingsgraph", region_name="us-east-1", config=CONFIG)


def throttled() -> float:
    """Seconds for one call that is throttled 5 times, then answered SUCCEEDED."""
    client = _client()
    with mock_thingsgraph() as stub:
        stub.add_upload("u", [ServiceError("ThrottlingException", "Rate exceeded")] * 5 + ["SUCCEEDED"])
        start = time.perf_counter()
        status = client.get_upload_status(uploadId="u")["uploadStatus"]
        elapsed = time.perf_counter() - start
    assert status == "SUCCEEDED"
    assert len(stub.retry_delays) == 5
    return elapsed


def plain() -> float:
    """Seconds for 6 calls answered at once."""
    client = _client()
    with mock_thingsgraph() as stub:
        script: list[ScriptItem] = ["IN_PROGRESS"] * 5
        stub.add_upload("u", [*script, "SUCCEEDED"])
        start = time.perf_counter()
        statuses = [client.get_upload_status(uploadId="u")["uploadStatus"] for _ in range(6)]
        elapsed = time.perf_counter() - start
    assert statuses[-1] == "SUCCEEDED"
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strict", action="store_true", help="exit 1 when over the budget")
    arguments = parser.parse_args()
    isolate_from_aws()
    throttled(), plain()  # warm up: imports, models, first-client costs
    throttled_runs, plain_runs = [], []
    for _ in range(RUNS):  # interleaved, so a busy moment of the machine hits both
        throttled_runs.append(throttled())
        plain_runs.append(plain())
    throttled_ms = statistics.median(throttled_runs) * 1000
    plain_ms = statistics.median(plain_runs) * 1000
    extra_ms = throttled_ms - plain_ms
    verdict = "PASS" if extra_ms < BUDGET_MS else "FAIL"
    print(f"5 throttles then SUCCEEDED, adaptive mode, median of {RUNS} runs:")
    print(f"  throttled call (6 attempts): {throttled_ms:8.2f} ms")
    print(f"  6 plain calls:               {plain_ms:8.2f} ms")
    print(f"  on top of the calls:         {extra_ms:8.2f} ms (budget < {BUDGET_MS:.0f} ms) {verdict}")
    return 1 if arguments.strict and verdict == "FAIL" else 0


if __name__ == "__main__":
    sys.exit(main())

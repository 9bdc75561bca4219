"""3. Scale: the per-call cost with 1, 1,000 and 10,000 uploads scripted, and after many recorded calls.

Long-lived stubs are reactivated for each batch with ``stub.activate(owner)`` /
``stub.deactivate()``; the 1-upload baseline is reset before each batch. Budgets:
10,000 uploads and 100,000 recorded calls (10,000 with ``--quick``) each <= 1.1 x the
1-upload cost. Also prints the memory a recorded call keeps alive (tracemalloc).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import sys
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass

from _contenders import UPLOAD, Things
from _measure import Operation, Report, Settings, interleave, print_absolute, progress, ratios

from pytest_thingsgraph import ThingsGraphStub, mock_thingsgraph

BUDGET = 1.1


@dataclass
class Scaled:
    """A long-lived stub, reactivated for each batch (through activate/deactivate)."""

    things: Things
    stub: ThingsGraphStub
    upload_id: str
    fresh: bool = False

    @classmethod
    def with_uploads(cls, things: Things, uploads: int, *, fresh: bool = False) -> Scaled:
        """A stub with ``uploads`` scripted uploads; calls go to the middle one."""
        stub = ThingsGraphStub()
        for number in range(uploads):
            stub.add_upload(f"upload-{number:06d}", ["SUCCEEDED"])
        return cls(things, stub, f"upload-{uploads // 2:06d}", fresh)

    @contextlib.contextmanager
    def calls(self, count: int) -> Iterator[Operation]:
        """Calls answered by this stub; a ``fresh`` stub forgets its calls first."""
        self.stub.activate("the benchmark")
        try:
            if self.fresh:  # scripts are added while the stub runs
                self.stub.reset()
                self.stub.add_upload(self.upload_id, ["SUCCEEDED"])
            operation = functools.partial(self.things.client.get_upload_status, uploadId=self.upload_id)
            operation()
            yield operation
        finally:
            self.stub.deactivate()

    def record(self, count: int) -> None:
        """Make ``count`` calls, so the stub has recorded them."""
        with self.calls(0) as operation:
            for done in range(1, count):
                operation()
                if done % 20_000 == 0:
                    progress(f"{done:,} calls recorded")


def run(things: Things, settings: Settings, report: Report) -> None:
    """Script and record, then time the per-call cost of each stub side by side."""
    recorded = settings.recorded_calls
    print(f"\n3. Scale: per-call cost with 1, 1,000 and 10,000 uploads scripted, and after {recorded:,} recorded calls")
    progress("scripting 11,001 uploads")
    started = time.perf_counter()
    scaled = {
        "1 upload (fresh each batch)": Scaled.with_uploads(things, 1, fresh=True),
        "1,000 uploads": Scaled.with_uploads(things, 1_000),
        "10,000 uploads": Scaled.with_uploads(things, 10_000),
    }
    scripted = time.perf_counter() - started
    print(f"  add_upload, one item, while scripting 11,001 uploads   {scripted / 11_001 * 1e6:9.1f} µs each")
    progress(f"recording {recorded:,} calls")
    many = Scaled.with_uploads(things, 1)
    started = time.perf_counter()
    many.record(recorded)
    print(f"  {recorded:,} recorded calls made in {time.perf_counter() - started:.1f} s")
    scaled[f"1 upload, {recorded:,} calls recorded"] = many
    times = interleave({name: stub.calls for name, stub in scaled.items()}, settings)
    print_absolute(times, " per call")
    base = times["1 upload (fresh each batch)"]
    report.info("1,000 uploads / 1 upload", ratios(times["1,000 uploads"], base))
    report.budget("10,000 uploads / 1 upload", ratios(times["10,000 uploads"], base), BUDGET)
    report.budget(
        f"{recorded:,} recorded calls / 1 upload",
        ratios(times[f"1 upload, {recorded:,} calls recorded"], base),
        BUDGET,
    )
    memory_per_call(things, settings.memory_calls)


def memory_per_call(things: Things, count: int) -> None:
    """Bytes a recorded call keeps alive (tracemalloc), and the objects they are."""
    with mock_thingsgraph() as stub:
        stub.add_upload(UPLOAD, ["SUCCEEDED"])
        operation = things.operation()
        tracemalloc.start()
        try:
            for _ in range(200):  # fill botocore's caches first
                operation()
            gc.collect()
            before = tracemalloc.get_traced_memory()[0]
            for _ in range(count):
                operation()
            gc.collect()
            after = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        calls = stub.calls
    if len(calls) != count + 200:
        raise RuntimeError(f"expected {count + 200} recorded calls, found {len(calls)}")
    print(f"  memory per recorded call (tracemalloc, {count:,} calls)   {(after - before) / count:9.0f} bytes")
    last, previous = calls[-1], calls[-2]
    parts = {"Call": sys.getsizeof(last), "list slot": 8}
    for name in last.__slots__:  # what each call holds that the one before does not share
        value = getattr(last, name)
        if value is not getattr(previous, name) and not isinstance(value, (int, type(None))):
            parts[f"{name} ({type(value).__name__})"] = sys.getsizeof(value)
    print("    of which " + ", ".join(f"{name} {size}" for name, size in parts.items()) + " bytes")

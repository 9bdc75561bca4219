"""The measuring machinery every section shares: settings, interleaved rounds, and the report.

Contenders of one comparison run in this one process, interleaved round by round
(the order rotates each round, and reverses on every other batch); each round keeps
the best of a few batches per contender, and a comparison reports the median of its
per-round ratios with their min and max. Budgets apply to the median.

A batch is timed by the CPU time of this thread (``time.thread_time_ns``), not by the
wall clock: every contender does all its work in the calling thread, and on a busy
machine the wall clock also counts the time other processes held the CPU, which made
wall-clock ratios swing by ±15 % from one run to the next (CPU-time ratios held within a
few per cent under the same load).
"""

from __future__ import annotations

import gc
import itertools
import math
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

Operation = Callable[[], object]
#: Given a batch size, a context in which the operation to time is ready (set-up and teardown untimed).
Factory = Callable[[int], AbstractContextManager[Operation]]


@dataclass(frozen=True)
class Settings:
    """How long and how often to measure."""

    quick: bool
    rounds: int
    reps: int
    batch_seconds: float
    recorded_calls: int
    memory_calls: int
    load_rounds: int
    load_tests: int

    @classmethod
    def of(cls, quick: bool, rounds: int | None) -> Settings:
        """The full or the quick settings, with an optional number of rounds."""
        if quick:
            return cls(True, rounds or 3, 2, 0.010, 10_000, 300, 3, 50)
        return cls(False, rounds or 15, 5, 0.030, 100_000, 3_000, 15, 200)


@dataclass(frozen=True)
class Spread:
    """Median, min and max of per-round values."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        """The spread of ``values``."""
        return cls(statistics.median(values), min(values), max(values))


@dataclass
class Report:
    """The budgets checked so far."""

    failed: list[str] = field(default_factory=list)
    checked: int = 0

    def budget(
        self, label: str, spread: Spread, limit: float, unit: str = "", *, aim: float | None = None, shown: str = ""
    ) -> None:
        """Print one ratio (or difference) with its budget (``shown``, if given) and PASS/FAIL, on its median."""
        self.checked += 1
        passed = spread.median <= limit
        status = "PASS" if passed else "FAIL"
        if aim is not None:
            status += " (aim met)" if spread.median <= aim else f" (aim {aim:g} missed)"
        budget = f"<= {shown or f'{limit:.4g}'}{unit}"
        print(f"  {label:<52} {figures(spread, unit)}   budget {budget:<12} {status}")
        if not passed:
            self.failed.append(f"{label}: {spread.median:.4g}{unit} > {shown or f'{limit:.4g}'}{unit}")

    def info(self, label: str, spread: Spread, unit: str = "") -> None:
        """Print one ratio that has no budget."""
        print(f"  {label:<52} {figures(spread, unit)}")

    def skip(self, label: str, why: str) -> None:
        """Print a comparison that could not run."""
        print(f"  {label:<52} SKIP ({why})")


def figures(spread: Spread, unit: str) -> str:
    """``median x [min y, max z]``: four decimals for ratios, two for figures with a unit."""
    digits = 4 if not unit else 2
    return (
        f"median {spread.median:8.{digits}f}{unit}  "
        f"[min {spread.low:.{digits}f}{unit}, max {spread.high:.{digits}f}{unit}]"
    )


def ratios(numerators: Sequence[float], denominators: Sequence[float]) -> Spread:
    """The spread of per-round ratios."""
    return Spread.of([a / b for a, b in zip(numerators, denominators, strict=True)])


def differences_us(minuends: Sequence[float], subtrahends: Sequence[float]) -> Spread:
    """The spread of per-round differences of seconds, in microseconds."""
    return Spread.of([(a - b) * 1e6 for a, b in zip(minuends, subtrahends, strict=True)])


def micros(values: Sequence[float]) -> str:
    """Median seconds of ``values`` in microseconds, for the absolute-figures lines."""
    return f"{statistics.median(values) * 1e6:9.1f} µs"


def print_absolute(times: dict[str, list[float]], suffix: str = "") -> None:
    """One line per contender: its median seconds per operation, in microseconds."""
    for name, values in times.items():
        print(f"  {name + suffix:<52} {micros(values)}")


def progress(message: str) -> None:
    """A progress note on stderr (the report goes to stdout)."""
    print(f"    ... {message}", file=sys.stderr, flush=True)


def per_operation(operation: Operation, count: int) -> float:
    """CPU seconds of this thread per call of ``operation``, over ``count`` calls."""
    start = time.thread_time_ns()
    for _ in itertools.repeat(None, count):
        operation()
    return (time.thread_time_ns() - start) / count / 1e9


def calibrate(factory: Factory, seconds: float) -> int:
    """A batch size that takes about ``seconds``."""
    best = math.inf
    for _ in range(2):
        with factory(5) as operation:
            best = min(best, per_operation(operation, 5))
    return max(3, round(seconds / best))


def interleave(contenders: dict[str, Factory], settings: Settings) -> dict[str, list[float]]:
    """Per round, the best seconds per operation of each contender; contenders alternate."""
    names = list(contenders)
    batches = {name: calibrate(factory, settings.batch_seconds) for name, factory in contenders.items()}
    rounds: dict[str, list[float]] = {name: [] for name in names}
    for number in range(settings.rounds):
        shift = number % len(names)
        order = names[shift:] + names[:shift]
        best = dict.fromkeys(names, math.inf)
        for rep in range(settings.reps):
            for name in order if rep % 2 == 0 else reversed(order):
                with contenders[name](batches[name]) as operation:
                    gc.collect()
                    best[name] = min(best[name], per_operation(operation, batches[name]))
        for name in names:
            rounds[name].append(best[name])
    return rounds

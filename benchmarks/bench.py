"""Benchmarks: pytest-thingsgraph against botocore's own pipeline, its Stubber and moto.

Run with ``tox -e bench`` (``tox -e bench -- --quick`` for a smoke run) or
``python benchmarks/bench.py``. Contenders of one comparison run in this one
process, interleaved round by round (the order rotates each round); each round
keeps the best of a few batches per contender, and a comparison reports the
median of its per-round ratios with their min and max. Each budget is printed
with PASS or FAIL; the script exits 0 whatever they say, unless ``--strict``.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import itertools
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber

from pytest_thingsgraph import StubError, ThingsGraphStub, active_stub, mock_thingsgraph

UPLOAD = "bench-upload"
FLOOR_EVENT = "before-send.iotthingsgraph.GetUploadStatus"
CONTENT_TYPE = "application/x-amz-json-1.1"
REGION = "us-east-1"

Operation = Callable[[], object]
#: Given a batch size, a context in which the operation to time is ready (set-up and teardown untimed).
Factory = Callable[[int], AbstractContextManager[Operation]]


# --- settings and statistics ---------------------------------------------------------------------


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
        return cls(False, rounds or 15, 3, 0.030, 100_000, 3_000, 15, 200)


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
        print(f"  {label:<52} {_figures(spread, unit)}   budget {budget:<12} {status}")
        if not passed:
            self.failed.append(f"{label}: {spread.median:.4g}{unit} > {shown or f'{limit:.4g}'}{unit}")

    def info(self, label: str, spread: Spread, unit: str = "") -> None:
        """Print one ratio that has no budget."""
        print(f"  {label:<52} {_figures(spread, unit)}")

    def skip(self, label: str, why: str) -> None:
        """Print a comparison that could not run."""
        print(f"  {label:<52} SKIP ({why})")


def _figures(spread: Spread, unit: str) -> str:
    digits = 4 if not unit else 2
    return (
        f"median {spread.median:8.{digits}f}{unit}  "
        f"[min {spread.low:.{digits}f}{unit}, max {spread.high:.{digits}f}{unit}]"
    )


def ratios(numerators: Sequence[float], denominators: Sequence[float]) -> Spread:
    """The spread of per-round ratios."""
    return Spread.of([a / b for a, b in zip(numerators, denominators, strict=True)])


def micros(values: Sequence[float]) -> str:
    """Median seconds of ``values`` in microseconds, for the absolute-figures lines."""
    return f"{statistics.median(values) * 1e6:9.1f} µs"


def progress(message: str) -> None:
    """A progress note on stderr (the report goes to stdout)."""
    print(f"    ... {message}", file=sys.stderr, flush=True)


# --- interleaved timing --------------------------------------------------------------------------


def per_operation(operation: Operation, count: int) -> float:
    """Seconds per call of ``operation``, over ``count`` calls."""
    start = time.perf_counter_ns()
    for _ in itertools.repeat(None, count):
        operation()
    return (time.perf_counter_ns() - start) / count / 1e9


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


# --- contenders ----------------------------------------------------------------------------------


class _Raw:
    """The raw body of a prebuilt response: botocore reads it through ``stream()``."""

    __slots__ = ("_body",)

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def assert_no_stub() -> None:
    """Fail unless no stub is active (its handlers must stay out of the floor's way)."""
    try:
        stub = active_stub()
    except StubError:
        return
    raise RuntimeError(f"a stub is active during a floor or Stubber batch: {stub!r}")


@dataclass
class Things:
    """One Things Graph client and what the floor and the Stubber answer on it."""

    client: Any
    floor_response: AWSResponse
    parsed: dict[str, Any]

    @classmethod
    def make(cls) -> Things:
        """The client, plus the exact answer the stub sends, prebuilt for the floor."""
        client = boto3.client("iotthingsgraph", region_name=REGION)
        with mock_thingsgraph() as stub:
            stub.add_upload(UPLOAD, ["SUCCEEDED"])
            stub_answer = client.get_upload_status(uploadId=UPLOAD)
            call = stub.calls[0]
        body = json.dumps(call.response, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {"x-amzn-RequestId": call.request_id, "Content-Type": CONTENT_TYPE, "Content-Length": str(len(body))}
        url = f"https://iotthingsgraph.{REGION}.amazonaws.com/"
        response = AWSResponse(url, 200, headers, _Raw(body))  # type: ignore[arg-type]  # botocore takes any mapping
        things = cls(client, response, {key: value for key, value in stub_answer.items() if key != "ResponseMetadata"})
        with things.floor(1) as operation:
            floor_answer = operation()
        if not isinstance(floor_answer, dict) or floor_answer != stub_answer:
            raise RuntimeError(f"the floor answers {floor_answer} but the stub {stub_answer}")
        return things

    def operation(self) -> Operation:
        """One GetUploadStatus call of the benchmark's upload."""
        return functools.partial(self.client.get_upload_status, uploadId=UPLOAD)

    @contextlib.contextmanager
    def floor(self, count: int) -> Iterator[Operation]:
        """The floor: a bare before-send handler returning the prebuilt response, no stub active."""
        assert_no_stub()
        response = self.floor_response

        def answer(**_: Any) -> AWSResponse:
            return response

        self.client.meta.events.register_first(FLOOR_EVENT, answer)
        try:
            operation = self.operation()
            operation()
            yield operation
        finally:
            self.client.meta.events.unregister(FLOOR_EVENT, answer)

    @contextlib.contextmanager
    def stub(self, count: int) -> Iterator[Operation]:
        """The stub answering a script that ends on SUCCEEDED (it keeps answering that)."""
        with mock_thingsgraph() as stub:
            stub.add_upload(UPLOAD, ["SUCCEEDED"])
            operation = self.operation()
            operation()
            yield operation

    @contextlib.contextmanager
    def stubber(self, count: int) -> Iterator[Operation]:
        """botocore's Stubber on the same client, one queued response per call."""
        assert_no_stub()
        with Stubber(self.client) as stubber:
            for _ in range(count + 1):
                stubber.add_response("get_upload_status", self.parsed, {"uploadId": UPLOAD})
            operation = self.operation()
            operation()
            yield operation

    @contextlib.contextmanager
    def stub_test(self, count: int) -> Iterator[Operation]:
        """What the stub costs a test: enter, one add_upload, exit (with the teardown checks)."""

        def test() -> None:
            # the timed test makes no call, so it must not ask for its script to be consumed
            with mock_thingsgraph(assert_all_consumed=False) as stub:
                stub.add_upload(UPLOAD, ["IN_PROGRESS", "SUCCEEDED"])

        test()
        yield test


@dataclass
class Moto:
    """moto's ``mock_aws`` and an SSM client: GetParameter is a JSON 1.1 operation too."""

    mock_aws: Callable[[], AbstractContextManager[object]]
    ssm: Any

    @classmethod
    def make(cls) -> Moto | None:
        """``None`` when moto is not installed."""
        try:
            from moto import mock_aws
        except ModuleNotFoundError as error:
            if error.name != "moto":
                raise  # moto is installed but broken: say so rather than skip
            return None
        # a session made after moto's import carries moto's before-send handler
        ssm = boto3.session.Session().client("ssm", region_name=REGION)
        return cls(mock_aws, ssm)

    @contextlib.contextmanager
    def calls(self, count: int) -> Iterator[Operation]:
        """GetParameter of one stored parameter, inside ``mock_aws()``."""
        with self.mock_aws():
            self.ssm.put_parameter(Name="/bench/parameter", Value="value", Type="String")
            operation = functools.partial(self.ssm.get_parameter, Name="/bench/parameter")
            operation()
            yield operation

    @contextlib.contextmanager
    def tests(self, count: int) -> Iterator[Operation]:
        """What moto costs a test at least: ``mock_aws()`` enter and exit."""

        def test() -> None:
            with self.mock_aws():
                pass

        test()
        yield test


# --- sections ------------------------------------------------------------------------------------


def section_call(things: Things, moto: Moto | None, settings: Settings, report: Report) -> None:
    """1. Per call: the stub against the floor, Stubber and moto."""
    print("\n1. Per call: get_upload_status on one boto3 client (moto: ssm.get_parameter)")
    contenders: dict[str, Factory] = {"floor": things.floor, "stub": things.stub, "Stubber": things.stubber}
    if moto is not None:
        contenders["moto"] = moto.calls
    times = interleave(contenders, settings)
    for name, values in times.items():
        print(f"  {name + ' per call':<52} {micros(values)}")
    report.budget("stub / floor", ratios(times["stub"], times["floor"]), 1.10, aim=1.03)
    overhead = Spread.of([(a - b) * 1e6 for a, b in zip(times["stub"], times["floor"], strict=True)])
    report.info("stub - floor, per call", overhead, unit=" µs")
    report.info("stub / Stubber", ratios(times["stub"], times["Stubber"]))
    if "moto" in times:
        report.info("stub / moto mock_aws (SSM GetParameter)", ratios(times["stub"], times["moto"]))
    else:
        report.skip("stub / moto mock_aws (SSM GetParameter)", "moto is not installed")


def section_test(things: Things, moto: Moto | None, settings: Settings, report: Report) -> None:
    """2. Per test: mock_thingsgraph() enter + add_upload + exit against one floor call and moto."""
    print("\n2. Per test: mock_thingsgraph() enter + one add_upload + exit")
    contenders: dict[str, Factory] = {"stub test": things.stub_test, "floor call": things.floor}
    if moto is not None:
        contenders["mock_aws() enter + exit"] = moto.tests
    times = interleave(contenders, settings)
    for name, values in times.items():
        print(f"  {name:<52} {micros(values)}")
    report.budget("stub test / one floor call", ratios(times["stub test"], times["floor call"]), 0.15)
    if moto is not None:
        report.budget(
            "stub test / mock_aws() enter + exit",
            ratios(times["stub test"], times["mock_aws() enter + exit"]),
            1 / 30,
            shown="1/30",
        )
    else:
        report.skip("stub test / mock_aws() enter + exit", "moto is not installed")


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
        if self.fresh:
            self.stub.reset()
            self.stub.add_upload(self.upload_id, ["SUCCEEDED"])
        self.stub.activate("the benchmark")
        try:
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


def section_scale(things: Things, settings: Settings, report: Report) -> None:
    """3. Scale: per-call cost against uploads scripted and calls recorded; memory per recorded call."""
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
    for name, values in times.items():
        print(f"  {name + ' per call':<52} {micros(values)}")
    base = times["1 upload (fresh each batch)"]
    report.info("1,000 uploads / 1 upload", ratios(times["1,000 uploads"], base))
    report.budget("10,000 uploads / 1 upload", ratios(times["10,000 uploads"], base), 1.1)
    report.budget(
        f"{recorded:,} recorded calls / 1 upload", ratios(times[f"1 upload, {recorded:,} calls recorded"], base), 1.1
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


def write_suite(root: Path, tests: int) -> None:
    """A suite of ``tests`` plain tests in 10 modules, none asking for the fixture."""
    (root / "pytest.ini").write_text("[pytest]\n")  # root is the rootdir: no other ini applies
    per_module = max(1, tests // 10)
    for module in range(10):
        lines = [f"def test_{module}_{number}():\n    assert {number} + 1 > {number}\n" for number in range(per_module)]
        (root / f"test_plain_{module}.py").write_text("\n\n".join(lines))


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


@dataclass(frozen=True)
class Run:
    """Milliseconds of one pytest process: in all, in pytest's run, and from its end to the exit."""

    total: float
    session: float
    exit: float


def collection(root: Path, arguments: Sequence[str], environment: dict[str, str]) -> Run:
    """``pytest --collect-only -q`` of ``root`` in a fresh interpreter, timed from this process."""
    times = root / "times.txt"
    command = [sys.executable, "-c", _CHILD, "--collect-only", "-q", "-p", "no:cacheprovider", *arguments]
    started = time.monotonic_ns()
    completed = subprocess.run(
        command, cwd=root, env={**environment, "THINGSGRAPH_BENCH_TIMES": str(times)}, capture_output=True, check=False
    )
    ended = time.monotonic_ns()
    if completed.returncode != 0:
        raise RuntimeError(f"pytest {' '.join(arguments)} failed:\n{completed.stdout!r}\n{completed.stderr!r}")
    _, imported, finished = (int(part) for part in times.read_text().split())
    return Run((ended - started) / 1e6, (finished - imported) / 1e6, (ended - finished) / 1e6)


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
        for rep in range(settings.reps):  # best of a few processes per round, as for the per-call batches
            for name in variants if rep % 2 == 0 else reversed(variants):
                run = collection(root, variants[name], environment)
                if name not in best or run.total < best[name].total:
                    best[name] = run
        for name in variants:
            runs[name].append(best[name])
    return runs["with"], runs["without"]


def section_load(settings: Settings, report: Report) -> None:
    """4. Load: collecting a suite that never asks for the fixture, with and without the plugin."""
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
        for part, label in LOAD_PARTS.items():
            added = Spread.of([getattr(a, part) - getattr(b, part) for a, b in zip(with_plugin, without, strict=True)])
            if budgeted and part == "total":
                report.budget(label, added, 5.0, unit=" ms")
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


LOAD_PARTS = {
    "total": "added by the plugin (whole process)",
    "session": "  of which in pytest's run (import to return)",
    "exit": "  of which after it (interpreter exit)",
}


def _median(runs: Sequence[Run]) -> str:
    return f"{statistics.median(run.total for run in runs):.1f}"


# --- main ----------------------------------------------------------------------------------------

SECTIONS = ("call", "test", "scale", "load")


def isolate_from_aws() -> None:
    """No profile, config file or metadata service: only fake credentials, from the environment."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    os.environ.update(
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_ACCESS_KEY_ID="ASIABENCHMARKFAKEKEY",
        AWS_SECRET_ACCESS_KEY="benchmark-fake-secret",
        AWS_SESSION_TOKEN="benchmark-fake-token",
        AWS_DEFAULT_REGION=REGION,
    )


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
    settings = Settings.of(arguments.quick, arguments.rounds)
    sections = arguments.only or SECTIONS
    isolate_from_aws()
    print(f"pytest-thingsgraph benchmark ({'quick' if settings.quick else 'full'}): {versions()}")
    print(
        f"{settings.rounds} interleaved rounds per comparison, best of {settings.reps} batches of "
        f"~{settings.batch_seconds * 1e3:.0f} ms per contender per round; ratios are median [min, max] "
        "of per-round ratios; budgets apply to the median"
    )
    report = Report()
    started = time.perf_counter()
    things = Things.make()  # before moto's import: its client has none of moto's handlers
    moto = Moto.make() if {"call", "test"} & set(sections) else None
    if "call" in sections:
        section_call(things, moto, settings, report)
    if "test" in sections:
        section_test(things, moto, settings, report)
    if "scale" in sections:
        section_scale(things, settings, report)
    if "load" in sections:
        section_load(settings, report)
    elapsed = time.perf_counter() - started
    print(f"\n{report.checked - len(report.failed)} of {report.checked} budgets met; the run took {elapsed:.0f} s")
    for failure in report.failed:
        print(f"  FAIL {failure}")
    return 1 if arguments.strict and report.failed else 0


if __name__ == "__main__":
    sys.exit(main())

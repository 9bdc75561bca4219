"""Server mode benchmark: our server against moto's ThreadedMotoServer and a bare stdlib server.

Run with ``tox -e bench-server`` (``-- --quick`` for a smoke run) or ``python benchmarks/bench_server.py``
(needs boto3 and ``moto[server]``). Three contenders, each with one boto3 client of the same settings
(``Config(retries={"total_max_attempts": 1})``, fake credentials, ``endpoint_url`` on the loopback):

(a) ``ThingsGraphServer`` answering ``get_upload_status`` from a script that ends on SUCCEEDED;
(b) moto's ``ThreadedMotoServer`` answering ``ssm.get_parameter``;
(c) a bare stdlib ``ThreadingHTTPServer`` returning a canned GetUploadStatus body in one write.

Rounds interleave the contenders (the order rotates each round); each round keeps the best of a few
batches per contender; a comparison is the median of the per-round ratios with their min and max.
Also timed: the ``thingsgraph_server`` fixture's set-up plus teardown. Each budget is printed with
PASS or FAIL; the script exits 0 whatever they say, unless ``--strict``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import http.server
import itertools
import logging
import math
import platform
import socket
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from importlib import metadata
from typing import Any

import boto3
from botocore.config import Config

from pytest_thingsgraph import ThingsGraphServer, ThingsGraphStub
from pytest_thingsgraph._threaded_server import serving

UPLOAD = "bench-upload"
CANNED = b'{"uploadId":"bench-upload","uploadStatus":"SUCCEEDED","namespaceVersion":3,"createdDate":1714564800.0}'
Operation = Callable[[], object]
Factory = Callable[[], AbstractContextManager[Operation]]


def client(service: str, endpoint_url: str) -> Any:
    return boto3.Session().client(
        service,
        region_name="us-east-1",
        endpoint_url=endpoint_url,
        aws_access_key_id="AKIDBENCHMARK0000000",
        aws_secret_access_key="bench-secret",
        config=Config(retries={"total_max_attempts": 1}),
    )


# --- contenders ------------------------------------------------------------------------------------


@contextlib.contextmanager
def ours() -> Iterator[Operation]:
    stub = ThingsGraphStub()
    with ThingsGraphServer(stub) as server:
        things = client("iotthingsgraph", server.endpoint_url)

        def operation() -> object:
            return things.get_upload_status(uploadId=UPLOAD)

        stub.add_upload(UPLOAD, ["SUCCEEDED"])
        assert operation()["uploadStatus"] == "SUCCEEDED"  # type: ignore[index]
        yield operation
        things.close()


@contextlib.contextmanager
def moto_server() -> Iterator[Operation]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # werkzeug logs every request by default

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        ssm = client("ssm", f"http://{host}:{port}")
        ssm.put_parameter(Name="/bench/parameter", Value="value", Type="String")

        def operation() -> object:
            return ssm.get_parameter(Name="/bench/parameter")

        assert operation()["Parameter"]["Value"] == "value"  # type: ignore[index]
        yield operation
        ssm.close()
    finally:
        server.stop()


class _CannedHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = -1  # buffered: status line, headers and body leave in one flush

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000")
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(CANNED)))
        self.end_headers()
        self.wfile.write(CANNED)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def bare() -> Iterator[Operation]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CannedHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        things = client("iotthingsgraph", f"http://127.0.0.1:{server.server_port}")

        def operation() -> object:
            return things.get_upload_status(uploadId=UPLOAD)

        assert operation()["uploadStatus"] == "SUCCEEDED"  # type: ignore[index]
        yield operation
        things.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# --- timing ----------------------------------------------------------------------------------------


def per_call(operation: Operation, count: int) -> float:
    start = time.perf_counter_ns()
    for _ in itertools.repeat(None, count):
        operation()
    return (time.perf_counter_ns() - start) / count / 1e9


def interleave(contenders: dict[str, Factory], rounds: int, reps: int, calls: int) -> dict[str, list[float]]:
    """Per round, each contender's best seconds per call over ``reps`` batches of ``calls``."""
    names = list(contenders)
    results: dict[str, list[float]] = {name: [] for name in names}
    running = {name: contextlib.ExitStack() for name in names}
    operations = {name: running[name].enter_context(contenders[name]()) for name in names}
    try:
        for operation in operations.values():  # warm up: connections open, code paths hot
            per_call(operation, calls // 4 + 1)
        for number in range(rounds):
            shift = number % len(names)
            order = names[shift:] + names[:shift]
            best = dict.fromkeys(names, math.inf)
            for rep in range(reps):
                for name in order if rep % 2 == 0 else reversed(order):
                    gc.collect()
                    best[name] = min(best[name], per_call(operations[name], calls))
            for name in names:
                results[name].append(best[name])
            print(f"    ... round {number + 1}/{rounds}", file=sys.stderr, flush=True)
    finally:
        for stack in running.values():
            stack.close()
    return results


def fixture_cycle(count: int) -> list[float]:
    """Seconds of the fixture's set-up plus teardown (start, then stop of a server of a fresh stub)."""
    times = []
    for _ in range(count):
        stub = ThingsGraphStub()
        start = time.perf_counter_ns()
        generator = serving(stub)
        next(generator)
        with contextlib.suppress(StopIteration):
            next(generator)
        times.append((time.perf_counter_ns() - start) / 1e9)
    return times


def fixture_cycle_with_a_connection(count: int) -> list[float]:
    """The same, with a client's keep-alive connection left open for the teardown to close."""
    times = []
    request = b"GET /_thingsgraph/report HTTP/1.1\r\nHost: bench\r\n\r\n"
    for _ in range(count):
        start = time.perf_counter_ns()
        generator = serving(ThingsGraphStub())
        server = next(generator)
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(request)
            sock.recv(65536)
            with contextlib.suppress(StopIteration):
                next(generator)
        times.append((time.perf_counter_ns() - start) / 1e9)
    return times


def spread(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: fewer rounds and calls")
    parser.add_argument("--rounds", type=int, help="rounds of interleaved batches (default 15, quick 3)")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a budget fails")
    arguments = parser.parse_args()
    rounds = arguments.rounds or (3 if arguments.quick else 15)
    reps, calls = (2, 30) if arguments.quick else (3, 100)

    versions = ", ".join(f"{name} {metadata.version(name)}" for name in ("boto3", "botocore", "moto", "werkzeug"))
    print(f"Python {platform.python_version()} on {platform.machine()}, {versions}")
    print(f"{rounds} rounds x {reps} batches of {calls} calls per contender, interleaved\n")
    results = interleave({"ours": ours, "moto": moto_server, "bare": bare}, rounds, reps, calls)

    failed = []

    def budget(label: str, values: list[float], limit: float, unit: str = "", scale: float = 1.0) -> None:
        median, low, high = spread([value * scale for value in values])
        status = "PASS" if median <= limit else "FAIL"
        if status == "FAIL":
            failed.append(label)
        figures = f"median {median:7.3f}{unit} [min {low:.3f}, max {high:.3f}]"
        print(f"  {label:<48} {figures}  budget <= {limit:g}{unit}  {status}")

    for name in ("ours", "moto", "bare"):
        median, low, high = spread(results[name])
        print(f"  per call, {name:<38} median {median * 1e3:7.3f} ms [min {low * 1e3:.3f}, max {high * 1e3:.3f}]")
    budget(
        "per call: ours / moto ThreadedMotoServer",
        [a / b for a, b in zip(results["ours"], results["moto"], strict=True)],
        0.5,
    )
    budget(
        "per call: ours / bare stdlib server",
        [a / b for a, b in zip(results["ours"], results["bare"], strict=True)],
        1.3,
    )
    cycles = 50 if arguments.quick else 300
    budget("fixture set-up + teardown", fixture_cycle(cycles), 10, " ms", 1e3)
    budget("the same, a keep-alive connection left open", fixture_cycle_with_a_connection(cycles), 10, " ms", 1e3)
    if failed:
        print(f"\nFAILED budgets: {', '.join(failed)}")
    return 1 if failed and arguments.strict else 0


if __name__ == "__main__":
    raise SystemExit(main())

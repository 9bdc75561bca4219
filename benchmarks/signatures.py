"""5. Signatures: what the SigV4 checks on the wire cost a call, against one floor call.

The checks read headers only (no signature is recomputed); section 1 already times
every stubbed call with them on. This section times the check alone, on a request
botocore signed, so a change to it shows here first. It is skipped while the
package has no ``_sigv4`` module.
"""

from __future__ import annotations

import contextlib
import importlib
import time
from collections.abc import Iterator
from typing import Any

from _contenders import FLOOR_EVENT, UPLOAD, Things
from _measure import Factory, Operation, Report, Settings, interleave, print_absolute, ratios


def signed_request(things: Things) -> Any:
    """The request botocore signs for one GetUploadStatus call of the benchmark's client."""
    seen: list[Any] = []

    def capture(request: Any, **_: Any) -> Any:
        seen.append(request)
        return things.floor_response

    things.client.meta.events.register_first(FLOOR_EVENT, capture)
    try:
        things.client.get_upload_status(uploadId=UPLOAD)
    finally:
        things.client.meta.events.unregister(FLOOR_EVENT, capture)
    return seen[0]


def run(things: Things, settings: Settings, report: Report) -> None:
    """Time the check alone on a signed request, side by side with floor calls."""
    print("\n5. Signatures: the SigV4 check of one signed request vs one floor call")
    try:
        sigv4 = importlib.import_module("pytest_thingsgraph._sigv4")
    except ModuleNotFoundError:
        report.skip("signature check / floor call", "this pytest-thingsgraph has no signature checks (_sigv4)")
        return
    from pytest_thingsgraph import _protocol

    request = signed_request(things)
    wire = _protocol.wire_request(request.method, request.url, request.headers, request.body)
    rejection = sigv4.check_signature(wire.url, wire.headers, time.time())
    if rejection is not None:
        raise RuntimeError(f"the check refuses a request botocore signed: {rejection}")

    @contextlib.contextmanager
    def check(count: int) -> Iterator[Operation]:
        # the clock is read per call, as the stub does
        yield lambda: sigv4.check_signature(wire.url, wire.headers, time.time())

    contenders: dict[str, Factory] = {"signature check": check, "floor call": things.floor}
    times = interleave(contenders, settings)
    print_absolute(times)
    report.info("signature check / one floor call", ratios(times["signature check"], times["floor call"]))

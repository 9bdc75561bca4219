"""1. Per call: each operation answered by the stub against the floor, botocore's Stubber and moto.

The floor is a bare ``before-send.iotthingsgraph.<Operation>`` handler returning
a prebuilt response on the same client, no stub active: what any answer costs
through botocore's own pipeline. ``get_upload_status`` is answered from an
upload's script; ``get_system_instance`` and ``search_entities`` (a larger
request: types, two filters, a page size) from answers queued with
``add_response(..., match=request)``, one per call, as Stubber's are.
Budget, each operation: stub <= 1.10 x floor (aim 1.05).
"""

from __future__ import annotations

from _contenders import Moto, Things, answered_operations
from _measure import Factory, Report, Settings, differences_us, interleave, print_absolute, ratios

BUDGET = 1.10
AIM = 1.05


def run(things: Things, moto: Moto | None, settings: Settings, report: Report) -> None:
    """Time the contenders side by side and check the budget, one comparison per operation."""
    print("\n1. Per call: get_upload_status on one boto3 client (moto: ssm.get_parameter)")
    contenders: dict[str, Factory] = {"floor": things.floor, "stub": things.stub, "Stubber": things.stubber}
    if moto is not None:
        contenders["moto"] = moto.calls
    times = interleave(contenders, settings)
    print_absolute(times, " per call")
    report.budget("stub / floor", ratios(times["stub"], times["floor"]), BUDGET, aim=AIM)
    report.info("stub - floor, per call", differences_us(times["stub"], times["floor"]), unit=" µs")
    report.info("stub / Stubber", ratios(times["stub"], times["Stubber"]))
    if "moto" in times:
        report.info("stub / moto mock_aws (SSM GetParameter)", ratios(times["stub"], times["moto"]))
    else:
        report.skip("stub / moto mock_aws (SSM GetParameter)", "moto is not installed")
    for answered in answered_operations(things):
        method = answered.method
        print(f"\n1. Per call: {method} on the same client (stub: add_response with match=, one per call)")
        times = interleave({"floor": answered.floor, "stub": answered.stub, "Stubber": answered.stubber}, settings)
        print_absolute(times, f" per call ({method})")
        report.budget(f"{method}: stub / floor", ratios(times["stub"], times["floor"]), BUDGET, aim=AIM)
        report.info(f"{method}: stub - floor, per call", differences_us(times["stub"], times["floor"]), unit=" µs")
        report.info(f"{method}: stub / Stubber", ratios(times["stub"], times["Stubber"]))

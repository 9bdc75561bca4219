"""1. Per call: ``get_upload_status`` answered by the stub against the floor, botocore's Stubber and moto.

The floor is a bare ``before-send.iotthingsgraph.GetUploadStatus`` handler returning
a prebuilt response on the same client, no stub active: what any answer costs
through botocore's own pipeline. Budget: stub <= 1.10 x floor (aim 1.05).
"""

from __future__ import annotations

from _contenders import Moto, Things
from _measure import Factory, Report, Settings, differences_us, interleave, print_absolute, ratios

BUDGET = 1.10
AIM = 1.05


def run(things: Things, moto: Moto | None, settings: Settings, report: Report) -> None:
    """Time the contenders side by side and check the budget."""
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

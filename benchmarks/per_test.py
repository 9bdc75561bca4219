"""2. Per test: ``mock_thingsgraph()`` enter + one ``add_upload`` + exit, against one floor call and moto.

The timed "test" makes no call, so it runs ``mock_thingsgraph(assert_all_consumed=False)``:
its script is never consumed. Budgets: <= 0.10 of one floor call; <= 1/30 of
moto's ``mock_aws()`` enter + exit.
"""

from __future__ import annotations

from _contenders import Moto, Things
from _measure import Factory, Report, Settings, interleave, print_absolute, ratios

BUDGET_FLOOR_CALLS = 0.10
BUDGET_MOTO = 1 / 30


def run(things: Things, moto: Moto | None, settings: Settings, report: Report) -> None:
    """Time the contenders side by side and check the budgets."""
    print("\n2. Per test: mock_thingsgraph() enter + one add_upload + exit")
    contenders: dict[str, Factory] = {"stub test": things.stub_test, "floor call": things.floor}
    if moto is not None:
        contenders["mock_aws() enter + exit"] = moto.tests
    times = interleave(contenders, settings)
    print_absolute(times)
    report.budget("stub test / one floor call", ratios(times["stub test"], times["floor call"]), BUDGET_FLOOR_CALLS)
    if moto is not None:
        report.budget(
            "stub test / mock_aws() enter + exit",
            ratios(times["stub test"], times["mock_aws() enter + exit"]),
            BUDGET_MOTO,
            shown="1/30",
        )
    else:
        report.skip("stub test / mock_aws() enter + exit", "moto is not installed")

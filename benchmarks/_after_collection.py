"""``pytest -p _after_collection``: switch on the mutant ``MUTANT_AFTER_COLLECTION`` names once the tests are
collected, as mutmut's own runs see it: the package imported and its import-time code run without the mutant
(``benchmarks/mutant_check.sh`` with ``IN_PROCESS=1``)."""

from __future__ import annotations

import os

import pytest


def pytest_collection_finish(session: pytest.Session) -> None:
    os.environ["MUTANT_UNDER_TEST"] = os.environ["MUTANT_AFTER_COLLECTION"]

"""Helpers of the tests that run node: the node binary and the npm packages ``tox -e node`` installs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

#: The node scripts and test files, beside their package.json.
NODE_TESTS = Path(__file__).parent / "node"
#: The AWS SDK for JavaScript v3's Things Graph client and v2, as npm names them.
SDK_V3 = "@aws-sdk/client-iotthingsgraph"
SDK_V2 = "aws-sdk"


def node_or_skip(*packages: str) -> tuple[str, str]:
    """The node binary and the node_modules holding ``packages``; skipped when absent, except where required.

    ``tox -e node`` installs the packages and sets NODE_PATH and THINGSGRAPH_NODE_REQUIRED; under CI=true a
    missing node, NODE_PATH or package is a failure too, as a missing Python is.
    """
    required = os.environ.get("THINGSGRAPH_NODE_REQUIRED") == "1" or os.environ.get("CI") == "true"
    node = shutil.which("node")
    modules = os.environ.get("NODE_PATH", "")
    problem = None
    if node is None:
        problem = "node is not on PATH: install Node.js 18 or later"
    elif not modules:
        problem = "NODE_PATH is not set: run these tests with `tox -e node`, which installs the SDKs with npm"
    else:
        missing = [package for package in packages if not (Path(modules) / package).is_dir()]
        if missing:
            problem = f"NODE_PATH={modules} has no {', '.join(missing)}: run `tox -e node` (npm installs it)"
    if problem is not None:
        if required:
            pytest.fail(f"{problem} (required here: CI=true or tox -e node)", pytrace=False)
        pytest.skip(f"{problem}; with CI=true this is a failure")
    assert node is not None
    return node, modules

"""pytest-thingsgraph: a wire-faithful stub of AWS IoT Things Graph's GetUploadStatus and UploadEntityDefinitions.

Importing this package is cheap: it imports neither botocore nor pydantic. It
arranges that every botocore session made from now on (once botocore is
imported), and every requests session, routes Things Graph requests to the
active stub, if any.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import _activation
from ._activation import active_stub
from ._errors import ServiceError, StubError, UsageError
from ._options import StubOptions

if TYPE_CHECKING:
    from ._mock import ThingsGraphMock, mock_thingsgraph
    from ._stub import Call, ThingsGraphStub

__all__ = [
    "Call",
    "ServiceError",
    "StubError",
    "StubOptions",
    "ThingsGraphMock",
    "ThingsGraphStub",
    "UsageError",
    "active_stub",
    "mock_thingsgraph",
]

#: Names that import pydantic, loaded on first use only: name -> module.
_LAZY = {"Call": "_stub", "ThingsGraphStub": "_stub", "ThingsGraphMock": "_mock", "mock_thingsgraph": "_mock"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pytest_thingsgraph' has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


_activation.install()

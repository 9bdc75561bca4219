"""pytest-thingsgraph: a wire-faithful stub of AWS IoT Things Graph, every operation of it.

Importing this package is cheap: it imports neither botocore nor pydantic. It
arranges that every botocore session made from now on (once botocore is
imported) carries the stub's handlers, which answer Things Graph requests
while a stub is active and do nothing otherwise.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import _adapters
from ._errors import ServiceError, StubError, UsageError
from ._options import StubOptions
from ._service import UploadStatus

#: This release's version, written here only: pyproject.toml reads it (``[tool.setuptools.dynamic]``).
__version__ = "0.2.0"

if TYPE_CHECKING:
    from ._call import Call
    from ._mock import ThingsGraphPatcher, mock_thingsgraph
    from ._shapes import ANY
    from ._stub import ThingsGraphStub
    from ._threaded_server import ThingsGraphServer
    from ._types import OperationName, ResponseMembers, ScriptItem

    def active_stub() -> ThingsGraphStub:
        """Return the active stub: the fixture's, or the one ``mock_thingsgraph`` started."""
        ...

else:  # the registry knows stubs by the protocol the adapters use; the only stub that activates is ThingsGraphStub
    from ._registry import active_stub

__all__ = [
    "ANY",
    "Call",
    "OperationName",
    "ResponseMembers",
    "ScriptItem",
    "ServiceError",
    "StubError",
    "StubOptions",
    "ThingsGraphMock",
    "ThingsGraphPatcher",
    "ThingsGraphServer",
    "ThingsGraphStub",
    "UploadStatus",
    "UsageError",
    "active_stub",
    "mock_thingsgraph",
]

#: Names that import pydantic (or typing_extensions), loaded on first use only: name -> (module, attribute).
_LAZY = {
    "ANY": ("_shapes", "ANY"),
    "OperationName": ("_types", "OperationName"),
    "ResponseMembers": ("_types", "ResponseMembers"),
    "ScriptItem": ("_types", "ScriptItem"),
    "Call": ("_call", "Call"),
    "ThingsGraphStub": ("_stub", "ThingsGraphStub"),
    "ThingsGraphPatcher": ("_mock", "ThingsGraphPatcher"),
    "ThingsGraphMock": ("_mock", "ThingsGraphPatcher"),  # its name in 0.1.0
    "mock_thingsgraph": ("_mock", "mock_thingsgraph"),
    "ThingsGraphServer": ("_threaded_server", "ThingsGraphServer"),
}

if TYPE_CHECKING:
    ThingsGraphMock = ThingsGraphPatcher
else:

    def __getattr__(name: str) -> Any:
        if name not in _LAZY:
            raise AttributeError(f"module 'pytest_thingsgraph' has no attribute {name!r}")
        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(f"{__name__}.{module}"), attribute)


_adapters.install()

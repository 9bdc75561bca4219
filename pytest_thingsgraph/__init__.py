"""pytest-thingsgraph: a wire-faithful stub of AWS IoT Things Graph's GetUploadStatus.

Importing this package is cheap: it imports neither botocore nor pydantic. It
arranges that every botocore session made from now on (once botocore is
imported) routes Things Graph requests to the active stub, if any.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import _activation
from ._activation import active_stub
from ._errors import ServiceError, StubError, UsageError
from ._options import StubOptions

if TYPE_CHECKING:
    from ._stub import Call, ThingsGraphMock, ThingsGraphStub, mock_thingsgraph

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

_LAZY = frozenset({"Call", "ThingsGraphMock", "ThingsGraphStub", "mock_thingsgraph"})


def __getattr__(name: str) -> Any:
    if name in _LAZY:  # these import pydantic: load them on first use only
        from . import _stub

        return getattr(_stub, name)
    raise AttributeError(f"module 'pytest_thingsgraph' has no attribute {name!r}")


_activation.install()

"""``Rejection``: why the service refuses a request, as the protocol and the signature checks say it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why the service refuses a request."""

    error_code: str
    message: str
    status_code: int = 400
    #: What the service made of the request before refusing it, for the record.
    operation: str | None = None
    document: Mapping[str, Any] | None = None

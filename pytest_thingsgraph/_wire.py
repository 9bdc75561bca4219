"""The wire's data types: a request as the service sees it, its refusal or its view of it, and the answer.

The lowest module of the wire: :mod:`._sigv4` (the signature checks) and
:mod:`._protocol` (the JSON 1.1 protocol) both speak in these types.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._service import CONTENT_TYPE


@dataclass(frozen=True, slots=True)
class WireRequest:
    """One HTTP request as the service sees it: only the headers it reads (lower-case names)."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes
    region: str | None


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why the service refuses a request."""

    error_code: str
    message: str
    status_code: int = 400
    #: What the service made of the request before refusing it, for the record.
    operation: str | None = None
    document: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ParsedRequest:
    """A request the service accepted as well-formed: its operation and body (read-only)."""

    operation: str
    document: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Reply:
    """What the service answers: a status and a JSON document, encoded once."""

    status_code: int
    document: Mapping[str, Any]
    body: bytes

    @property
    def error_code(self) -> str | None:
        return self.document.get("__type") if self.status_code >= 400 else None


@dataclass(frozen=True, slots=True)
class WireResponse:
    """One HTTP response: status, JSON body and the request ID the service sends with it."""

    status_code: int
    body: bytes
    request_id: str

    @property
    def headers(self) -> dict[str, str]:
        """The headers the service sends."""
        return {
            "x-amzn-RequestId": self.request_id,
            "Content-Type": CONTENT_TYPE,
            "Content-Length": str(len(self.body)),
        }

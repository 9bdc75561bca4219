"""``Call``: one request the stub answered, as every operation records it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from ._service import UploadStatus

#: The ``error_code`` of a call to a host where Things Graph never ran (``status_code`` 0: no response).
UNREACHABLE_ERROR_CODE = "EndpointConnectionError"


@dataclass(frozen=True, slots=True)
class Call:
    """One request the stub answered, as the service saw it (never credentials); read-only."""

    # Every operation's call has its operation, request, status_code, response (or error_code),
    # request_id and region; upload_id and upload_status are the two upload operations' (None for others).
    # A call to a host where the service never ran has status_code 0, error_code "EndpointConnectionError",
    # request None, response {} and request_id "" (it could not connect: nothing was sent or answered).
    operation: str | None
    upload_id: str | None
    region: str | None
    request: Mapping[str, Any] | None
    status_code: int
    response: Mapping[str, Any]
    error_code: str | None
    request_id: str

    @property
    def upload_status(self) -> UploadStatus | None:
        """The ``uploadStatus`` answered, or ``None`` for an error."""
        return cast("UploadStatus | None", self.response.get("uploadStatus"))

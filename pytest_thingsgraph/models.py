"""The pydantic model of the response the stub answers GetUploadStatus with.

Every scripted response is validated against :class:`GetUploadStatusResponse`
when it is added. Its bounds come from :mod:`._service`; ``tests/test_models.py``
compares it with botocore's shape.
"""

from __future__ import annotations

from typing import Annotated, Optional

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ._service import (
    NAMESPACE_NAME_MAX,
    TERMINAL_STATUSES,
    UPLOAD_ID_MAX,
    UPLOAD_ID_MIN,
    UPLOAD_STATUSES,
    VERSION_MAX,
    VERSION_MIN,
    UploadStatus,
)

__all__ = ["TERMINAL_STATUSES", "UPLOAD_STATUSES", "GetUploadStatusResponse", "UploadStatus"]

UploadId = Annotated[str, Field(min_length=UPLOAD_ID_MIN, max_length=UPLOAD_ID_MAX)]
NamespaceName = Annotated[str, Field(max_length=NAMESPACE_NAME_MAX)]
Version = Annotated[int, Field(ge=VERSION_MIN, le=VERSION_MAX)]


class GetUploadStatusResponse(BaseModel):
    """The documented response; ``None`` stands for a member that is absent."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    uploadId: UploadId
    uploadStatus: UploadStatus
    namespaceArn: Optional[str] = None  # noqa: UP045 - pydantic evaluates this on Python 3.10
    namespaceName: Optional[NamespaceName] = None  # noqa: UP045
    namespaceVersion: Optional[Version] = None  # noqa: UP045
    failureReason: Optional[list[str]] = None  # noqa: UP045
    createdDate: AwareDatetime

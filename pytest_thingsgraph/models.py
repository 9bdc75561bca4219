"""pydantic models of the documented shapes the stub answers (botocore's ``iotthingsgraph`` model).

Every scripted response is validated against :class:`GetUploadStatusResponse`
when it is added; the tests compare these models with botocore's shapes.
"""

from __future__ import annotations

from typing import Annotated, Literal, Optional

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ._wire import DEFINITION_TEXT_MAX, UPLOAD_ID_MAX

UploadStatus = Literal["IN_PROGRESS", "SUCCEEDED", "FAILED"]
UPLOAD_STATUSES: tuple[UploadStatus, ...] = ("IN_PROGRESS", "SUCCEEDED", "FAILED")
TERMINAL_STATUSES: frozenset[str] = frozenset({"SUCCEEDED", "FAILED"})

UploadId = Annotated[str, Field(min_length=1, max_length=UPLOAD_ID_MAX)]
NamespaceName = Annotated[str, Field(max_length=128)]
Version = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]


class _Shape(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class GetUploadStatusRequest(_Shape):
    """The documented request: ``uploadId`` only."""

    uploadId: UploadId


class GetUploadStatusResponse(_Shape):
    """The documented response; ``None`` stands for a member that is absent."""

    uploadId: UploadId
    uploadStatus: UploadStatus
    namespaceArn: Optional[str] = None  # noqa: UP045 - pydantic evaluates this on Python 3.10
    namespaceName: Optional[NamespaceName] = None  # noqa: UP045
    namespaceVersion: Optional[Version] = None  # noqa: UP045
    failureReason: Optional[list[str]] = None  # noqa: UP045
    createdDate: AwareDatetime


class DefinitionDocument(_Shape):
    """The GraphQL document of an upload."""

    language: Literal["GRAPHQL"]
    text: Annotated[str, Field(max_length=DEFINITION_TEXT_MAX)]


class UploadEntityDefinitionsRequest(_Shape):
    """The documented request; ``document`` may be left out only to sync or deprecate."""

    document: Optional[DefinitionDocument] = None  # noqa: UP045
    syncWithPublicNamespace: Optional[bool] = None  # noqa: UP045
    deprecateExistingEntities: Optional[bool] = None  # noqa: UP045


class UploadEntityDefinitionsResponse(_Shape):
    """The documented response: the ID to poll with GetUploadStatus."""

    uploadId: UploadId

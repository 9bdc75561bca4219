"""The public types of script items: what a type checker sees ``add_upload`` take."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

from typing_extensions import ReadOnly, TypedDict

from ._errors import ServiceError
from ._service import UploadStatus


class ResponseMembers(TypedDict, total=False):
    """A dict script item: GetUploadStatus response members (camelCase, all optional).

    What boto3 returned fits as it is: ``ResponseMetadata`` is ignored, and
    mypy-boto3-iotthingsgraph's ``GetUploadStatusResponseTypeDef`` type-checks.
    """

    uploadId: ReadOnly[str]
    uploadStatus: ReadOnly[UploadStatus]
    namespaceArn: ReadOnly[str | None]
    namespaceName: ReadOnly[str | None]
    namespaceVersion: ReadOnly[int | None]
    failureReason: ReadOnly[Sequence[str] | None]
    createdDate: ReadOnly[dt.datetime]
    ResponseMetadata: ReadOnly[Mapping[str, Any]]


#: One item of a script: an upload status, a dict of response members, or a service error.
ScriptItem: TypeAlias = UploadStatus | ResponseMembers | ServiceError

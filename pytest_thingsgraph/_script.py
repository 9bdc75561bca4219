"""Turning ``add_upload`` arguments into responses, validated and encoded once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ._errors import ServiceError, UsageError
from ._wire import describe, encode, error_document
from .models import TERMINAL_STATUSES, UPLOAD_STATUSES, GetUploadStatusResponse

#: One item of a script, as ``add_upload`` takes it.
ScriptItem = str | Mapping[str, Any] | ServiceError

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
#: botocore reads createdDate as float epoch seconds: within these bounds it comes back to the microsecond.
_CREATED_DATE_RANGE = (_EPOCH, dt.datetime(2200, 1, 1, tzinfo=dt.timezone.utc))


@dataclass(frozen=True, slots=True)
class PreparedResponse:
    """One script item, ready to send: its JSON body is encoded once, here."""

    item: ScriptItem
    status_code: int
    document: Mapping[str, Any]
    body: bytes
    error_code: str | None
    upload_status: str | None

    @property
    def terminal(self) -> bool:
        """An upload whose script ends on this item keeps answering it."""
        return self.upload_status in TERMINAL_STATUSES

    def label(self) -> str:
        """The item as the test wrote it, for messages."""
        return describe(self.item, limit=80)


def prepare_script(
    upload_id: str, script: Iterable[ScriptItem], defaults: Mapping[str, Any], *, where: str
) -> tuple[PreparedResponse, ...]:
    """Validate every item of ``script`` for ``upload_id`` and encode its response.

    ``where`` names the call, such as ``add_upload('u')``, for the error messages.
    """
    if isinstance(script, (str, bytes, Mapping, ServiceError)) or not isinstance(script, Iterable):
        raise UsageError(
            f"{where}: script {describe(script)} is not a sequence of items: "
            "pass a list such as ['IN_PROGRESS', 'SUCCEEDED']."
        )
    items = tuple(script)
    if not items:
        raise UsageError(f"{where}: script is empty: give at least one item, such as ['SUCCEEDED'].")
    return tuple(_prepare_item(f"{where}: script item {index}", item, defaults) for index, item in enumerate(items))


def response_defaults(
    upload_id: object,
    *,
    where: str,
    namespace_name: object = None,
    namespace_arn: object = None,
    namespace_version: object = None,
    created_date: object = None,
    failure_reason: object = None,
) -> dict[str, Any]:
    """The members every response of one upload starts from (``None`` leaves a member out).

    ``where`` names the call, such as ``add_upload('u')``, for the error messages.
    """
    if created_date is None:
        now = dt.datetime.now(dt.timezone.utc)
        created_date = now.replace(microsecond=now.microsecond // 1000 * 1000)
    defaults = {
        "uploadId": upload_id,
        "namespaceArn": namespace_arn,
        "namespaceName": namespace_name,
        "namespaceVersion": namespace_version,
        "failureReason": list(failure_reason) if isinstance(failure_reason, (list, tuple)) else failure_reason,
        "createdDate": created_date,
    }
    keywords = {
        "uploadId": "upload_id",
        "namespaceArn": "namespace_arn",
        "namespaceName": "namespace_name",
        "namespaceVersion": "namespace_version",
        "failureReason": "failure_reason",
        "createdDate": "created_date",
    }
    fields = {name: value for name, value in defaults.items() if value is not None}
    _validate(where, {**fields, "uploadStatus": "IN_PROGRESS"}, names=keywords)
    return fields


def prepare_upload(
    upload_id: str, script: Iterable[ScriptItem], *, where: str, **keywords: Any
) -> tuple[tuple[PreparedResponse, ...], dict[str, Any]]:
    """The prepared script of one upload and the defaults it was filled from (``keywords`` as ``add_upload``'s)."""
    defaults = response_defaults(upload_id, where=where, **keywords)
    return prepare_script(upload_id, script, defaults, where=where), defaults


def prepare_error(error: ServiceError) -> PreparedResponse:
    """The JSON 1.1 error answer of a :class:`ServiceError`."""
    document = error_document(error.code, error.message)
    return PreparedResponse(error, error.status_code, document, encode(document), error.code, None)


def _prepare_item(where: str, item: object, defaults: Mapping[str, Any]) -> PreparedResponse:
    if isinstance(item, ServiceError):
        return prepare_error(item)
    base = dict(defaults)
    failure_reason = base.pop("failureReason", None)
    if isinstance(item, str):
        if item not in UPLOAD_STATUSES:
            raise UsageError(
                f"{where} {describe(item)} is not an upload status: use 'IN_PROGRESS', 'SUCCEEDED' or "
                "'FAILED', a dict of response fields, or ServiceError(code, message)."
            )
        fields: dict[str, Any] = {**base, "uploadStatus": item}
    elif isinstance(item, Mapping):
        bad_keys = [key for key in item if not isinstance(key, str)]
        if bad_keys:
            raise UsageError(f"{where} has the non-string key {describe(bad_keys[0])}: use camelCase member names.")
        if item.get("uploadId", base["uploadId"]) != base["uploadId"]:
            raise UsageError(
                f"{where} sets uploadId to {describe(item['uploadId'])}: the service echoes the upload's "
                f"own ID {describe(base['uploadId'])}; leave uploadId out of the dict."
            )
        fields = {**base, **item}
    else:
        raise UsageError(
            f"{where} {describe(item)} is a {type(item).__name__}: use 'IN_PROGRESS', 'SUCCEEDED' or "
            "'FAILED', a dict of response fields, or ServiceError(code, message)."
        )
    if fields.get("uploadStatus") == "FAILED" and "failureReason" not in fields:
        fields["failureReason"] = failure_reason  # failure_reason= fills FAILED responses only
    fields = {name: value for name, value in fields.items() if value is not None}
    model = _validate(where, fields, names={})
    document = _wire_document(model)
    return PreparedResponse(item, 200, document, encode(document), None, model.uploadStatus)


def _validate(where: str, fields: Mapping[str, Any], *, names: Mapping[str, str]) -> GetUploadStatusResponse:
    try:
        model = GetUploadStatusResponse.model_validate(fields)
    except ValidationError as error:
        problems = []
        for detail in error.errors(include_url=False):
            member = str(detail["loc"][0]) if detail["loc"] else "?"
            name = names.get(member, member)
            if detail["type"] == "missing":
                problems.append(f"{name}: {detail['msg']}")
            else:
                problems.append(f"{name}={describe(detail.get('input'))}: {detail['msg']}")
        raise UsageError(f"{where} is not a valid GetUploadStatus response: {'; '.join(problems)}.") from None
    low, high = _CREATED_DATE_RANGE
    if not low <= model.createdDate < high:
        name = names.get("createdDate", "createdDate")
        raise UsageError(
            f"{where}: {name}={model.createdDate!r} is outside 1970-2199: "
            "botocore reads createdDate as float epoch seconds; pass a date in that range."
        )
    return model


def _wire_document(model: GetUploadStatusResponse) -> dict[str, Any]:
    document = model.model_dump(exclude_none=True)
    document["createdDate"] = (model.createdDate - _EPOCH).total_seconds()
    return document

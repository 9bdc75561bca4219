"""Scripts: ``add_upload`` arguments checked once, and each item's response encoded once.

A script is refused here, when it is added, if the service could never have
answered it: a response that breaks the documented shape, or a status after a
terminal one that is not that same status.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ConfigDict, TypeAdapter, ValidationError

from ._errors import ServiceError, UsageError
from ._protocol import ReadOnlyDict, describe, encode, error_reply, freeze, has_lone_surrogate, ok_reply
from ._service import (
    CREATED_DATE_END,
    CREATED_DATE_MIN,
    RESPONSE_MEMBERS,
    TERMINAL_STATUSES,
    UPLOAD_STATUSES,
)
from ._wire import Reply
from .models import GetUploadStatusResponse, UploadId

#: The keyword of ``add_upload`` that sets each response member.
KEYWORDS = {
    "uploadId": "upload_id",
    "namespaceArn": "namespace_arn",
    "namespaceName": "namespace_name",
    "namespaceVersion": "namespace_version",
    "failureReason": "failure_reason",
    "createdDate": "created_date",
}
_MEMBER_OF_KEYWORD = {keyword: member for member, keyword in KEYWORDS.items()}
_ITEM_KINDS = "use 'IN_PROGRESS', 'SUCCEEDED' or 'FAILED', a dict of response fields, or ServiceError(code, message)"


@dataclass(frozen=True, slots=True)
class PreparedItem:
    """One script item, ready to send."""

    item: object
    reply: Reply
    upload_status: str | None

    @property
    def terminal(self) -> bool:
        """An upload whose script ends on this item keeps answering it."""
        return self.upload_status in TERMINAL_STATUSES

    def label(self) -> str:
        """The item as the test wrote it, for messages."""
        return describe(self.item, limit=80)


@dataclass(frozen=True, slots=True)
class PreparedUpload:
    """A checked script and the response members every item of it starts from."""

    upload_id: str
    items: tuple[PreparedItem, ...]
    defaults: Mapping[str, Any]

    def label(self) -> str:
        return f"upload {self.upload_id!r} with script " + ", ".join(item.label() for item in self.items)


def prepare_upload(upload_id: str, script: object, *, where: str, **keywords: Any) -> PreparedUpload:
    """Check ``script`` for ``upload_id``, with ``add_upload``'s keywords, and encode every response.

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
    defaults, template = _defaults(upload_id, where, keywords)
    statuses = _StatusItems(template)
    prepared = []
    for number, item in enumerate(items):
        if type(item) is str and item in UPLOAD_STATUSES:
            prepared.append(statuses.get(item))
        else:
            prepared.append(prepare_item(f"{where}: script item {number}", item, defaults))
    _check_order(where, tuple(prepared))
    return PreparedUpload(upload_id, tuple(prepared), defaults)


def prepare_error(error: ServiceError) -> PreparedItem:
    """The JSON 1.1 error answer of a :class:`ServiceError`."""
    return PreparedItem(error, error_reply(error.code, error.message, error.status_code), None)


def _defaults(upload_id: str, where: str, keywords: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The members every response of one upload starts from (``None`` leaves a member out), and their wire
    document, with ``uploadStatus`` ``IN_PROGRESS``."""
    fields = {_MEMBER_OF_KEYWORD[name]: value for name, value in keywords.items() if value is not None}
    fields["uploadId"] = upload_id
    if "createdDate" not in fields:
        now = dt.datetime.now(dt.timezone.utc)
        created = fields["createdDate"] = now.replace(microsecond=now.microsecond // 1000 * 1000)
        if len(fields) == 2 and _is_valid_upload_id(upload_id):  # no keyword: the ID is all there is to check
            return fields, {"uploadId": upload_id, "uploadStatus": "IN_PROGRESS", "createdDate": _seconds(created)}
    model = _validate(where, {**fields, "uploadStatus": "IN_PROGRESS"}, names=KEYWORDS)
    return fields, _wire_document(model)


#: ``uploadId`` as the response model checks it.
_UPLOAD_ID: TypeAdapter[str] = TypeAdapter(UploadId, config=ConfigDict(strict=True))


def _is_valid_upload_id(upload_id: object) -> bool:
    """Whether the response model takes ``upload_id`` (if not, validating the model says why)."""
    try:
        _UPLOAD_ID.validate_python(upload_id)
    except ValidationError:
        return False
    return isinstance(upload_id, str) and not has_lone_surrogate(upload_id)


class _StatusItems:
    """The bare status items of one script, each made once: the defaults' response with that status.

    The defaults are already validated, so no item needs pydantic. Two documents of the same
    members (``failure_reason=`` fills FAILED ones only) differ in the status alone, so the
    second one's body is the first one's with the status swapped: in compact JSON a quote
    outside a string is never escaped, so ``"uploadStatus":"X"`` can only be that member.
    """

    __slots__ = ("_bodies", "_items", "_template")

    def __init__(self, template: Mapping[str, Any]) -> None:
        self._template: Mapping[str, Any] = freeze(template)
        self._items: dict[str, PreparedItem] = {}
        self._bodies: dict[bool, tuple[str, bytes]] = {}  # with failureReason or not -> a status and its body

    def get(self, status: str) -> PreparedItem:
        item = self._items.get(status)
        if item is None:
            item = self._items[status] = self._make(status)
        return item

    def _make(self, status: str) -> PreparedItem:
        document = ReadOnlyDict(self._template)  # a copy: its nested values are read-only already
        dict.__setitem__(document, "uploadStatus", status)
        if status != "FAILED":
            dict.pop(document, "failureReason", None)
        shape = "failureReason" in document
        known = self._bodies.get(shape)
        if known is None:
            body = encode(document)
            self._bodies[shape] = (status, body)
        else:
            body = known[1].replace(_status_member(known[0]), _status_member(status), 1)
        return PreparedItem(status, Reply(200, document, body), status)


def _status_member(status: str) -> bytes:
    return b'"uploadStatus":"' + status.encode() + b'"'


def prepare_item(where: str, item: object, defaults: Mapping[str, Any]) -> PreparedItem:
    """One item of the script of an upload whose defaults are known."""
    if isinstance(item, ServiceError):
        return prepare_error(item)
    base = dict(defaults)
    failure_reason = base.pop("failureReason", None)
    if isinstance(item, str):
        if item not in UPLOAD_STATUSES:
            raise UsageError(f"{where} {describe(item)} is not an upload status{_guess_status(item)}: {_ITEM_KINDS}.")
        fields: dict[str, Any] = {**base, "uploadStatus": item}
    elif isinstance(item, Mapping):
        fields = {**base, **_members(where, item, base["uploadId"])}
    else:
        raise UsageError(f"{where} {describe(item)} is a {type(item).__name__}: {_ITEM_KINDS}.")
    if fields.get("uploadStatus") == "FAILED" and "failureReason" not in fields:
        fields["failureReason"] = failure_reason  # failure_reason= fills FAILED responses only
    model = _validate(where, {name: value for name, value in fields.items() if value is not None}, names={})
    return PreparedItem(item, ok_reply(_wire_document(model)), model.uploadStatus)


def _members(where: str, item: Mapping[Any, Any], upload_id: str) -> dict[str, Any]:
    """The members a dict item sets, as boto3 returned them or as the wire has them."""
    members = {}
    for key, value in item.items():
        if not isinstance(key, str):
            raise UsageError(f"{where} has the non-string key {describe(key)}: use camelCase member names.")
        if key == "ResponseMetadata":  # boto3's, not the service's: ignored
            continue
        members[key] = value
    if members.get("uploadId", upload_id) != upload_id:
        raise UsageError(
            f"{where} sets uploadId to {describe(members['uploadId'])}: the service echoes the upload's "
            f"own ID {describe(upload_id)}; leave uploadId out of the dict."
        )
    return members


def _check_order(where: str, items: tuple[PreparedItem, ...]) -> None:
    """After its first terminal status an upload answers only that status (errors may still come between)."""
    final: str | None = None
    for number, item in enumerate(items):
        status = item.upload_status
        if final is None:
            final = status if status in TERMINAL_STATUSES else None
        elif status is not None and status != final:
            raise UsageError(
                f"{where}: script item {number} {item.label()} comes after the upload ended {final}: "
                f"an upload that reached {final} stays {final}. End the script there, "
                "or give the upload a second script under another upload ID."
            )


def _guess_status(text: str) -> str:
    match = difflib.get_close_matches(text.upper(), UPLOAD_STATUSES, n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _guess_member(name: str) -> str:
    camel = name.split("_")[0] + "".join(part.title() for part in name.split("_")[1:])
    if camel in RESPONSE_MEMBERS and camel != name:
        return f" (did you mean {camel!r}?)"
    match = difflib.get_close_matches(name, RESPONSE_MEMBERS, n=1, cutoff=0.8)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _validate(where: str, fields: Mapping[str, Any], *, names: Mapping[str, str]) -> GetUploadStatusResponse:
    for member, value in fields.items():
        for text in value if isinstance(value, (list, tuple)) else (value,):
            if isinstance(text, str) and has_lone_surrogate(text):
                raise UsageError(
                    f"{where}: {names.get(member, member)}={describe(text)} has a lone surrogate, which no "
                    "UTF-8 JSON response can carry: pass text without one."
                )
    if isinstance(fields.get("failureReason"), tuple):  # a sequence, as the keyword is typed: the model wants a list
        fields = {**fields, "failureReason": list(fields["failureReason"])}
    try:
        model = GetUploadStatusResponse.model_validate(fields)
    except ValidationError as error:
        problems = []
        for detail in error.errors(include_url=False):
            member = str(detail["loc"][0]) if detail["loc"] else "?"
            name = names.get(member, member)
            if detail["type"] == "missing":
                problems.append(f"{name}: {detail['msg']}")
            elif detail["type"] == "extra_forbidden":
                problems.append(f"{name}: not a member of the response{_guess_member(name)}")
            elif member == "uploadStatus" and isinstance(detail.get("input"), str):
                problems.append(f"{name}={describe(detail['input'])}: {detail['msg']}{_guess_status(detail['input'])}")
            else:
                problems.append(f"{name}={describe(detail.get('input'))}: {detail['msg']}")
        raise UsageError(f"{where} is not a valid GetUploadStatus response: {'; '.join(problems)}.") from None
    if not CREATED_DATE_MIN <= model.createdDate < CREATED_DATE_END:
        name = names.get("createdDate", "createdDate")
        raise UsageError(
            f"{where}: {name}={model.createdDate!r} is outside 1970-2199: "
            "botocore reads createdDate as float epoch seconds; pass a date in that range."
        )
    return model


def _wire_document(model: GetUploadStatusResponse) -> dict[str, Any]:
    document = model.model_dump(exclude_none=True)
    document["createdDate"] = _seconds(model.createdDate)
    return document


def _seconds(created_date: dt.datetime) -> float:
    """``createdDate`` on the wire: epoch seconds, as botocore reads it."""
    return (created_date - CREATED_DATE_MIN).total_seconds()

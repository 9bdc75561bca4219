"""The JSON form of scripts and calls, shared by script files (``thingsgraph-server --script``) and the control API.

Each operation's JSON form is one function that adds one entry to a stub (:func:`add_upload_json`,
:func:`queue_upload_entity_definitions_json`); :data:`JSON_FORMS` is the table that script files'
top-level keys and the control routes that add scripts dispatch through. :func:`call_json` is a
recorded call in the control API's form.

An entry is checked here before it reaches the stub, so that what is wrong is named by the JSON keys the
caller wrote (``uploadId``, ``statusCode``), never by the stub's Python arguments (``add_upload(...)``,
``upload_id=``, ``ServiceError(...)``).

Importing this module is cheap: pydantic (through ``_scripts``) is loaded with the first entry read.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ._errors import ServiceError, UsageError
from ._protocol import describe_json, json_type
from ._service import (
    CREATED_DATE_END,
    CREATED_DATE_MIN,
    DOCUMENTED_ERRORS,
    UPLOAD_ENTITY_DEFINITIONS_MEMBERS,
    UPLOAD_STATUSES,
)

if TYPE_CHECKING:
    from ._stub import Call, ThingsGraphStub

#: An upload's keys in the JSON form, in the order messages name them.
_UPLOAD_KEY_ORDER = (
    "uploadId",
    "script",
    "namespaceName",
    "namespaceArn",
    "namespaceVersion",
    "createdDate",
    "failureReason",
    "region",
)
_ERROR_KEYS = ("__type", "message", "statusCode")
#: What a script item may be, in the JSON form.
_ITEM_KINDS = (
    'use "IN_PROGRESS", "SUCCEEDED" or "FAILED", an object of response members, '
    'or an error object such as {"__type": "ResourceNotFoundException", "message": "..."}'
)
#: Stand-ins for the members an entry may leave to the stub, so that the others can be checked on their own.
_ANY_UPLOAD_ID = "upload"


@functools.cache
def _keywords(*, queued: bool) -> dict[str, str]:
    """The JSON form's keys -> the stub's keywords: the camelCase names are ``_scripts.KEYWORDS``'s (``script``
    and ``region`` are spelled alike in both). A queued UploadEntityDefinitions answer has no region (the upload
    lives in the call's), and the request expected."""
    from ._scripts import KEYWORDS  # pydantic: loaded with the first entry read, so the CLI's --help stays quick

    upload = {key: KEYWORDS.get(key, key) for key in _UPLOAD_KEY_ORDER}
    if not queued:
        return upload
    return {**{key: name for key, name in upload.items() if key != "region"}, "expected": "expected"}


# --- each operation's JSON form ---------------------------------------------------------------------


def add_upload_json(stub: ThingsGraphStub, upload: object, *, where: str = "upload") -> str:
    """``stub.add_upload`` from the JSON form ``{"uploadId": ..., "script": [...], "namespaceName": ..., ...}``.

    Returns the upload's ID.
    """
    keywords = _upload_keywords(upload, where=where, required=("uploadId", "script"), keys=_keywords(queued=False))
    _check_upload(keywords, where=where)
    upload_id: str = keywords.pop("upload_id")  # a str once add_upload takes it: it refuses any other
    script = keywords.pop("script")
    with _named(where):
        stub.add_upload(upload_id, script, **keywords)
    return upload_id


def queue_upload_entity_definitions_json(stub: ThingsGraphStub, entry: object, *, where: str = "answer") -> str | None:
    """``stub.on_upload_entity_definitions`` from the JSON form.

    ``entry`` is an error ``{"__type": ..., "message": ..., "statusCode": ...}`` (the call is answered with
    it), or an upload in the form of :func:`add_upload_json` whose ``uploadId`` and ``script`` may be left
    out and which has no ``region`` (the upload lives in the region of the call). Returns the upload ID the
    answer will create (``None`` for an error).
    """
    if isinstance(entry, dict) and "__type" in entry:
        error = _service_error({key: value for key, value in entry.items() if key != "expected"}, where=where)
        _check_expected(entry.get("expected"), where=where)
        with _named(where):
            stub.on_upload_entity_definitions(error, expected=entry.get("expected"))
        return None
    keywords = _upload_keywords(entry, where=where, required=(), keys=_keywords(queued=True))
    _check_expected(keywords.get("expected"), where=where)
    _check_upload({key: value for key, value in keywords.items() if key != "expected"}, where=where)
    script = keywords.pop("script", None)
    created: str
    with _named(where):
        if script is None:
            created = stub.on_upload_entity_definitions(**keywords)
        else:
            created = stub.on_upload_entity_definitions(script, **keywords)
    return created


# --- the table: script files' keys and the control routes that add scripts --------------------------


class AddEntry(Protocol):
    """Adds one entry of a JSON form to ``stub``; returns the upload ID the control API answers with."""

    def __call__(self, stub: ThingsGraphStub, entry: object, /, *, where: str) -> str | None: ...


@dataclass(frozen=True, slots=True)
class JsonForm:
    """One operation's JSON form: its control route and the function that adds one entry."""

    #: The control route that adds one entry, under the control API's prefix.
    route: str
    add: AddEntry
    #: Its entries answer calls to come: :func:`apply_script` returns the upload IDs they will create.
    queued: bool


#: A script file's top-level key -> its JSON form, in the order a script file's entries are added.
JSON_FORMS: dict[str, JsonForm] = {
    "uploads": JsonForm("uploads", add_upload_json, queued=False),
    "uploadEntityDefinitions": JsonForm("upload-entity-definitions", queue_upload_entity_definitions_json, queued=True),
}
#: A script file's shape, as messages and the CLI's help show it.
SCRIPT_FILE_SHAPE = "{" + ", ".join(f'"{key}": [...]' for key in JSON_FORMS) + "}"


def apply_script(stub: ThingsGraphStub, document: object, *, where: str = "script") -> list[str | None]:
    """Script ``stub`` from a script file's JSON: ``{"uploads": [...], "uploadEntityDefinitions": [...]}``.

    Returns the upload IDs the queued UploadEntityDefinitions answers will create (``None`` for an error).
    Raises :class:`UsageError` naming the entry that is wrong; entries before it are already added.
    """
    if not isinstance(document, dict):
        raise UsageError(
            f"{where}: a script file is a JSON object such as {SCRIPT_FILE_SHAPE}, not {json_type(document)}."
        )
    unknown = [key for key in document if key not in JSON_FORMS]
    if unknown:
        raise UsageError(f"{where}: unknown key {unknown[0]!r}: a script file has {' and '.join(JSON_FORMS)}.")
    entries = {key: document.get(key, []) for key in JSON_FORMS}
    for key, value in entries.items():
        if not isinstance(value, list):
            raise UsageError(f"{where}: {key} is {json_type(value)}: give a JSON array of objects.")
    created: list[str | None] = []
    for key, form in JSON_FORMS.items():
        for index, entry in enumerate(entries[key]):
            upload_id = form.add(stub, entry, where=f"{where}: {key}[{index}]")
            if form.queued:
                created.append(upload_id)
    return created


# --- the parts of an entry ----------------------------------------------------------------------------


@contextlib.contextmanager
def _named(where: str) -> Iterator[None]:
    """Prefix the stub's own message (which names the call and its keywords) with where the JSON came from."""
    try:
        yield
    except UsageError as error:
        raise UsageError(f"{where}: {error}") from None


def _upload_keywords(
    upload: object, *, where: str, required: tuple[str, ...], keys: Mapping[str, str]
) -> dict[str, Any]:
    if not isinstance(upload, dict):
        raise UsageError(
            f"{where} is {json_type(upload)}: give a JSON object such as "
            '{"uploadId": "u-1", "script": ["SUCCEEDED"]}.'
        )
    for key in upload:
        if key not in keys:
            extra = " (the upload lives in the region of the call)" if key in _keywords(queued=False) else ""
            raise UsageError(f"{where}: unknown key {key!r}{extra}: use {', '.join(keys)}.")
    for key in required:
        if upload.get(key) is None:
            raise UsageError(f"{where}: {key} is missing: every upload needs {' and '.join(required)}.")
    keywords = {keys[key]: value for key, value in upload.items()}
    if "created_date" in keywords:
        keywords["created_date"] = parse_created_date(keywords["created_date"], where=f"{where}: createdDate")
    script = keywords.get("script")
    if script is not None:
        if not isinstance(script, list):
            raise UsageError(
                f'{where}: script is {json_type(script)}: give a JSON array such as ["IN_PROGRESS", "SUCCEEDED"].'
            )
        if not script:
            raise UsageError(f'{where}: script is empty: give at least one item, such as ["SUCCEEDED"].')
        keywords["script"] = [
            _script_item(item, where=f"{where}: script item {index}") for index, item in enumerate(script)
        ]
    return keywords


def _script_item(item: object, *, where: str) -> object:
    """A status string stays; an error object becomes a ServiceError; a dict of members gets its date parsed."""
    if isinstance(item, dict):
        if "__type" in item:
            return _service_error(item, where=where)
        if item.get("createdDate") is not None:
            return {**item, "createdDate": parse_created_date(item["createdDate"], where=f"{where}: createdDate")}
        return item  # its members are checked with the upload's, by _check_upload
    if isinstance(item, str):
        if item not in UPLOAD_STATUSES:
            match = difflib.get_close_matches(item.upper(), UPLOAD_STATUSES, n=1, cutoff=0.6)
            guess = f" (did you mean {describe_json(match[0])}?)" if match else ""
            raise UsageError(f"{where} {describe_json(item)} is not an upload status{guess}: {_ITEM_KINDS}.")
        return item
    raise UsageError(f"{where} is {json_type(item)}: {_ITEM_KINDS}.")


def _service_error(item: dict[str, Any], *, where: str) -> ServiceError:
    unknown = [key for key in item if key not in _ERROR_KEYS]
    if unknown:
        raise UsageError(f"{where}: unknown key {unknown[0]!r} in an error: use {', '.join(_ERROR_KEYS)}.")
    code, message, status = item["__type"], item.get("message"), item.get("statusCode")
    if not isinstance(code, str) or not code.isidentifier():
        raise UsageError(
            f"{where}: __type {describe_json(code)} is not an error code: "
            f"use one of {', '.join(DOCUMENTED_ERRORS)}, or another identifier with a statusCode."
        )
    if message is not None and not isinstance(message, str):
        raise UsageError(f"{where}: message {describe_json(message)} is {json_type(message)}: give a string.")
    if status is None and code not in DOCUMENTED_ERRORS:
        documented = ", ".join(f"{name} ({status})" for name, status in DOCUMENTED_ERRORS.items())
        raise UsageError(f"{where}: {code} needs a statusCode: only {documented} have a documented status.")
    if status is not None and (isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599):
        raise UsageError(
            f"{where}: statusCode {describe_json(status)} is not an error status: give a number from 400 to 599."
        )
    return ServiceError(code, message or "", status_code=status)


def _check_upload(keywords: Mapping[str, Any], *, where: str) -> None:
    """Refuse, naming its JSON keys, what the stub would refuse in an upload entry (already in keywords)."""
    from ._scripts import KEYWORDS, prepare_item, prepare_upload

    upload_id = keywords.get("upload_id")
    if upload_id is not None and not isinstance(upload_id, str):
        raise UsageError(f'{where}: uploadId is {json_type(upload_id)}: give a string such as "u-1".')
    region = keywords.get("region")
    if region is not None and (not isinstance(region, str) or not region):
        raise UsageError(
            f'{where}: region {describe_json(region)} is not a region name: give one such as "us-east-1", '
            "or leave region out to answer in every region."
        )
    checked_id = _ANY_UPLOAD_ID if upload_id is None else upload_id
    defaults = {name: value for name, value in keywords.items() if name not in ("upload_id", "script", "region")}
    # the members every response starts from, checked as one response and named as the JSON names them
    members = {member: defaults[name] for member, name in KEYWORDS.items() if defaults.get(name) is not None}
    members.setdefault("createdDate", CREATED_DATE_MIN)
    prepare_item(f"{where}: the upload", {**members, "uploadStatus": "IN_PROGRESS"}, {"uploadId": checked_id})
    script = keywords.get("script")
    if script is not None:  # each item's members (camelCase already) and the items' order
        prepare_upload(checked_id, script, where=where, **defaults)


def _check_expected(expected: object, *, where: str) -> None:
    if expected is None:
        return
    if not isinstance(expected, dict):
        raise UsageError(f"{where}: expected is {json_type(expected)}: give an object of request members.")
    for name in expected:
        if name not in UPLOAD_ENTITY_DEFINITIONS_MEMBERS:
            raise UsageError(
                f"{where}: expected has {describe_json(name)}, which is not a member of "
                f"UploadEntityDefinitionsRequest: use {', '.join(UPLOAD_ENTITY_DEFINITIONS_MEMBERS)}."
            )


def parse_created_date(value: object, *, where: str = "createdDate") -> dt.datetime:
    """A ``createdDate`` of the JSON form: epoch seconds, or ISO 8601 text with a UTC offset (``Z`` allowed),
    from 1970 to 2199 (botocore reads it as float epoch seconds)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            date = dt.datetime.fromtimestamp(value, dt.timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise UsageError(f"{where}={value!r} is not a date: give epoch seconds from 1970 to 2199.") from None
    elif isinstance(value, str):
        text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value  # Python 3.10 reads no "Z"
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            raise UsageError(
                f"{where}={value!r} is not an ISO 8601 date: give one such as '2024-05-01T12:00:00Z'."
            ) from None
        if parsed.tzinfo is None:
            raise UsageError(f"{where}={value!r} has no UTC offset: add one, such as 'Z' or '+02:00'.")
        date = parsed
    else:
        raise UsageError(
            f"{where}={describe_json(value)} is {json_type(value)}: give epoch seconds or ISO 8601 text with an offset."
        )
    if not CREATED_DATE_MIN <= date < CREATED_DATE_END:
        raise UsageError(f"{where}={value!r} is outside 1970-2199: give a date in that range.")
    return date


# --- calls ---------------------------------------------------------------------------------------------


def call_json(call: Call) -> dict[str, Any]:
    """One recorded call in the control API's form."""
    return {
        "operation": call.operation,
        "uploadId": call.upload_id,
        "region": call.region,
        "statusCode": call.status_code,
        "errorCode": call.error_code,
        "request": call.request,
        "response": dict(call.response),
        "requestId": call.request_id,
    }


__all__ = [
    "JSON_FORMS",
    "SCRIPT_FILE_SHAPE",
    "AddEntry",
    "JsonForm",
    "add_upload_json",
    "apply_script",
    "call_json",
    "parse_created_date",
    "queue_upload_entity_definitions_json",
]

"""The parts of server mode's JSON form of scripts, shared by script files (``thingsgraph-server --script``) and
the control API: an upload's keys, its script items, error objects and dates.

Each operation's JSON form (the function that adds one entry, its script file key and its control route) is
in its operation's record (``_operations``), built from these parts; ``_script_files.apply_script`` reads a
whole script file.

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
from typing import Any

from ._errors import ServiceError, UsageError
from ._protocol import describe_json, json_type
from ._service import (
    CREATED_DATE_END,
    CREATED_DATE_MIN,
    DOCUMENTED_ERRORS,
    UPLOAD_STATUSES,
)

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
def json_keys(*, queued: bool) -> dict[str, str]:
    """The JSON form's keys -> the stub's keywords: the camelCase names are ``_scripts.KEYWORDS``'s (``script``
    and ``region`` are spelled alike in both). A queued UploadEntityDefinitions answer has no region (the upload
    lives in the call's), and the request expected."""
    from ._scripts import KEYWORDS  # pydantic: loaded with the first entry read, so the CLI's --help stays quick

    upload = {key: KEYWORDS.get(key, key) for key in _UPLOAD_KEY_ORDER}
    if not queued:
        return upload
    return {**{key: name for key, name in upload.items() if key != "region"}, "expected": "expected"}


# --- the parts of an entry ----------------------------------------------------------------------------


@contextlib.contextmanager
def named(where: str) -> Iterator[None]:
    """Prefix the stub's own message (which names the call and its keywords) with where the JSON came from."""
    try:
        yield
    except UsageError as error:
        raise UsageError(f"{where}: {error}") from None


def upload_keywords(
    upload: object, *, where: str, required: tuple[str, ...], keys: Mapping[str, str]
) -> dict[str, Any]:
    """An upload entry's JSON keys (``keys`` maps them) as the stub's keywords, its date and script items read."""
    if not isinstance(upload, dict):
        raise UsageError(
            f"{where} is {json_type(upload)}: give a JSON object such as "
            '{"uploadId": "u-1", "script": ["SUCCEEDED"]}.'
        )
    for key in upload:
        if key not in keys:
            extra = " (the upload lives in the region of the call)" if key in json_keys(queued=False) else ""
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
            return service_error(item, where=where)
        if item.get("createdDate") is not None:
            return {**item, "createdDate": parse_created_date(item["createdDate"], where=f"{where}: createdDate")}
        return item  # its members are checked with the upload's, by check_upload
    if isinstance(item, str):
        if item not in UPLOAD_STATUSES:
            match = difflib.get_close_matches(item.upper(), UPLOAD_STATUSES, n=1, cutoff=0.6)
            guess = f" (did you mean {describe_json(match[0])}?)" if match else ""
            raise UsageError(f"{where} {describe_json(item)} is not an upload status{guess}: {_ITEM_KINDS}.")
        return item
    raise UsageError(f"{where} is {json_type(item)}: {_ITEM_KINDS}.")


def service_error(item: dict[str, Any], *, where: str) -> ServiceError:
    """An error object ``{"__type": ..., "message": ..., "statusCode": ...}`` as the stub's ServiceError."""
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


def check_upload(keywords: Mapping[str, Any], *, where: str) -> None:
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


__all__ = ["check_upload", "json_keys", "named", "parse_created_date", "service_error", "upload_keywords"]

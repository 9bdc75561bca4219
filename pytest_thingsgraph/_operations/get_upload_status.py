"""GetUploadStatus: each upload answers its script, one item per HTTP attempt."""

from __future__ import annotations

import dataclasses
import functools
import sys
from typing import Any

from .._protocol import decode, describe, error_reply, freeze, invalid, null, too_long, wrong_type
from .._script_json import check_upload, json_keys, named, upload_keywords
from .._service import GET_UPLOAD_STATUS, GET_UPLOAD_STATUS_MEMBERS, UPLOAD_ID_MAX, UPLOAD_ID_MIN
from .._wire import ParsedRequest, Rejection
from ._record import Answer, JsonForm, Operation, ScriptedStub, Section, Service, Unanswerable
from ._uploads import (
    TAKEN_BY_CONTROL,
    Upload,
    refuse_stopped,
    refuse_taken,
    status_of_call,
    upload_of_call,
    uploads_of,
)


@functools.lru_cache(maxsize=4096)
def parse_body(body: bytes) -> ParsedRequest | Rejection:
    """A GetUploadStatus body, parsed once: clients poll with the same body again and again."""
    document = decode(body)
    if isinstance(document, Rejection):
        return dataclasses.replace(document, operation=GET_UPLOAD_STATUS)
    rejection = _check(document)
    if rejection is not None:
        return dataclasses.replace(rejection, operation=GET_UPLOAD_STATUS, document=freeze(document))
    document["uploadId"] = sys.intern(document["uploadId"])
    return ParsedRequest(GET_UPLOAD_STATUS, freeze(document))


def _check(document: dict[str, Any]) -> Rejection | None:
    upload_id = document.get("uploadId")
    if type(upload_id) is str and len(document) == 1 and UPLOAD_ID_MIN <= len(upload_id) <= UPLOAD_ID_MAX:
        return None
    if upload_id is not None and not isinstance(upload_id, str):
        return wrong_type("uploadId", upload_id, "a JSON string")
    violations = [
        f"Member {describe(name)} is not part of GetUploadStatusRequest: send uploadId only"
        for name in document
        if name not in GET_UPLOAD_STATUS_MEMBERS
    ]
    if upload_id is None:
        violations.insert(0, null("uploadId"))
    elif len(upload_id) < UPLOAD_ID_MIN:
        violations.insert(
            0,
            f"Value '' at 'uploadId' failed to satisfy constraint: "
            f"Member must have length greater than or equal to {UPLOAD_ID_MIN}",
        )
    elif len(upload_id) > UPLOAD_ID_MAX:
        violations.insert(0, too_long("uploadId", upload_id, UPLOAD_ID_MAX))
    return invalid(violations)


def handle(service: Service, request: ParsedRequest, region: str | None, number: int) -> Answer:
    """The upload's next script item, or ResourceNotFoundException for an upload unknown in ``region``."""
    upload_id: str = request.document["uploadId"]
    upload = uploads_of(service).uploads.get(upload_id)
    if upload is None or (upload.region is not None and upload.region != region):
        if upload is not None and region is not None:
            upload.polled_in.add(region)
        where = f" in region {region}" if region else ""
        return Answer(
            error_reply("ResourceNotFoundException", f"Upload {upload_id} was not found{where}.", 404), upload_id
        )
    item = upload.next_item()
    if item is None:
        count = len(upload.items)
        raise Unanswerable(
            f"Upload {upload_id!r} has no script item left for request {number}: its script of "
            f"{count} item{'s' if count > 1 else ''} ended on {upload.items[-1].label()}, which is not "
            "terminal. Add the items the code under test polls for, or end the script with "
            "'SUCCEEDED' or 'FAILED'."
        )
    return Answer(item.reply, upload_id)


def unconsumed(service: Service, silence: str) -> list[Section]:
    """The uploads whose scripts were not polled to their end."""
    left = [upload for upload in uploads_of(service).uploads.values() if upload.unconsumed()]
    if not left:
        return []
    return [
        Section(
            "These uploads were not polled to the end of their scripts:",
            [_unconsumed_line(upload) for upload in left],
            "Poll them to the end or shorten their scripts; if some items are optional, " + silence,
        )
    ]


def _unconsumed_line(upload: Upload) -> str:
    line = f"{upload.upload_id!r}: {upload.served} of {len(upload.items)} items served; not served: " + ", ".join(
        item.label() for item in upload.left()
    )
    if upload.served == 0 and upload.polled_in:
        line += (
            f" (it was scripted for region {upload.region} but polled only in "
            f"{', '.join(sorted(upload.polled_in))}: pass region= to match the client, or leave it out)"
        )
    return line


def add_upload_json(stub: ScriptedStub, upload: object, *, where: str = "upload", taken: str = TAKEN_BY_CONTROL) -> str:
    """``stub.add_upload`` from the JSON form ``{"uploadId": ..., "script": [...], "namespaceName": ..., ...}``.

    Returns the upload's ID.
    """
    refuse_stopped(stub, where=where)
    keywords = upload_keywords(upload, where=where, required=("uploadId", "script"), keys=json_keys(queued=False))
    check_upload(keywords, where=where)
    upload_id: str = keywords.pop("upload_id")  # a str once add_upload takes it: it refuses any other
    refuse_taken(stub, upload_id, where=where, taken=taken)
    script = keywords.pop("script")
    with named(where):
        stub.add_upload(upload_id, script, **keywords)
    return upload_id


OPERATION = Operation(
    name=GET_UPLOAD_STATUS,
    request_members=GET_UPLOAD_STATUS_MEMBERS,
    parse=parse_body,
    handle=handle,
    unconsumed=unconsumed,
    expected_by=None,
    subject=upload_of_call,
    outcome=status_of_call,
    json_form=JsonForm("uploads", "uploads", add_upload_json, queued=False),
)

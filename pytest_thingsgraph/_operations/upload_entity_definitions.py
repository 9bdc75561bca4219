"""UploadEntityDefinitions: each call takes the next queued answer and makes the upload GetUploadStatus then answers."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from .. import _graphql
from .._errors import UsageError
from .._protocol import (
    decode,
    describe,
    describe_json,
    freeze,
    invalid,
    json_type,
    null,
    ok_reply,
    too_long,
    wrong_type,
)
from .._script_json import check_upload, json_keys, named, service_error, upload_keywords
from .._service import (
    DEFINITION_DOCUMENT_MEMBERS,
    DEFINITION_LANGUAGES,
    DEFINITION_TEXT_MAX,
    UPLOAD_ENTITY_DEFINITIONS,
    UPLOAD_ENTITY_DEFINITIONS_MEMBERS,
)
from .._wire import ParsedRequest, Rejection
from ._record import Answer, JsonForm, Operation, ScriptedStub, Section, Service, mismatch
from ._uploads import (
    DEFAULT_SCRIPT,
    TAKEN_BY_CONTROL,
    QueuedError,
    Upload,
    refuse_stopped,
    refuse_taken,
    status_of_call,
    upload_of_call,
    uploads_of,
)


def parse_body(body: bytes) -> ParsedRequest | Rejection:
    """An UploadEntityDefinitions body, checked as the service checks it."""
    document = decode(body)
    if isinstance(document, Rejection):
        return dataclasses.replace(document, operation=UPLOAD_ENTITY_DEFINITIONS)
    frozen = freeze(document)
    rejection = _check(document)
    if rejection is not None:
        return dataclasses.replace(rejection, operation=UPLOAD_ENTITY_DEFINITIONS, document=frozen)
    return ParsedRequest(UPLOAD_ENTITY_DEFINITIONS, frozen)


def _check(document: dict[str, Any]) -> Rejection | None:
    """Why a body is not a valid UploadEntityDefinitionsRequest, or ``None`` if it is one."""
    for name in UPLOAD_ENTITY_DEFINITIONS_MEMBERS[1:]:
        value = document.get(name)
        if value is not None and not isinstance(value, bool):
            return wrong_type(name, value, "a JSON boolean")
    definition = document.get("document")
    if definition is not None and not isinstance(definition, dict):
        return wrong_type("document", definition, "a JSON object")
    for name in DEFINITION_DOCUMENT_MEMBERS:
        value = (definition or {}).get(name)
        if value is not None and not isinstance(value, str):
            return wrong_type(f"document.{name}", value, "a JSON string")
    violations = [
        f"Member {describe(name)} is not part of UploadEntityDefinitionsRequest: send document, "
        "syncWithPublicNamespace or deprecateExistingEntities"
        for name in document
        if name not in UPLOAD_ENTITY_DEFINITIONS_MEMBERS
    ]
    if definition is None:
        if not (document.get("syncWithPublicNamespace") or document.get("deprecateExistingEntities")):
            violations.insert(
                0, null("document") + " unless syncWithPublicNamespace or deprecateExistingEntities is true"
            )
    else:
        violations.extend(
            f"Member {describe(name)} is not part of DefinitionDocument: send language and text"
            for name in definition
            if name not in DEFINITION_DOCUMENT_MEMBERS
        )
        language, text = definition.get("language"), definition.get("text")
        if language is None:
            violations.append(null("document.language"))
        elif language not in DEFINITION_LANGUAGES:
            violations.append(
                f"Value {describe(language)} at 'document.language' failed to satisfy constraint: "
                f"Member must satisfy enum value set: [{', '.join(DEFINITION_LANGUAGES)}]"
            )
        if text is None:
            violations.append(null("document.text"))
        elif len(text) > DEFINITION_TEXT_MAX:
            violations.append(too_long("document.text", text, DEFINITION_TEXT_MAX))
    return invalid(violations) if violations else None


def handle(service: Service, request: ParsedRequest, region: str | None, number: int) -> Answer:
    """The next queued answer (or, with none, an upload of :data:`DEFAULT_SCRIPT`): the upload it creates, and
    how the request differs from what the answer expected."""
    state = uploads_of(service)
    entry = state.queue.popleft() if state.queue else None
    differ = mismatch(entry.expected, request.document) if entry is not None and entry.expected else None
    if isinstance(entry, QueuedError):
        return Answer(entry.item.reply, None, differ)
    from .._scripts import prepare_item, prepare_upload  # pydantic: loaded with the first call, so --help stays quick

    if entry is None:
        upload_id = str(uuid.uuid4())
        prepared = prepare_upload(upload_id, DEFAULT_SCRIPT, where="UploadEntityDefinitions, nothing queued")
        scripted = False
    else:
        prepared, scripted = entry.upload, True
    items = prepared.items
    text = (request.document.get("document") or {}).get("text")
    if service.options.validate_definitions and text is not None:
        reasons = _graphql.syntax_errors(text)
        if reasons:  # the upload ends FAILED after its IN_PROGRESS polls, as the service reported
            final = {"uploadStatus": "FAILED", "failureReason": reasons}
            failed = prepare_item("validate_definitions", final, prepared.defaults)
            items = (*(item for item in items if not item.terminal), failed)
    state.uploads[prepared.upload_id] = Upload(prepared.upload_id, region, items, scripted=scripted)
    return Answer(ok_reply({"uploadId": prepared.upload_id}), prepared.upload_id, differ)


def unconsumed(service: Service, silence: str) -> list[Section]:
    """The answers queued that no call took."""
    queue = uploads_of(service).queue
    if not queue:
        return []
    return [
        Section(
            "These UploadEntityDefinitions answers were queued but no call took them:",
            [entry.label() for entry in queue],
            "Make the calls or queue fewer answers; if some are optional, " + silence,
        )
    ]


def queue_upload_entity_definitions_json(
    stub: ScriptedStub, entry: object, *, where: str = "answer", taken: str = TAKEN_BY_CONTROL
) -> str | None:
    """``stub.on_upload_entity_definitions`` from the JSON form.

    ``entry`` is an error ``{"__type": ..., "message": ..., "statusCode": ...}`` (the call is answered with
    it), or an upload in the form of ``add_upload_json`` (GetUploadStatus's) whose ``uploadId`` and ``script``
    may be left out and which has no ``region`` (the upload lives in the region of the call). Returns the
    upload ID the answer will create (``None`` for an error).
    """
    refuse_stopped(stub, where=where)
    if isinstance(entry, dict) and "__type" in entry:
        error = service_error({key: value for key, value in entry.items() if key != "expected"}, where=where)
        _check_expected(entry.get("expected"), where=where)
        with named(where):
            stub.on_upload_entity_definitions(error, expected=entry.get("expected"))
        return None
    keywords = upload_keywords(entry, where=where, required=(), keys=json_keys(queued=True))
    _check_expected(keywords.get("expected"), where=where)
    check_upload({key: value for key, value in keywords.items() if key != "expected"}, where=where)
    refuse_taken(stub, keywords.get("upload_id"), where=where, taken=taken)
    script = keywords.pop("script", None)
    created: str | None
    with named(where):
        if script is None:
            created = stub.on_upload_entity_definitions(**keywords)
        else:
            created = stub.on_upload_entity_definitions(script, **keywords)
    return created


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


OPERATION = Operation(
    name=UPLOAD_ENTITY_DEFINITIONS,
    request_members=UPLOAD_ENTITY_DEFINITIONS_MEMBERS,
    parse=parse_body,
    handle=handle,
    unconsumed=unconsumed,
    expected_by="on_upload_entity_definitions()",
    subject=upload_of_call,
    outcome=status_of_call,
    json_form=JsonForm(
        "uploadEntityDefinitions", "upload-entity-definitions", queue_upload_entity_definitions_json, queued=True
    ),
)

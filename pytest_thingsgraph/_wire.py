"""The JSON 1.1 wire protocol of Things Graph: request checks and response bodies.

Nothing here knows botocore; :mod:`._botocore` turns its requests into
:class:`WireRequest` and :class:`WireResponse` back into its responses.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

TARGET_PREFIX = "IotThingsGraphFrontEndService."
CONTENT_TYPE = "application/x-amz-json-1.1"
ENDPOINT_PREFIX = "iotthingsgraph"
GET_UPLOAD_STATUS = "GetUploadStatus"
UPLOAD_ENTITY_DEFINITIONS = "UploadEntityDefinitions"
UPLOAD_ID_MAX = 40
DEFINITION_TEXT_MAX = 1_048_576

#: Every operation of botocore's ``iotthingsgraph`` model (a test keeps this in step).
OPERATIONS: frozenset[str] = frozenset(
    {
        "AssociateEntityToThing", "CreateFlowTemplate", "CreateSystemInstance",
        "CreateSystemTemplate", "DeleteFlowTemplate", "DeleteNamespace",
        "DeleteSystemInstance", "DeleteSystemTemplate", "DeploySystemInstance",
        "DeprecateFlowTemplate", "DeprecateSystemTemplate", "DescribeNamespace",
        "DissociateEntityFromThing", "GetEntities", "GetFlowTemplate",
        "GetFlowTemplateRevisions", "GetNamespaceDeletionStatus", "GetSystemInstance",
        "GetSystemTemplate", "GetSystemTemplateRevisions", "GetUploadStatus",
        "ListFlowExecutionMessages", "ListTagsForResource", "SearchEntities",
        "SearchFlowExecutions", "SearchFlowTemplates", "SearchSystemInstances",
        "SearchSystemTemplates", "SearchThings", "TagResource", "UndeploySystemInstance",
        "UntagResource", "UpdateFlowTemplate", "UpdateSystemTemplate",
        "UploadEntityDefinitions",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class WireRequest:
    """One HTTP request as the service sees it (no credentials, no signature)."""

    method: str
    target: str | None
    content_type: str | None
    body: bytes
    region: str | None


@dataclass(frozen=True, slots=True)
class WireResponse:
    """One HTTP response: status, JSON body and the request ID header to send."""

    status_code: int
    body: bytes
    request_id: str


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a request is invalid, as the service would answer it."""

    error_code: str
    message: str
    status_code: int = 400


def wire_request(method: str, url: str, headers: Any, body: object) -> WireRequest:
    """The service's view of a request from botocore or requests (``headers`` has a case-insensitive ``get``)."""
    return WireRequest(
        method=method,
        target=_header_text(headers.get("X-Amz-Target")),
        content_type=_header_text(headers.get("Content-Type")),
        body=_body_bytes(body),
        region=region_of(_header_text(headers.get("Authorization")), url),
    )


def _header_text(value: object) -> str | None:
    """A header value as text: clients hold bytes, str, or (botocore) an email Header object."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    try:
        return str(value)
    except UnicodeError:  # a str value with a lone surrogate, which no HTTP header can carry
        return "<header value that is not text>"


def _body_bytes(body: object) -> bytes:
    """The body as sent; text that is not UTF-8 stays undecodable, as it would be on the wire."""
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, bytearray):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8", "surrogatepass")
    read = getattr(body, "read", None)
    if read is not None:
        return _body_bytes(read())
    if isinstance(body, Iterable):  # a generator of chunks, as requests allows
        return b"".join(_body_bytes(chunk) for chunk in body)
    return b""


def region_of(authorization: str | None, url: str) -> str | None:
    """The region a request was signed for (SigV4 credential scope), else the endpoint's."""
    if authorization:
        start = authorization.find("Credential=")
        if start != -1:
            scope = authorization[start + len("Credential=") :].split(",", 1)[0].split("/")
            if len(scope) == 5:
                return sys.intern(scope[2])  # one string per region, shared by the calls recorded
    host = url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    parts = host.split(".")
    if len(parts) >= 3 and parts[0] == ENDPOINT_PREFIX:
        return parts[1]
    return None


def encode(document: dict[str, Any]) -> bytes:
    """Encode a JSON body as the service does: compact UTF-8 (escaped where text is not UTF-8)."""
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    try:
        return text.encode()
    except UnicodeEncodeError:  # a lone surrogate, say, from a request's uploadId
        return json.dumps(document, separators=(",", ":")).encode()


def error_document(code: str, message: str) -> dict[str, Any]:
    """The JSON 1.1 error body botocore reads: ``__type`` and ``message``."""
    return {"__type": code, "message": message}


def describe(value: object, limit: int = 60) -> str:
    """``repr`` of a value, shortened for messages when it is long."""
    text = repr(value)
    if len(text) <= limit:
        return text
    length = f" ({len(value)} characters)" if isinstance(value, str) else ""
    return f"{text[: limit - 1]}…{length}"


_OPERATION_OF_TARGET = {TARGET_PREFIX + operation: operation for operation in OPERATIONS}


def operation_of(target: str | None) -> str | Rejection:
    """The operation named by an ``X-Amz-Target`` header, or why it names none."""
    if target is None:
        return Rejection("UnknownOperationException", "Missing X-Amz-Target header: name an operation.")
    operation = _OPERATION_OF_TARGET.get(target)
    if operation is not None:  # one shared string per operation, not a new one per request
        return operation
    return Rejection(
        "UnknownOperationException",
        f"Unknown operation {describe(target)}: X-Amz-Target must be {TARGET_PREFIX}<Operation>.",
    )


def check_envelope(request: WireRequest) -> Rejection | None:
    """Check the method and content type every JSON 1.1 request carries."""
    if request.method != "POST":
        return Rejection("UnknownOperationException", f"Method {describe(request.method)} is not allowed: send POST.")
    content_type = (request.content_type or "").split(";", 1)[0].strip().lower()
    if content_type != CONTENT_TYPE:
        return Rejection(
            "SerializationException",
            f"Content-Type {describe(request.content_type)} is not supported: send {CONTENT_TYPE}.",
        )
    return None


def decode_body(body: bytes) -> dict[str, Any] | Rejection:
    """Decode a JSON object body, or say why it is not one."""
    try:
        document = json.loads(body.decode("utf-8") if body else "{}")  # UTF-8 only, as the service reads it
    except json.JSONDecodeError as error:
        return Rejection(
            "SerializationException",
            f"Request body is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}.",
        )
    except UnicodeDecodeError as error:
        return Rejection("SerializationException", f"Request body is not UTF-8: {error.reason} at byte {error.start}.")
    except RecursionError:
        return Rejection("SerializationException", "Request body is nested too deeply to decode.")
    except ValueError:  # the one cause left: an integer of more digits than Python converts
        limit = sys.get_int_max_str_digits()
        return Rejection("SerializationException", f"Request body has a number of more than {limit} digits.")
    if not isinstance(document, dict):
        return Rejection(
            "SerializationException",
            f"Request body must be a JSON object, not {_json_type(document)}.",
        )
    return document


def check_get_upload_status(document: dict[str, Any]) -> str | Rejection:
    """The uploadId of a valid GetUploadStatusRequest, or why the body is invalid."""
    upload_id = document.get("uploadId")
    if type(upload_id) is str and len(document) == 1 and 1 <= len(upload_id) <= UPLOAD_ID_MAX:
        return upload_id  # the hot path: one valid member
    if upload_id is not None and not isinstance(upload_id, str):
        return _wrong_type("uploadId", upload_id, "a JSON string")
    violations = [
        f"Member {describe(name)} is not part of GetUploadStatusRequest: send uploadId only"
        for name in document
        if name != "uploadId"
    ]
    if upload_id is None:
        violations.insert(0, "Value null at 'uploadId' failed to satisfy constraint: Member must not be null")
    elif not upload_id:
        violations.insert(
            0,
            "Value '' at 'uploadId' failed to satisfy constraint: Member must have length greater than or equal to 1",
        )
    elif len(upload_id) > UPLOAD_ID_MAX:
        violations.insert(
            0,
            f"Value {describe(upload_id)} at 'uploadId' failed to satisfy constraint: "
            f"Member must have length less than or equal to {UPLOAD_ID_MAX}",
        )
    count = len(violations)
    return Rejection(
        "InvalidRequestException",
        f"{count} validation error{'s' if count > 1 else ''} detected: {'; '.join(violations)}",
    )


def describe_json(value: object, limit: int = 60) -> str:
    """A decoded JSON value as JSON text, shortened for messages when it is long."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except RecursionError:  # the encoder nests deeper than the decoder that read it
        return "<a value nested too deeply to show>"
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def check_upload_entity_definitions(document: dict[str, Any]) -> Rejection | None:
    """Why a body is not a valid UploadEntityDefinitionsRequest, or ``None`` if it is one."""
    for name in ("syncWithPublicNamespace", "deprecateExistingEntities"):
        value = document.get(name)
        if value is not None and not isinstance(value, bool):
            return _wrong_type(name, value, "a JSON boolean")
    definition = document.get("document")
    if definition is not None and not isinstance(definition, dict):
        return _wrong_type("document", definition, "a JSON object")
    for name in ("language", "text"):
        value = (definition or {}).get(name)
        if value is not None and not isinstance(value, str):
            return _wrong_type(f"document.{name}", value, "a JSON string")
    violations = [
        f"Member {describe(name)} is not part of UploadEntityDefinitionsRequest: send document, "
        "syncWithPublicNamespace or deprecateExistingEntities"
        for name in document
        if name not in ("document", "syncWithPublicNamespace", "deprecateExistingEntities")
    ]
    if definition is None:
        if not (document.get("syncWithPublicNamespace") or document.get("deprecateExistingEntities")):
            violations.insert(
                0,
                "Value null at 'document' failed to satisfy constraint: Member must not be null "
                "unless syncWithPublicNamespace or deprecateExistingEntities is true",
            )
    else:
        violations.extend(
            f"Member {describe(name)} is not part of DefinitionDocument: send language and text"
            for name in definition
            if name not in ("language", "text")
        )
        language, text = definition.get("language"), definition.get("text")
        if language is None:
            violations.append("Value null at 'document.language' failed to satisfy constraint: Member must not be null")
        elif language != "GRAPHQL":
            violations.append(
                f"Value {describe(language)} at 'document.language' failed to satisfy constraint: "
                "Member must satisfy enum value set: [GRAPHQL]"
            )
        if text is None:
            violations.append("Value null at 'document.text' failed to satisfy constraint: Member must not be null")
        elif len(text) > DEFINITION_TEXT_MAX:
            violations.append(
                f"Value {describe(text)} at 'document.text' failed to satisfy constraint: "
                f"Member must have length less than or equal to {DEFINITION_TEXT_MAX}"
            )
    return _invalid(violations) if violations else None


def _invalid(violations: list[str]) -> Rejection:
    """The service's answer to a body that breaks the documented constraints."""
    count = len(violations)
    return Rejection(
        "InvalidRequestException",
        f"{count} validation error{'s' if count > 1 else ''} detected: {'; '.join(violations)}",
    )


def _wrong_type(name: str, value: object, expected: str) -> Rejection:
    return Rejection(
        "SerializationException",
        f"Value {describe_json(value)} at '{name}' is {_json_type(value)}: send {expected}.",
    )


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "a string"

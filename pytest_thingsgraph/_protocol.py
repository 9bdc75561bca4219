"""Things Graph's JSON 1.1 wire protocol: a request in, the service's view of it or its refusal out.

Nothing here knows a client library or an operation's members: each adapter
turns its request into a :class:`WireRequest` with :func:`wire_request`,
:func:`parse` checks it as the service would (envelope, then body: the body by
its operation's own check, which decodes it and words its violations with the
helpers here), and a :class:`Reply` goes back out as a :class:`WireResponse`.
The data types themselves are :mod:`._wire`'s.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from . import _sigv4
from ._service import CONTENT_TYPE, OPERATIONS, TARGET_PREFIX
from ._wire import ParsedRequest, Rejection, Reply, WireRequest

#: The headers the service reads, lower-case.
READ_HEADERS = ("x-amz-target", "content-type", "authorization", "x-amz-date")


def wire_request(method: str, url: str, headers: Any, body: object) -> WireRequest:
    """The service's view of a request (``headers`` has a case-insensitive ``get``, as every client's has)."""
    if type(headers) is dict:  # a plain dict's keys are as the caller spelt them
        headers = {str(name).lower(): value for name, value in headers.items()}
    read = {}
    for name in READ_HEADERS:
        value = headers.get(name)
        if value is not None:  # botocore's are bytes: decoded here, without a call
            read[name] = value.decode("utf-8", "replace") if isinstance(value, bytes) else _header_text(value)
    return WireRequest(method, url, read, _body_bytes(body), _sigv4.scope_region(read, url))


def _header_text(value: object) -> str:
    """A header value that is not bytes, as text: clients hold str, or (botocore) an email Header object."""
    if isinstance(value, str):
        return value
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


_OPERATION_OF_TARGET = {TARGET_PREFIX + operation: operation for operation in OPERATIONS}


#: An operation's own check of its body: the request the service accepted, or why it refused it.
BodyCheck = Callable[[bytes], ParsedRequest | Rejection]


def parse(request: WireRequest, body_checks: Mapping[str, BodyCheck]) -> ParsedRequest | Rejection:
    """Check a request as the service does, in its order: operation, envelope, signature, then body.

    The body is checked by its operation's entry of ``body_checks``; an operation
    without one comes back with an empty document: its body is never read.
    """
    target = request.headers.get("x-amz-target")
    if target is None:
        return Rejection("UnknownOperationException", "Missing X-Amz-Target header: name an operation.")
    operation = _OPERATION_OF_TARGET.get(target)
    if operation is None:
        return Rejection(
            "UnknownOperationException",
            f"Unknown operation {describe(target)}: X-Amz-Target must be {TARGET_PREFIX}<Operation>.",
        )
    rejection = _check_envelope(request)
    if rejection is None:  # authentication before the operation reads its body, as AWS checks
        rejection = _sigv4.check_signature(request.url, request.headers, time.time())
    if rejection is not None:
        return dataclasses.replace(rejection, operation=operation)
    check_body = body_checks.get(operation)
    if check_body is None:
        return ParsedRequest(operation, _EMPTY)
    return check_body(request.body)


def _check_envelope(request: WireRequest) -> Rejection | None:
    """The method and content type every JSON 1.1 request carries."""
    if request.method != "POST":
        return Rejection("UnknownOperationException", f"Method {describe(request.method)} is not allowed: send POST.")
    content_type = request.headers.get("content-type")
    if (content_type or "").split(";", 1)[0].strip().lower() != CONTENT_TYPE:
        return Rejection(
            "SerializationException",
            f"Content-Type {describe(content_type)} is not supported: send {CONTENT_TYPE}.",
        )
    return None


def decode(body: bytes) -> dict[str, Any] | Rejection:
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
        return Rejection("SerializationException", f"Request body must be a JSON object, not {json_type(document)}.")
    return document


def null(name: str) -> str:
    """The violation of a required member that is missing (or null)."""
    return f"Value null at '{name}' failed to satisfy constraint: Member must not be null"


def too_long(name: str, value: str, limit: int) -> str:
    """The violation of a string member longer than its shape allows."""
    return (
        f"Value {describe(value)} at '{name}' failed to satisfy constraint: "
        f"Member must have length less than or equal to {limit}"
    )


def invalid(violations: list[str]) -> Rejection:
    """The service's answer to a body that breaks the documented constraints."""
    count = len(violations)
    return Rejection(
        "InvalidRequestException",
        f"{count} validation error{'s' if count > 1 else ''} detected: {'; '.join(violations)}",
    )


def wrong_type(name: str, value: object, expected: str) -> Rejection:
    """The service's answer to a member of the wrong JSON type."""
    return Rejection(
        "SerializationException",
        f"Value {describe_json(value)} at '{name}' is {json_type(value)}: send {expected}.",
    )


def json_type(value: object) -> str:
    """A decoded JSON value's type, as messages name it."""
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


#: ``json.dumps(..., separators=(",", ":"), ensure_ascii=False)``, made once (it holds no state between calls).
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def encode(document: Mapping[str, Any]) -> bytes:
    """Encode a JSON body as the service does: compact UTF-8 (escaped where text is not UTF-8)."""
    text = _ENCODER.encode(document)
    try:
        return text.encode()
    except UnicodeEncodeError:  # a lone surrogate, say, from a request's uploadId
        return json.dumps(document, separators=(",", ":")).encode()


def _read_only(self: object, *_: object, **__: object) -> Any:
    raise TypeError(
        f"this {type(self).__bases__[0].__name__} is a record of the stub and read-only: "
        f"change a copy ({type(self).__bases__[0].__name__}(value)) instead"
    )


class ReadOnlyDict(dict[str, Any]):
    """A JSON object of a recorded call: equal to a dict, but never changed.

    ``copy.copy`` and ``copy.deepcopy`` give a plain dict to change; pickling keeps it read-only.
    """

    __slots__ = ()
    __setitem__ = __delitem__ = __ior__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only

    def __copy__(self) -> dict[str, Any]:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return {key: copy.deepcopy(value, memo) for key, value in self.items()}

    def __reduce__(self) -> tuple[Any, ...]:
        return freeze, (dict(self),)


class ReadOnlyList(list[Any]):
    """A JSON array of a recorded call: equal to a list, but never changed.

    ``copy.copy`` and ``copy.deepcopy`` give a plain list to change; pickling keeps it read-only.
    """

    __slots__ = ()
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _read_only
    append = clear = extend = insert = pop = remove = reverse = sort = _read_only

    def __copy__(self) -> list[Any]:
        return list(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        return [copy.deepcopy(value, memo) for value in self]

    def __reduce__(self) -> tuple[Any, ...]:
        return freeze, (list(self),)


_EMPTY: Mapping[str, Any] = ReadOnlyDict()
_CONTAINERS = (dict, list, tuple)


def freeze(value: Any) -> Any:
    """A read-only copy of a decoded JSON value, still equal to it (iterative: bodies nest deeply)."""
    if not isinstance(value, _CONTAINERS):
        return value
    if type(value) is dict and all(
        type(key) is str and not isinstance(item, _CONTAINERS) for key, item in value.items()
    ):
        return ReadOnlyDict(value)  # flat, as most are: a copy will do
    root = _read_only_like(value)
    stack = [(value, root)]
    while stack:
        source, target = stack.pop()
        for key, item in source.items() if isinstance(source, dict) else enumerate(source):
            child = _read_only_like(item) if isinstance(item, (dict, list, tuple)) else item
            if child is not item:
                stack.append((item, child))
            if isinstance(target, dict):
                dict.__setitem__(target, str(key), child)
            else:
                list.append(target, child)
    return root


def _read_only_like(value: dict[str, Any] | list[Any] | tuple[Any, ...]) -> ReadOnlyDict | ReadOnlyList:
    return ReadOnlyDict() if isinstance(value, dict) else ReadOnlyList()


def rejection_reply(rejection: Rejection) -> Reply:
    """The service's error answer to a refused request."""
    return error_reply(rejection.error_code, rejection.message, rejection.status_code)


def error_reply(code: str, message: str, status_code: int) -> Reply:
    """The JSON 1.1 error body botocore reads: ``__type`` and ``message``."""
    document = freeze({"__type": code, "message": message})
    return Reply(status_code, document, encode(document))


def ok_reply(document: Mapping[str, Any]) -> Reply:
    frozen = freeze(document)
    return Reply(200, frozen, encode(frozen))


def has_lone_surrogate(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate, which no UTF-8 (so no JSON body or header) can carry."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def describe(value: object, limit: int = 60) -> str:
    """``repr`` of a value, shortened for messages when it is long."""
    text = repr(value)
    if len(text) <= limit:
        return text
    length = f" ({len(value)} characters)" if isinstance(value, str) else ""
    return f"{text[: limit - 1]}…{length}"


def describe_json(value: object, limit: int = 60) -> str:
    """A decoded JSON value as JSON text, shortened for messages when it is long."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except RecursionError:  # the encoder nests deeper than the decoder that read it
        return "<a value nested too deeply to show>"
    return text if len(text) <= limit else f"{text[: limit - 1]}…"

"""Server mode's JSON form of ``add_response``: script files' ``"responses"`` and ``POST /_thingsgraph/responses``.

An entry is ``{"operation": ..., "response": {...}}`` or ``{"operation": ..., "error": {"__type": ...,
"message": ..., "statusCode": ...}}``, with an optional ``"match"`` and ``"expected"`` (request members): the
arguments of ``add_response``, for every operation but the two upload ones. JSON has no dates and no ``ANY``, so
the entry is read against the operation's shapes in botocore's model:

- a timestamp member (of ``response``, ``match`` or ``expected``) is epoch seconds or ISO 8601 text with a UTC
  offset, as ``createdDate`` is in an upload entry (``_script_json.parse_created_date``);
- in ``match`` and ``expected``, ``{"$any": true}`` in place of a member's value (or a list item's) is ``ANY``:
  the member is there, with any value. No member of the model is named ``$any``, so it means nothing else.

Everything else is checked as ``add_response`` checks it, and named by its path in the entry (``response.
description.status``, ``match.id``, ``error``), after where the entry came from.
"""

from __future__ import annotations

from typing import Any

from . import _model, _shapes
from ._errors import ServiceError, UsageError
from ._operations._record import ScriptedStub
from ._operations._uploads import refuse_stopped
from ._protocol import describe_json, json_type
from ._script_json import named, parse_created_date, service_error
from ._service import DOCUMENTED_ERRORS
from ._shapes import Shape

#: An entry's keys, in the order messages name them.
ENTRY_KEYS = ("operation", "response", "error", "match", "expected")
_ENTRY_EXAMPLE = '{"operation": "GetSystemInstance", "response": {"description": {...}}}'
_ERROR_EXAMPLE = '{"__type": "ResourceNotFoundException", "message": "..."}'
#: Where the two upload operations are scripted instead, in the JSON form's words.
_UPLOAD_FORMS = {
    "GetUploadStatus": 'an upload ("uploads" in a script file, POST /_thingsgraph/uploads)',
    "UploadEntityDefinitions": (
        'an uploadEntityDefinitions entry ("uploadEntityDefinitions" in a script file, '
        "POST /_thingsgraph/upload-entity-definitions)"
    ),
}


def add_response_entry(stub: ScriptedStub, entry: object, *, where: str) -> str:
    """Add one ``responses`` entry to ``stub`` (``stub.add_response``); returns the operation's API name.

    Raises :class:`UsageError` naming what is wrong by the entry's keys and paths, prefixed with ``where``.
    """
    if not isinstance(entry, dict):
        raise UsageError(f"{where} is {json_type(entry)}: give a JSON object such as {_ENTRY_EXAMPLE}.")
    for key in entry:
        if key not in ENTRY_KEYS:
            raise UsageError(f"{where}: unknown key {key!r}: use {', '.join(ENTRY_KEYS)}.")
    operation = _operation(entry.get("operation"), where=where)
    refuse_stopped(stub, where=where)
    if ("response" in entry) == ("error" in entry):
        given = "both response and error are given" if "response" in entry else "response or error is missing"
        raise UsageError(
            f'{where}: {given}: give one, "response": {{...}} (the members the call answers) '
            f'or "error": {_ERROR_EXAMPLE}.'
        )
    model = _model.operation_model(operation)
    answer: dict[str, Any] | ServiceError = (
        _error(operation, entry["error"], where=f"{where}: error")
        if "error" in entry
        else _response(model.output_shape, entry["response"], where=where)
    )
    match = _selector(model.input_shape, entry.get("match"), "match", where=where)
    expected = _selector(model.input_shape, entry.get("expected"), "expected", where=where)
    with named(where):
        stub.add_response(operation, answer, match=match, expected=expected)
    return operation


def _operation(name: object, *, where: str) -> str:
    """The API name of the entry's ``operation`` (an API name or a client method name)."""
    if name is None:
        raise UsageError(
            f'{where}: operation is missing: name the operation, such as "SearchEntities" or "search_entities".'
        )
    if not isinstance(name, str):
        raise UsageError(
            f'{where}: operation is {json_type(name)}: give its name as a string, such as "SearchEntities".'
        )
    for upload_operation, form in _UPLOAD_FORMS.items():
        if name in (upload_operation, _model.method_name(upload_operation)):
            raise UsageError(f"{where}: {upload_operation} is scripted with {form}, not with responses.")
    return _model.resolve(name, where=f"{where}: operation")


def _error(operation: str, error: object, *, where: str) -> ServiceError:
    """An ``error`` object, as :func:`_script_json.service_error` reads one, that ``operation`` can answer."""
    if not isinstance(error, dict):
        raise UsageError(f"{where} is {json_type(error)}: give an error object such as {_ERROR_EXAMPLE}.")
    if "__type" not in error:
        raise UsageError(f"{where}: __type is missing: give the error code, as in {_ERROR_EXAMPLE}.")
    answer = service_error(error, where=where)
    documented = _model.documented_errors(operation)
    if answer.code in DOCUMENTED_ERRORS and answer.code not in documented:
        raise UsageError(
            f"{where}: {operation} never answered {answer.code}: its documented errors are "
            f"{', '.join(documented)}. Script one of them (an error the model does not list needs a statusCode)."
        )
    return answer


def _response(shape: Shape | None, value: object, *, where: str) -> dict[str, Any]:
    """``response``: the members the call answers, its timestamps read."""
    if not isinstance(value, dict):
        raise UsageError(f"{where}: response is {json_type(value)}: give an object of the members the call answers.")
    if shape is None:  # pragma: no cover - every operation of the model has an output shape
        converted, problem = value, None if value == {} else f"response is {describe_json(value)}: give {{}}"
    else:
        converted = _from_json(shape, value, "response", where=where, selectors=False)
        problem = _shapes.python_problem(shape, converted, "response")
    if problem:
        raise UsageError(f"{where}: {problem}.")
    assert isinstance(converted, dict)  # python_problem refuses any other
    return converted


def _selector(shape: Shape | None, value: object, name: str, *, where: str) -> dict[str, Any] | None:
    """``match`` or ``expected``: request members, their timestamps read and ``{"$any": true}`` made ``ANY``."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise UsageError(f"{where}: {name} is {json_type(value)}: give an object of request members.")
    if shape is None:  # pragma: no cover - every operation of the model has an input shape
        return dict(value)
    converted = _from_json(shape, value, name, where=where, selectors=True)
    problem = _shapes.python_problem(shape, converted, name, partial=True)
    if problem:
        raise UsageError(f"{where}: {problem}.")
    assert isinstance(converted, dict)  # the request's own object stays one
    return converted


def _from_json(shape: Shape, value: Any, path: str, *, where: str, selectors: bool) -> Any:
    """``value`` with each timestamp under ``shape`` an aware datetime and, with ``selectors``, each
    ``{"$any": true}`` below the top ``ANY``; what does not fit the shape is left for the shape's check to name."""
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        members = shape.members
        return {
            name: _member(members[name], item, _shapes.join(path, name), where=where, selectors=selectors)
            if name in members
            else item
            for name, item in value.items()
        }
    if kind == "list" and isinstance(value, list):
        return [
            _member(shape.member, item, _shapes.join(path, index), where=where, selectors=selectors)
            for index, item in enumerate(value)
        ]
    if kind == "timestamp" and value is not None:
        return parse_created_date(value, where=f"{where}: {path}")
    return value


def _member(shape: Shape, value: Any, path: str, *, where: str, selectors: bool) -> Any:
    """A member's or item's value: ``ANY`` for ``{"$any": true}`` in a selector, else read as ``shape``."""
    if selectors and isinstance(value, dict) and "$any" in value:
        if len(value) != 1 or value["$any"] is not True:
            raise UsageError(
                f'{where}: {path} is {describe_json(value)}: write exactly {{"$any": true}} for any value, '
                "or give the value itself."
            )
        return _shapes.ANY
    return _from_json(shape, value, path, where=where, selectors=selectors)


__all__ = ["ENTRY_KEYS", "add_response_entry"]

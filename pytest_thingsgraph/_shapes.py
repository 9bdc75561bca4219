"""Values checked against the model's shapes, both ways, and answers put on the wire.

- An answer (``add_response``) is a value as boto3 returns it (datetimes): every
  constraint of the response shape is checked (members, required members,
  types, enums, lengths, values, patterns), and it goes on the wire as the
  service sent it (timestamps as epoch seconds).
- A request is a decoded JSON body: a member of the wrong JSON type is the
  service's ``SerializationException``; a broken constraint is one violation of
  its ``InvalidRequestException``, worded as the service words them.
- ``match=`` and ``expected=`` are partial requests: checked as answers are,
  except that no member is required and :data:`ANY` stands for any value.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from collections.abc import Mapping, Sequence, Sized
from typing import Any, Final, TypeAlias

from . import _patterns
from ._protocol import describe, describe_json, has_lone_surrogate, json_type
from ._service import CREATED_DATE_END, CREATED_DATE_MIN

#: A botocore ``Shape`` of the model, read by its type: ``StructureShape.members``, ``ListShape.member``,
#: ``StringShape.enum``, which the base class's stubs do not declare.
Shape: TypeAlias = Any


class _AnyValue:
    """Fits any value a request member carries (not a member the request lacks)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ANY"

    def __reduce__(self) -> str:
        return "ANY"


#: In ``match=`` or ``expected=`` of ``add_response``: the member is there, with any value.
ANY: Final = _AnyValue()

#: The integer range of each integer shape type.
_INTEGER_RANGE = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
#: What a wire value of each shape type must be, as the SerializationException words it: every type the model's
#: shapes have (it has no map, double or float; ``tests/test_operations.py`` checks that it has no other).
WIRE_TYPE = {
    "structure": "a JSON object",
    "list": "a JSON array",
    "string": "a JSON string",
    "integer": "a JSON integer",
    "long": "a JSON integer",
    "boolean": "a JSON boolean",
    "timestamp": "a JSON number (epoch seconds)",
}


class Seconds(float):
    """A timestamp of ``match=`` or ``expected=`` on the wire: epoch seconds.

    It fits a request that carries the same instant to the precision its client sends: whole seconds
    (botocore drops the fraction), milliseconds (the JavaScript SDK v3 sends ``getTime() / 1000``) or more.
    """

    __slots__ = ()

    def fits(self, got: object) -> bool:
        if isinstance(got, bool) or not isinstance(got, (int, float)):
            return False
        return got in (self, math.floor(self), math.floor(self * 1000) / 1000)


def is_any(value: object) -> bool:
    """``ANY``, or ``unittest.mock.ANY``, which tests write out of habit."""
    if value is ANY:
        return True
    mock = sys.modules.get("unittest.mock")  # not imported: no test holds its ANY
    return mock is not None and value is mock.ANY


def join(path: str, name: str | int) -> str:
    """``summary`` + ``id`` -> ``summary.id``; ``descriptions`` + 0 -> ``descriptions[0]``."""
    if isinstance(name, int):
        return f"{path}[{name}]"
    return f"{path}.{name}" if path else name


# --- values as a test writes them: answers, match= and expected= --------------------------------------------


def python_problem(shape: Shape, value: object, path: str, *, partial: bool = False) -> str | None:
    """Why ``value`` (as boto3 returns it) does not fit ``shape``; ``None`` if it does.

    ``partial``: no member is required and :data:`ANY` fits any member (``match=``, ``expected=``).
    """
    if partial and is_any(value):
        return None
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, Mapping):
            return f"{path or 'the answer'} is {describe(value)}: pass a dict of {shape.name} members"
        return _structure_problem(shape, value, path, partial=partial)
    if kind == "list":
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
            return f"{path} is {describe(value)}: pass a list"
        problem = _length_problem(shape, value, path, "items")
        for index, item in enumerate(value):
            problem = problem or python_problem(shape.member, item, join(path, index), partial=partial)
        return problem
    return _scalar_problem(shape, value, path)


def _structure_problem(shape: Shape, value: Mapping[Any, Any], path: str, *, partial: bool) -> str | None:
    members = shape.members
    for name in value:
        if name not in members and not (name == "ResponseMetadata" and not path):
            allowed = ", ".join(members) or "no members"
            return f"{join(path, str(name))} is not a member of {shape.name}: use {allowed}"
    if not partial:
        for name in shape.required_members:
            if value.get(name) is None:
                return f"{join(path, name)} is missing: {shape.name} requires it"
    for name, item in value.items():
        if name in members and item is not None:
            problem = python_problem(members[name], item, join(path, name), partial=partial)
            if problem:
                return problem
    return None


def _scalar_problem(shape: Shape, value: object, path: str) -> str | None:
    kind = shape.type_name
    if kind == "string":
        if not isinstance(value, str):
            return f"{path} is {describe(value)}: pass a str"
        if has_lone_surrogate(value):
            return f"{path} is {describe(value)}, which has a lone surrogate no UTF-8 JSON can carry: pass text"
        return _string_problem(shape, value, path)
    if kind == "boolean":
        return None if isinstance(value, bool) else f"{path} is {describe(value)}: pass True or False"
    if kind in _INTEGER_RANGE:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"{path} is {describe(value)}: pass an int"
        return _range_problem(shape, value, path)
    if kind == "timestamp":
        if not isinstance(value, dt.datetime) or value.utcoffset() is None:
            return f"{path} is {describe(value)}: pass a datetime with a timezone, such as datetime.now(timezone.utc)"
        if not CREATED_DATE_MIN <= value < CREATED_DATE_END:
            return (
                f"{path} is {value!r}, outside 1970-2199: botocore reads timestamps as float epoch seconds, "
                "exact to the microsecond only there; pass a date in that range"
            )
        return None
    return f"{path}: {shape.name} is a {kind}, which the stub cannot answer"  # pragma: no cover - not in the model


def _string_problem(shape: Shape, value: str, path: str) -> str | None:
    enum = shape.enum
    if enum and value not in enum:
        return f"{path} is {describe(value)}, not one of {', '.join(enum)}"
    problem = _length_problem(shape, value, path, "characters")
    pattern = shape.metadata.get("pattern")
    if problem is None and pattern is not None and not _patterns.fits(pattern, value):
        problem = f"{path} is {describe(value)}, which does not match {shape.name}'s pattern {pattern}"
    return problem


def _length_problem(shape: Shape, value: Sized, path: str, unit: str) -> str | None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and len(value) < low:
        return f"{path} has {len(value)} {unit}: {shape.name} needs at least {low}"
    if high is not None and len(value) > high:
        return f"{path} has {len(value)} {unit}: {shape.name} allows at most {high}"
    return None


def value_range(shape: Shape) -> tuple[int, int]:
    """The values an integer shape allows: its ``min`` and ``max``, else its type's range."""
    low, high = _INTEGER_RANGE[shape.type_name]
    return shape.metadata.get("min", low), shape.metadata.get("max", high)


def _range_problem(shape: Shape, value: int, path: str) -> str | None:
    low, high = value_range(shape)
    if not low <= value <= high:
        return f"{path} is {value}: {shape.name} is from {low} to {high}"
    return None


def to_wire(shape: Shape, value: Any) -> Any:
    """A checked value as the JSON 1.1 wire carries it: timestamps as epoch seconds (:data:`ANY` kept)."""
    kind = shape.type_name
    if value is None or is_any(value):
        return value
    if kind == "structure":
        members = shape.members
        return {name: to_wire(members[name], item) for name, item in value.items() if name in members}
    if kind == "list":
        return [to_wire(shape.member, item) for item in value]
    if kind == "timestamp":
        return Seconds((value - CREATED_DATE_MIN).total_seconds())
    return value


# --- requests as the service reads them ---------------------------------------------------------------------


def wire_problems(shape: Shape, value: Any, path: str, violations: list[str]) -> tuple[str, Any, str] | None:
    """Check a decoded request body against ``shape``: its constraint violations are added to ``violations``.

    Returns the first member of the wrong JSON type (``(path, value, what to send)``), which the service
    refuses before it checks any constraint, or ``None``.
    """
    kind = shape.type_name
    if not _is_wire_type(kind, value):
        return path, value, WIRE_TYPE.get(kind, kind)
    if kind == "structure":
        members = shape.members
        for name in value:
            if name not in members:
                allowed = ", ".join(members) or "nothing"
                violations.append(f"Member {describe(name)} is not part of {shape.name}: send {allowed}")
        for name in shape.required_members:
            if value.get(name) is None:
                violations.append(f"Value null at '{join(path, name)}' failed to satisfy constraint: "
                                  "Member must not be null")  # fmt: skip
        for name, item in value.items():
            if name in members and item is not None:
                wrong = wire_problems(members[name], item, join(path, name), violations)
                if wrong:
                    return wrong
        return None
    if kind == "list":
        _wire_length(shape, value, path, violations)
        for index, item in enumerate(value):
            wrong = wire_problems(shape.member, item, join(path, index), violations) if item is not None else None
            if wrong:
                return wrong
        return None
    _wire_scalar(shape, value, path, violations)
    return None


def _is_wire_type(kind: str, value: object) -> bool:
    if kind == "structure":
        return isinstance(value, dict)
    if kind == "list":
        return isinstance(value, list)
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind in _INTEGER_RANGE:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _constraint(value: object, path: str, rule: str) -> str:
    shown = describe(value) if isinstance(value, str) else f"'{describe_json(value)}'"
    return f"Value {shown} at '{path}' failed to satisfy constraint: Member must {rule}"


def _wire_length(shape: Shape, value: Sized, path: str, violations: list[str]) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and len(value) < low:
        violations.append(_constraint(value, path, f"have length greater than or equal to {low}"))
    if high is not None and len(value) > high:
        violations.append(_constraint(value, path, f"have length less than or equal to {high}"))


def _wire_scalar(shape: Shape, value: Any, path: str, violations: list[str]) -> None:
    kind = shape.type_name
    if kind == "string":
        if shape.enum and value not in shape.enum:
            violations.append(_constraint(value, path, f"satisfy enum value set: [{', '.join(shape.enum)}]"))
        _wire_length(shape, value, path, violations)
        pattern = shape.metadata.get("pattern")
        if pattern is not None and not _patterns.fits(pattern, value):
            violations.append(_constraint(value, path, f"satisfy regular expression pattern: {pattern}"))
    elif kind in _INTEGER_RANGE:
        low, high = value_range(shape)
        if value < low:
            violations.append(_constraint(value, path, f"have value greater than or equal to {low}"))
        elif value > high:
            violations.append(_constraint(value, path, f"have value less than or equal to {high}"))


def wrong_type_text(path: str, value: object, expected: str) -> str:
    """The SerializationException's message for a member of the wrong JSON type."""
    return f"Value {describe_json(value)} at '{path}' is {json_type(value)}: send {expected}."


# --- match= and expected= against a request ----------------------------------------------------------------


def unfit(selector: Any, document: Any, path: str) -> str | None:
    """Why ``document`` (a decoded request) does not carry ``selector``'s members (wire form); ``None``: it does."""
    if is_any(selector):
        return None
    if isinstance(selector, dict):
        if not isinstance(document, dict):
            return f"{path} is {describe_json(document)}, not an object"
        for name, want in selector.items():
            member = join(path, name)
            if document.get(name) is None:
                if want is not None:
                    return f"{member} is missing"
                continue  # None: the member is absent, and the other members are still checked
            reason = unfit(want, document[name], member)
            if reason:
                return reason
        return None
    if isinstance(selector, list) and isinstance(document, list) and len(selector) == len(document):
        for index, (want, got) in enumerate(zip(selector, document, strict=True)):
            reason = unfit(want, got, join(path, index))
            if reason:
                return reason
        return None
    if _same(selector, document):
        return None
    return f"{path} is {describe_json(document)}, not {_shown(selector)}"


def holds_any(selector: Any) -> bool:
    """Whether a ``match=`` or ``expected=`` (wire form) holds :data:`ANY` (or ``unittest.mock.ANY``) anywhere."""
    pending = [selector]
    while pending:
        value = pending.pop()
        if is_any(value):
            return True
        if isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


def fits(selector: Any, document: Any) -> bool:
    """Whether ``unfit(selector, document, "")`` is ``None``, without the words: each call's check of ``match=``."""
    mock = sys.modules.get("unittest.mock")  # looked up once per request, not per member as is_any does
    return _fits(selector, document, ANY if mock is None else mock.ANY)


def _fits(selector: Any, document: Any, mock_any: Any) -> bool:
    """:func:`unfit`, step by step, as a yes or no (``mock_any``: ``unittest.mock.ANY`` if imported)."""
    if selector is ANY or selector is mock_any:
        return True
    if isinstance(selector, dict):
        if not isinstance(document, dict):
            return False
        for name, want in selector.items():
            got = document.get(name)
            if got is None:
                if want is not None:
                    return False
                continue  # as unfit: a missing member fits a None, and the other members are still checked
            if type(want) is str:  # most members are: equal to a str is the same JSON value, no call needed
                if want != got:
                    return False
            elif not _fits(want, got, mock_any):
                return False
        return True
    if isinstance(selector, list) and isinstance(document, list) and len(selector) == len(document):
        for want, got in zip(selector, document, strict=True):
            if type(want) is str:
                if want != got:
                    return False
            elif not _fits(want, got, mock_any):
                return False
        return True
    return _same(selector, document)


def _same(want: Any, got: Any) -> bool:
    """Equal as JSON values: ``True`` is not ``1``; a timestamp as :class:`Seconds` says."""
    if isinstance(want, Seconds):
        return want.fits(got)
    if isinstance(want, bool) or isinstance(got, bool):
        return want is got
    return bool(want == got)


def differences(expected: Mapping[str, Any], document: Mapping[str, Any], path: str = "") -> list[str]:
    """``path: expected X, got Y`` for each member of ``expected`` the request does not carry as expected."""
    lines = []
    for name, want in expected.items():
        member = join(path, name)
        got = document.get(name)
        if got is None:
            if want is not None:
                lines.append(f"{member}: expected {_shown(want)}, got nothing")
        elif isinstance(want, dict) and isinstance(got, dict):
            lines.extend(differences(want, got, member))
        elif unfit(want, got, member) is not None:
            lines.append(f"{member}: expected {_shown(want)}, got {describe_json(got)}")
    return lines


def _shown(value: Any) -> str:
    if is_any(value):
        return "any value"
    return describe_json(value, limit=60) if _json_ready(value) else describe(value)


def _json_ready(value: Any) -> bool:
    if is_any(value):
        return False
    if isinstance(value, dict):
        return all(_json_ready(item) for item in value.values())
    if isinstance(value, list):
        return all(_json_ready(item) for item in value)
    return True

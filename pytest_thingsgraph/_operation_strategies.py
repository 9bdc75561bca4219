"""Strategies made from botocore's model: a valid request and a valid answer of each operation ``add_response`` answers.

Imported by :mod:`pytest_thingsgraph.strategies` (which exports ``operation_requests``,
``operation_responses`` and ``created_dates`` from here); it imports hypothesis.
Each shape of the model becomes one strategy, built once, on the first call that
needs it (the model is read then), never while drawing:

- structures: every required member, each other member present or absent;
- lists and maps: their shape's length bounds (at most :data:`UNBOUNDED_ITEMS` items where the shape sets none);
- strings: the enum, or the pattern (see :func:`_pattern_texts`), or any Unicode but lone surrogates,
  within the shape's lengths (counted in code points, as botocore and the stub count them);
- integers and longs: the shape's range, or the type's; timestamps: :func:`created_dates`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import string
from collections.abc import Callable
from typing import Any, Literal

import botocore.utils
from botocore.model import ListShape, Shape, StringShape, StructureShape
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from . import _model, _patterns
from ._errors import UsageError
from ._service import CREATED_DATE_END, CREATED_DATE_MIN, STUBBED_OPERATIONS
from ._shapes import _INTEGER_RANGE, value_range

#: The most items drawn for a list or map whose shape sets no maximum.
UNBOUNDED_ITEMS = 10

_SURROGATES: tuple[Literal["Cs"]] = ("Cs",)
# Built here, once: hypothesis resolves a characters() strategy on its first draw by reading (or, in a
# directory without .hypothesis/, computing) its table of Unicode categories, which takes up to a second.
# Resolving it at import keeps every draw fast from the first example on, so the health checks and the
# deadline of hypothesis' default settings hold for a test that uses these strategies.
_CHARACTERS = st.characters(exclude_categories=_SURROGATES)
_CHARACTERS.validate()

# hypothesis takes naive bounds and a time zone
_DATE_MIN = CREATED_DATE_MIN.replace(tzinfo=None)
_DATE_MAX = (CREATED_DATE_END - dt.timedelta(microseconds=1)).replace(tzinfo=None)

# --- timestamps --------------------------------------------------------------------------------------------------


def created_dates() -> st.SearchStrategy[dt.datetime]:
    """Generate ``createdDate`` values: aware datetimes in UTC from 1970 through 2199.

    They come back from botocore equal, to the microsecond (as the same instant,
    in botocore's local time zone). An instant in an hour the local zone repeats
    (clocks set back) is not drawn: botocore reads it into that hour, and under
    PEP 495 such a time equals no time of another zone.
    Shrinks towards 2000-01-01 00:00 UTC.
    """
    return instants(_DATE_MIN, _DATE_MAX)


def instants(low: dt.datetime, high: dt.datetime) -> st.SearchStrategy[dt.datetime]:
    """Aware datetimes in UTC from ``low`` to ``high`` (naive, UTC) that botocore returns as equal datetimes."""
    return (
        st.datetimes(min_value=low, max_value=high, timezones=st.just(dt.timezone.utc))
        .map(_without_fold)
        .filter(comes_back_equal)
    )


def _without_fold(value: dt.datetime) -> dt.datetime:
    """Hypothesis sets ``fold=1`` at random; it means nothing in UTC, so keep the repr plain."""
    return value.replace(fold=0)


def comes_back_equal(value: dt.datetime) -> bool:
    """Whether botocore reads ``value``, sent as epoch seconds, as a datetime equal to it.

    botocore parses a timestamp into the local zone (dateutil's ``tzlocal``, read
    when it parses: the zone of the draw is the zone of the call). A local time in
    a repeated hour is unequal to every time of another zone (PEP 495), so the
    instants the local zone puts there never come back equal.
    """
    seconds = (value - CREATED_DATE_MIN).total_seconds()  # as the stub sends it
    # as JSON text: botocore reads the number it decodes, and this text of it, alike
    return bool(botocore.utils.parse_timestamp(repr(seconds)) == value)


# --- the model's patterns ----------------------------------------------------------------------------------------

#: A pattern that is one character class repeated: ``[a-zA-Z0-9:_-]+``, ``^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$``.
_ONE_CLASS = re.compile(r"\^?\(?\[((?:\\p\{\w+\}|\\.|[^\]\\])+)\]([*+])\)?\$?")
_CATEGORY = re.compile(r"\\p\{(\w+)\}")
#: The Unicode general categories (and their major classes) hypothesis's characters() takes.
_UNICODE_CATEGORIES = frozenset(
    ("L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Ps", "Pe",
     "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So", "Z", "Zs", "Zl", "Zp", "C", "Cc", "Cf", "Cs", "Co", "Cn")
)  # fmt: skip
#: The model's URN pattern (``Urn``, ``FlowTemplateFilterValue``, ``SystemTemplateFilterValue``).
URN_PATTERN = (
    r"^urn:tdm:(([a-z]{2}-(gov-)?[a-z]{4,9}-[0-9]{1,3}/[0-9]+/)*[\p{Alnum}_]+(/[\p{Alnum}_]+)*)"
    r":([\p{Alpha}]*):([\p{Alnum}_]+(/[\p{Alnum}_]+)*)$"
)


def _simple_first(character: str) -> tuple[bool, bool, bool, str]:
    """Digits, then lower and upper case letters, then the rest: text shrinks towards ``0``."""
    return (not character.isdigit(), not character.islower(), not character.isupper(), character)


def _ordered(characters: str) -> str:
    return "".join(sorted(characters, key=_simple_first))


def _class_characters(body: str) -> st.SearchStrategy[str]:
    """The characters the Java character class ``[body]`` admits, as the stub's check reads it."""
    matcher = _patterns.compiled(f"[{body}]")
    in_ascii = _ordered("".join(c for c in map(chr, range(128)) if matcher.fullmatch(c)))
    categories = [name for name in _CATEGORY.findall(body) if name not in _patterns.JAVA_POSIX_CLASSES]
    if not categories:
        return st.sampled_from(in_ascii)
    # hypothesis's Unicode tables are Python's; the filter keeps to the regex library's, whatever their versions
    characters = st.characters(categories=categories, include_characters=in_ascii).filter(matcher.fullmatch)
    characters.validate()
    return characters


_LOWER = string.ascii_lowercase
_WORD = _ordered(string.ascii_letters + string.digits + "_")
_REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1", "us-gov-west-1")
_URN_KINDS = ("device", "deviceModel", "capability", "service", "action", "event", "property", "state", "enum")


def _urn_regions() -> st.SearchStrategy[str]:
    made_up = st.builds(
        "{}-{}{}-{}".format,
        st.text(_LOWER, min_size=2, max_size=2),
        st.sampled_from(("", "gov-")),
        st.text(_LOWER, min_size=4, max_size=9),
        st.text(string.digits, min_size=1, max_size=3),
    )
    return st.one_of(st.sampled_from(_REGIONS), made_up)


def _urn_paths() -> st.SearchStrategy[str]:
    return st.lists(st.text(_WORD, min_size=1, max_size=12), min_size=1, max_size=3).map("/".join)


@st.composite
def _build_urns(draw: st.DrawFn, prefixes: st.SearchStrategy[list[str]], paths: st.SearchStrategy[str],
                kinds: st.SearchStrategy[str], high: int) -> str:  # fmt: skip
    head = "urn:tdm:" + "".join(draw(prefixes)) + draw(paths) + ":" + draw(kinds) + ":"
    assume(len(head) < high)  # at most 132 characters: always, for the model's 160
    return head + draw(paths)[: high - len(head)].rstrip("/")


def _urns(low: int, high: int | None) -> st.SearchStrategy[str]:
    """``urn:tdm:[region/account/]namespace:kind:name``, each part as the pattern allows, at most ``high`` long."""
    prefixes = st.lists(
        st.builds("{}/{}/".format, _urn_regions(), st.text(string.digits, min_size=1, max_size=12)), max_size=2
    )
    kinds = st.one_of(st.text(string.ascii_letters, max_size=16), st.sampled_from(_URN_KINDS))
    urns = _build_urns(prefixes, _urn_paths(), kinds, 160 if high is None else high)
    return urns.filter(lambda urn: len(urn) >= low) if low > len("urn:tdm:0::0") else urns


#: Patterns that are no single class, built from their parts: hypothesis's from_regex draws them slowly and long.
_PATTERN_BUILDERS: dict[str, Callable[[int, int | None], st.SearchStrategy[str]]] = {URN_PATTERN: _urns}


def _pattern_texts(pattern: str, low: int, high: int | None) -> st.SearchStrategy[str]:
    """Text of ``low`` to ``high`` code points that fits the model's Java ``pattern`` (as ``_patterns.fits`` reads it).

    A pattern that is one character class repeated is drawn as text of that class;
    the URN pattern is built from its parts; any other pattern is drawn slowly.
    """
    one_class = _ONE_CLASS.fullmatch(pattern)
    if one_class and set(_CATEGORY.findall(one_class.group(1))) <= _UNICODE_CATEGORIES | set(
        _patterns.JAVA_POSIX_CLASSES
    ):
        body, repeat = one_class.groups()
        return st.text(_class_characters(body), min_size=max(low, repeat == "+"), max_size=high)
    if pattern in _PATTERN_BUILDERS:
        return _PATTERN_BUILDERS[pattern](low, high)
    return _slow_pattern_texts(pattern, low, high)


def _slow_pattern_texts(pattern: str, low: int, high: int | None) -> st.SearchStrategy[str]:
    """Any other pattern: hypothesis's from_regex where Python's ``re`` reads it, else text that happens to fit."""

    def fits(value: str) -> bool:
        return low <= len(value) <= (len(value) if high is None else high) and _patterns.fits(pattern, value)

    try:
        compiled = re.compile(_patterns.translate(pattern))
    except re.error:
        return st.text(_CHARACTERS, min_size=low, max_size=high).filter(fits)
    return st.from_regex(compiled, fullmatch=True).filter(fits)


# --- shapes ------------------------------------------------------------------------------------------------------

_BUILT: dict[str, st.SearchStrategy[Any]] = {}


def shape_values(shape: Shape) -> st.SearchStrategy[Any]:
    """Every value of ``shape`` as boto3 takes and returns it (one strategy per shape, built once)."""
    built = _BUILT.get(shape.name)
    if built is None:
        built = _BUILT[shape.name] = _build(shape)
    return built


def _build(shape: Shape) -> st.SearchStrategy[Any]:
    kind = shape.type_name
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if isinstance(shape, StructureShape):
        required = shape.required_members
        members = shape.members
        return st.fixed_dictionaries(
            {name: shape_values(members[name]) for name in required},
            optional={name: shape_values(member) for name, member in members.items() if name not in required},
        )
    if isinstance(shape, ListShape):
        return st.lists(shape_values(shape.member), min_size=low or 0, max_size=_most(low, high))
    if isinstance(shape, StringShape):
        if shape.enum:
            return st.sampled_from(shape.enum)
        pattern = shape.metadata.get("pattern")
        if pattern is not None:
            return _pattern_texts(pattern, low or 0, high)
        return st.text(_CHARACTERS, min_size=low or 0, max_size=high)
    if kind in _INTEGER_RANGE:
        return st.integers(*value_range(shape))
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return created_dates()
    raise NotImplementedError(f"{shape.name} is a {kind}, which the stub cannot answer")  # pragma: no cover


def _most(low: int | None, high: int | None) -> int:
    return high if high is not None else max(low or 0, UNBOUNDED_ITEMS)


# --- the two strategies ------------------------------------------------------------------------------------------

#: Where each upload operation's requests and responses are drawn instead.
_UPLOAD_STRATEGIES = {
    ("GetUploadStatus", "requests"): "st.fixed_dictionaries({'uploadId': upload_ids()})",
    ("GetUploadStatus", "responses"): "get_upload_status_responses()",
    ("UploadEntityDefinitions", "requests"): "upload_entity_definitions_requests()",
    ("UploadEntityDefinitions", "responses"): "st.fixed_dictionaries({'uploadId': upload_ids()})",
}
_UPLOAD_NAMES = {name: api for api in STUBBED_OPERATIONS for name in (api, _model.method_name(api))}


def _operation(function: str, operation: object, drawn: Literal["requests", "responses"]) -> str:
    """The API name of ``operation``; ``InvalidArgument`` for an upload operation or an unknown name."""
    where = f"{function}({operation!r})"
    upload = _UPLOAD_NAMES.get(operation) if isinstance(operation, str) else None
    if upload is not None:
        raise InvalidArgument(
            f"{where}: {upload} is an upload operation, scripted with stub.add_upload and "
            f"stub.on_upload_entity_definitions rather than add_response: draw its {drawn} "
            f"with {_UPLOAD_STRATEGIES[upload, drawn]}."
        )
    try:
        return _model.resolve(operation, where=where)
    except UsageError as error:
        raise InvalidArgument(str(error)) from None


@functools.cache
def _requests(operation: str) -> st.SearchStrategy[dict[str, Any]]:
    shape = _model.operation_model(operation).input_shape
    return st.just({}) if shape is None else shape_values(shape)


@functools.cache
def _responses(operation: str) -> st.SearchStrategy[dict[str, Any]]:
    shape = _model.operation_model(operation).output_shape
    return st.just({}) if shape is None else shape_values(shape)


def operation_requests(operation: str, /) -> st.SearchStrategy[dict[str, Any]]:
    """Generate valid requests of ``operation``, as the keyword arguments of its boto3 method.

    ``operation`` is the API name (``"SearchEntities"``) or the client's method
    (``"search_entities"``) of any operation ``add_response`` answers. Each
    request has every member the input shape requires and any of the others, each
    within its shape's type, enum, lengths, range and pattern, so that botocore's
    parameter validator and the stub's check of the request both accept it.
    Shrinks towards the required members alone, each at its smallest: the
    shortest text (``""``, or ``"0"`` where a character is needed), ``0`` or the
    minimum, the first enum value, ``urn:tdm:0::0``, 2000-01-01 00:00 UTC, lists
    as short as their shape allows: ``{"entityId": "urn:tdm:0::0"}`` for SearchThings.
    """
    return _requests(_operation("operation_requests", operation, "requests"))


def operation_responses(operation: str, /) -> st.SearchStrategy[dict[str, Any]]:
    """Generate valid answers of ``operation``, as boto3 returns them (without ``ResponseMetadata``).

    ``operation`` is named as for :func:`operation_requests`. Each answer has every
    member the output shape requires and any of the others, each within its
    shape's constraints: ``stub.add_response(operation, answer)`` takes it, and the
    client returns it equal (timestamps are :func:`created_dates`).
    Shrinks towards the required members alone (``{}`` for most operations).
    """
    return _responses(_operation("operation_responses", operation, "responses"))

"""Hypothesis strategies: upload IDs, responses, service errors, scripts, invalid requests, and any operation's.

Importing this module imports hypothesis, an optional dependency (``pip install
pytest-thingsgraph[hypothesis]``); importing :mod:`pytest_thingsgraph` or loading
the plugin does not.

Every strategy takes keyword arguments only (but the operation, which
:func:`operation_requests` and :func:`operation_responses` take first) and returns a
:class:`hypothesis.strategies.SearchStrategy`. Generated values are what the
documented shapes (botocore's ``iotthingsgraph`` model) admit, and what
:meth:`~pytest_thingsgraph.ThingsGraphStub.add_upload` accepts:

- text is any Unicode except lone surrogates (JSON and pydantic carry
  everything else), lengths counted in code points as botocore counts them;
- ``createdDate`` is an aware :class:`~datetime.datetime` in UTC, from 1970
  to 2199 (the range the stub takes: botocore reads it as float epoch seconds),
  never in an hour the local zone repeats (botocore's datetime would be unequal);
- :func:`operation_requests` and :func:`operation_responses` draw the requests
  and answers of every operation ``add_response`` answers, from botocore's model.

Use them with ``mock_thingsgraph()`` inside the test body, one stub per example::

    @given(upload_id=upload_ids(), script=scripts())
    def test_waits_for_upload(upload_id, script):
        with mock_thingsgraph() as stub:
            stub.add_upload(upload_id, script)
            ...
"""

from __future__ import annotations

import string
from collections.abc import Callable, Collection, Sequence
from typing import Any, Literal, TypeAlias

try:
    from hypothesis import strategies as st
    from hypothesis.errors import InvalidArgument
except ModuleNotFoundError as error:  # pragma: no cover - tested in a subprocess without hypothesis
    raise ImportError(
        "pytest_thingsgraph.strategies needs hypothesis: install it with pip install 'pytest-thingsgraph[hypothesis]'."
    ) from error

from ._errors import ServiceError
from ._operation_strategies import _CHARACTERS, created_dates, operation_requests, operation_responses
from ._service import (
    NAMESPACE_NAME_MAX,
    TERMINAL_STATUSES,
    UPLOAD_ERRORS,
    UPLOAD_ID_MAX,
    UPLOAD_ID_MIN,
    UPLOAD_STATUSES,
    VERSION_MAX,
    VERSION_MIN,
    UploadStatus,
)
from ._types import ScriptItem

__all__ = [
    "INVALID_REQUEST_KINDS",
    "TRANSIENT_ERRORS",
    "InvalidRequestKind",
    "JSONValue",
    "created_dates",
    "get_upload_status_responses",
    "invalid_get_upload_status_requests",
    "operation_requests",
    "operation_responses",
    "scripts",
    "service_errors",
    "upload_entity_definitions_requests",
    "upload_ids",
    "upload_statuses",
]

#: A value :func:`json.dumps` encodes as it is (finite floats only).
JSONValue: TypeAlias = bool | int | float | str | list["JSONValue"] | dict[str, "JSONValue"] | None

#: The ways :func:`invalid_get_upload_status_requests` breaks a GetUploadStatus request body.
InvalidRequestKind = Literal["missing", "empty", "too_long", "wrong_type", "extra_member", "not_an_object"]
INVALID_REQUEST_KINDS: tuple[InvalidRequestKind, ...] = (
    "missing",
    "empty",
    "too_long",
    "wrong_type",
    "extra_member",
    "not_an_object",
)

_TERMINAL: tuple[UploadStatus, ...] = tuple(status for status in UPLOAD_STATUSES if status in TERMINAL_STATUSES)

# Digits first: text drawn from this alphabet shrinks towards "0".
_ID_ALPHABET = string.digits + string.ascii_letters + "-_"
_REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1")

_DIGITS = st.sampled_from(string.digits)


def _unicode(*, min_size: int = 0, max_size: int | None = None) -> st.SearchStrategy[str]:
    """Any text JSON and pydantic carry: every code point but the surrogates."""
    return st.text(_CHARACTERS, min_size=min_size, max_size=max_size)


def _ascii_ids(*, min_size: int, max_size: int | None) -> st.SearchStrategy[str]:
    return st.text(_ID_ALPHABET, min_size=min_size, max_size=max_size)


def upload_ids() -> st.SearchStrategy[str]:
    """Generate every ``uploadId`` the documented shape admits.

    That is any string of 1 to 40 code points (botocore counts ``len(str)``)
    of any Unicode but lone surrogates, with realistic IDs (UUIDs, ASCII
    letters and digits) drawn often. Shrinks towards short ASCII: ``"0"``.
    """
    return st.one_of(
        _ascii_ids(min_size=UPLOAD_ID_MIN, max_size=UPLOAD_ID_MAX),
        st.uuids().map(str),
        _unicode(min_size=UPLOAD_ID_MIN, max_size=UPLOAD_ID_MAX),
    )


def upload_statuses(*, terminal: bool | None = None) -> st.SearchStrategy[UploadStatus]:
    """Generate ``uploadStatus`` values: ``IN_PROGRESS``, ``SUCCEEDED`` and ``FAILED``.

    ``terminal=True`` generates only ``SUCCEEDED`` and ``FAILED``,
    ``terminal=False`` only ``IN_PROGRESS``; ``None`` all three.
    Shrinks towards ``IN_PROGRESS`` (``SUCCEEDED`` with ``terminal=True``).
    """
    if terminal is None:
        return st.sampled_from(UPLOAD_STATUSES)
    _check_bool("upload_statuses", "terminal", terminal)
    return st.sampled_from(_TERMINAL) if terminal else st.just("IN_PROGRESS")


def _namespace_names() -> st.SearchStrategy[str]:
    return st.one_of(_ascii_ids(min_size=0, max_size=32), _unicode(max_size=NAMESPACE_NAME_MAX))


def _namespace_arns() -> st.SearchStrategy[str]:
    realistic = st.builds(
        "arn:aws:iotthingsgraph:{}:{}:Namespace/{}".format,
        st.sampled_from(_REGIONS),
        st.text(_DIGITS, min_size=12, max_size=12),  # an account ID
        _ascii_ids(min_size=1, max_size=32),
    )
    return st.one_of(realistic, _unicode())


def _namespace_versions() -> st.SearchStrategy[int]:
    return st.one_of(st.integers(1, 100), st.integers(VERSION_MIN, VERSION_MAX))


def _failure_reasons() -> st.SearchStrategy[list[str]]:
    return st.lists(_unicode(max_size=200), max_size=5)


def _optional_members() -> dict[str, st.SearchStrategy[Any]]:
    return {
        "namespaceArn": _namespace_arns(),
        "namespaceName": _namespace_names(),
        "namespaceVersion": _namespace_versions(),
        "failureReason": _failure_reasons(),
    }


def get_upload_status_responses(
    *,
    upload_id: str | st.SearchStrategy[str] | None = None,
    status: UploadStatus | st.SearchStrategy[UploadStatus] | None = None,
) -> st.SearchStrategy[dict[str, Any]]:
    """Generate valid GetUploadStatus response bodies, as boto3 returns them (without ``ResponseMetadata``).

    Each is a dict with ``uploadId``, ``uploadStatus`` and ``createdDate`` (an
    aware datetime in UTC, 1970-2199), and each of ``namespaceArn``,
    ``namespaceName`` (at most 128 code points), ``namespaceVersion`` (a
    64-bit int) and ``failureReason`` (a list of text, with any status, as
    the shape allows) present or absent. A dict is a valid ``add_upload``
    script item for its own ``uploadId``, and equals what boto3 returns for it.

    ``upload_id`` and ``status`` fix a member, as a value or a strategy;
    by default they come from :func:`upload_ids` and :func:`upload_statuses`.
    Shrinks towards ``{"uploadId": "0", "uploadStatus": "IN_PROGRESS",
    "createdDate": 2000-01-01 00:00 UTC}``, the optional members absent.
    """
    ids = _value_or_strategy("get_upload_status_responses", "upload_id", upload_id, upload_ids(), _check_upload_id)
    statuses = _value_or_strategy("get_upload_status_responses", "status", status, upload_statuses(), _check_status)
    return st.fixed_dictionaries(
        {"uploadId": ids, "uploadStatus": statuses, "createdDate": created_dates()},
        optional=_optional_members(),
    )


#: The documented errors a poll may meet while an upload is in progress; botocore retries both.
TRANSIENT_ERRORS: tuple[str, ...] = ("ThrottlingException", "InternalFailureException")


def service_errors(*, codes: Sequence[str] | None = None) -> st.SearchStrategy[ServiceError]:
    """Generate :class:`~pytest_thingsgraph.ServiceError` script items for the documented errors.

    ``codes`` picks from ``InvalidRequestException`` (400),
    ``ResourceNotFoundException`` (404), ``InternalFailureException`` (500)
    and ``ThrottlingException`` (400), all four by default; each error has its
    documented status and a message of any text. Shrinks towards the first
    code (``InvalidRequestException`` by default) with an empty message.
    """
    if codes is None:
        chosen: tuple[str, ...] = tuple(UPLOAD_ERRORS)
    else:
        if isinstance(codes, str) or not isinstance(codes, Sequence):
            raise InvalidArgument(f"service_errors(codes={codes!r}): pass a sequence of error codes, such as a list.")
        chosen = tuple(codes)
        unknown = [code for code in chosen if code not in UPLOAD_ERRORS]
        if unknown or not chosen:
            raise InvalidArgument(f"service_errors(codes={codes!r}): pick one or more of {', '.join(UPLOAD_ERRORS)}.")
    messages = st.one_of(st.just(""), st.sampled_from(("Rate exceeded", "Internal failure")), _unicode(max_size=200))
    return st.builds(ServiceError, st.sampled_from(chosen), messages)


def _script_statuses(statuses: st.SearchStrategy[UploadStatus]) -> st.SearchStrategy[ScriptItem]:
    """One status item: the bare status, or a dict of members merged over the upload's defaults.

    In a dict, ``None`` removes a member ``add_upload`` set; ``uploadId`` is
    left out (the stub echoes the upload's own) and ``createdDate`` is never
    ``None`` (it is required).
    """
    optional: dict[str, st.SearchStrategy[Any]] = {
        name: st.one_of(st.none(), values) for name, values in _optional_members().items()
    }
    optional["createdDate"] = created_dates()
    members = st.fixed_dictionaries({"uploadStatus": statuses}, optional=optional)
    return st.one_of(statuses, members)


@st.composite
def _build_scripts(
    draw: st.DrawFn,
    max_polls: int,
    error_runs: st.SearchStrategy[list[ServiceError]] | None,
    polling: st.SearchStrategy[ScriptItem],
    last: st.SearchStrategy[ScriptItem],
    trailing_errors: bool,
) -> list[ScriptItem]:
    # The strategies come in built: building them on every draw would make each example slow.
    polls = draw(st.integers(1, max_polls))
    script: list[ScriptItem] = []
    for poll in range(polls):
        if error_runs is not None:
            script.extend(draw(error_runs))
        script.append(draw(last if poll == polls - 1 else polling))
    if trailing_errors and error_runs is not None:
        script.extend(draw(error_runs))
    return script


def scripts(
    *,
    max_polls: int = 5,
    errors: bool | st.SearchStrategy[ServiceError] = True,
    terminal: bool = True,
    max_consecutive_errors: int = 2,
) -> st.SearchStrategy[list[ScriptItem]]:
    """Generate scripts as ``add_upload`` takes them: ``IN_PROGRESS`` polls, errors between them, then the end.

    A script answers 1 to ``max_polls`` upload statuses, each status item the
    bare status or a dict of response members (``None`` removing one that
    ``add_upload`` set). With ``terminal=True`` the last status is
    ``SUCCEEDED`` or ``FAILED`` and every other ``IN_PROGRESS``, so polling
    until a terminal status consumes the whole script; with
    ``terminal=False`` every status is ``IN_PROGRESS`` and errors may trail,
    for code that gives up (the stub raises StubError if it polls past the end).

    Before each status come up to ``max_consecutive_errors`` service errors:
    with ``errors=True`` the transient ones a service answers while an upload
    is in progress (``ThrottlingException`` and ``InternalFailureException``,
    which botocore retries), from the strategy given (say
    ``service_errors()`` for all four documented errors), or none with
    ``errors=False``. Each item is one HTTP attempt, so botocore's retries
    consume them; the default of 2 lets botocore's standard mode (3 attempts)
    always get past them.
    Shrinks towards ``["SUCCEEDED"]`` (``["IN_PROGRESS"]`` with ``terminal=False``).
    """
    _check_int("scripts", "max_polls", max_polls, minimum=1)
    _check_int("scripts", "max_consecutive_errors", max_consecutive_errors, minimum=0)
    _check_bool("scripts", "terminal", terminal)
    error_items: st.SearchStrategy[ServiceError] | None
    if isinstance(errors, bool):
        error_items = service_errors(codes=TRANSIENT_ERRORS) if errors else None
    elif isinstance(errors, st.SearchStrategy):
        error_items = errors
    else:
        raise InvalidArgument(f"scripts(errors={errors!r}): pass True, False or a strategy of ServiceError.")
    error_runs = (
        None
        if error_items is None or max_consecutive_errors == 0
        else st.lists(error_items, max_size=max_consecutive_errors)
    )
    polling = _script_statuses(st.just("IN_PROGRESS"))
    last = _script_statuses(upload_statuses(terminal=True)) if terminal else polling
    return _build_scripts(max_polls, error_runs, polling, last, not terminal)


def _json_scalars() -> st.SearchStrategy[JSONValue]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        _unicode(max_size=20),
    )


def _json_containers(children: st.SearchStrategy[JSONValue]) -> st.SearchStrategy[JSONValue]:
    return st.one_of(st.lists(children, max_size=3), st.dictionaries(_unicode(max_size=10), children, max_size=3))


def _json_values() -> st.SearchStrategy[JSONValue]:
    return st.recursive(_json_scalars(), _json_containers, max_leaves=8)


def _not_strings() -> st.SearchStrategy[JSONValue]:
    """JSON values of every type but string and null."""
    return st.one_of(
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        _json_containers(_json_values()),
    )


def _extra_member_names() -> st.SearchStrategy[str]:
    near_misses = st.sampled_from(("UploadId", "uploadID", "upload_id", "uploadid", "namespaceName", ""))
    return st.one_of(near_misses, _unicode(max_size=20)).filter(lambda name: name != "uploadId")


def _invalid_requests(kind: InvalidRequestKind) -> st.SearchStrategy[JSONValue]:
    if kind == "missing":  # JSON null counts as missing (nested one_of flattens: {} stays the shrink target)
        return st.one_of(st.just({}), st.just({"uploadId": None}))
    if kind == "empty":
        return st.just({"uploadId": ""})
    if kind == "too_long":
        too_long = st.one_of(
            _ascii_ids(min_size=UPLOAD_ID_MAX + 1, max_size=2 * UPLOAD_ID_MAX),
            _unicode(min_size=UPLOAD_ID_MAX + 1, max_size=2 * UPLOAD_ID_MAX),
        )
        return st.builds(lambda upload_id: {"uploadId": upload_id}, too_long)
    if kind == "wrong_type":
        return st.builds(lambda value: {"uploadId": value}, _not_strings())
    if kind == "extra_member":
        extras = st.dictionaries(_extra_member_names(), _json_values(), min_size=1, max_size=3)
        return st.builds(lambda upload_id, more: {"uploadId": upload_id, **more}, upload_ids(), extras)
    return st.one_of(_json_scalars(), st.lists(_json_values(), max_size=3))


def invalid_get_upload_status_requests(
    *, kinds: Collection[InvalidRequestKind] = INVALID_REQUEST_KINDS
) -> st.SearchStrategy[JSONValue]:
    """Generate GetUploadStatus request bodies that break the documented shape, as JSON-able Python values.

    A value is the body before ``json.dumps``: send it on the wire, or pass
    it as ``client.get_upload_status(**body)`` to a client made with
    ``Config(parameter_validation=False)`` where botocore's serializer can
    express it (kinds ``missing``, ``empty``, ``too_long``, ``wrong_type``).
    Each value breaks the shape in one way, one of ``kinds``:

    - ``missing``: no ``uploadId`` (``{}``, or ``null``);
    - ``empty``: ``uploadId`` is ``""``;
    - ``too_long``: ``uploadId`` has 41 to 80 code points;
    - ``wrong_type``: ``uploadId`` is a number, boolean, array or object;
    - ``extra_member``: a valid ``uploadId`` and one to three other members;
    - ``not_an_object``: the body is an array, string, number, boolean or null.

    The service answers the type errors (``wrong_type``, ``not_an_object``)
    with ``SerializationException`` and the others with
    ``InvalidRequestException``, both 400. Shrinks towards earlier kinds and
    shorter bodies: ``{}`` by default (a kind with fewer choices to make, such
    as ``empty``, can win over an earlier one).
    """
    if isinstance(kinds, str) or not isinstance(kinds, Collection):
        raise InvalidArgument(f"invalid_get_upload_status_requests(kinds={kinds!r}): pass a collection of kinds.")
    # A sequence keeps its order (earlier kinds are shrink targets); a set takes the documented order.
    chosen = list(dict.fromkeys(kinds)) if isinstance(kinds, Sequence) else sorted(kinds, key=_kind_order)
    if not chosen or any(kind not in INVALID_REQUEST_KINDS for kind in chosen):
        raise InvalidArgument(
            f"invalid_get_upload_status_requests(kinds={kinds!r}): "
            f"pick one or more of {', '.join(INVALID_REQUEST_KINDS)}."
        )
    return st.one_of([_invalid_requests(kind) for kind in chosen])


def _kind_order(kind: str) -> int:
    return INVALID_REQUEST_KINDS.index(kind) if kind in INVALID_REQUEST_KINDS else len(INVALID_REQUEST_KINDS)


def _check_upload_id(where: str, value: object) -> None:
    if (
        not isinstance(value, str)
        or not UPLOAD_ID_MIN <= len(value) <= UPLOAD_ID_MAX
        or any("\ud800" <= character <= "\udfff" for character in value)
    ):
        raise InvalidArgument(
            f"{where}: {value!r} is not an upload ID: pass a str of {UPLOAD_ID_MIN} to {UPLOAD_ID_MAX} characters, "
            "none of them a lone surrogate."
        )


def _check_status(where: str, value: object) -> None:
    if value not in UPLOAD_STATUSES:
        raise InvalidArgument(f"{where}: {value!r} is not an upload status: pass one of {', '.join(UPLOAD_STATUSES)}.")


def _value_or_strategy(
    function: str, name: str, value: object, default: st.SearchStrategy[Any], check: Callable[[str, object], None]
) -> st.SearchStrategy[Any]:
    if value is None:
        return default
    if isinstance(value, st.SearchStrategy):
        return value
    check(f"{function}({name}={value!r})", value)
    return st.just(value)


def upload_entity_definitions_requests(*, max_text_size: int = 200) -> st.SearchStrategy[dict[str, JSONValue]]:
    """Generate valid UploadEntityDefinitionsRequest bodies, as JSON-able dicts.

    Each has a ``GRAPHQL`` document whose text is any string of up to
    ``max_text_size`` code points (the service takes up to 1 MiB), or no
    document and ``syncWithPublicNamespace`` or ``deprecateExistingEntities``
    true; either flag may be present or absent, true or false, where that
    stays valid. Shrinks towards ``{"document": {"language": "GRAPHQL", "text": ""}}``.
    """
    _check_int("upload_entity_definitions_requests", "max_text_size", max_text_size, minimum=0)
    flags = {"syncWithPublicNamespace": st.booleans(), "deprecateExistingEntities": st.booleans()}
    documents = st.fixed_dictionaries(
        {"language": st.just("GRAPHQL"), "text": _unicode(max_size=max_text_size)},
    )
    with_document = st.fixed_dictionaries({"document": documents}, optional=flags)
    without_document = st.sampled_from(sorted(flags)).flatmap(
        lambda flag: st.fixed_dictionaries(
            {flag: st.just(True)}, optional={k: v for k, v in flags.items() if k != flag}
        )
    )
    requests: st.SearchStrategy[dict[str, JSONValue]] = st.one_of(with_document, without_document)
    return requests


def _check_int(function: str, name: str, value: object, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidArgument(f"{function}({name}={value!r}): pass an int of at least {minimum}.")


def _check_bool(function: str, name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidArgument(f"{function}({name}={value!r}): pass True or False.")

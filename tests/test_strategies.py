"""pytest_thingsgraph.strategies: its public API, and that every value it generates is valid (on random examples;
``tests/test_strategy_ranges.py`` checks each documented range and kind deterministically)."""

from __future__ import annotations

import datetime as dt
import inspect
import json
import subprocess
import sys
import typing
from collections.abc import Callable
from typing import Any

import pytest
from helpers import OPTIONAL_MEMBERS, examples, invalid_kind, is_surrogate, validation_errors
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from pytest_thingsgraph import ServiceError, ThingsGraphStub, strategies
from pytest_thingsgraph._service import DOCUMENTED_ERRORS, UPLOAD_ERRORS
from pytest_thingsgraph.models import TERMINAL_STATUSES, UPLOAD_STATUSES, GetUploadStatusResponse
from pytest_thingsgraph.strategies import (
    INVALID_REQUEST_KINDS,
    created_dates,
    get_upload_status_responses,
    invalid_get_upload_status_requests,
    operation_requests,
    operation_responses,
    scripts,
    service_errors,
    upload_entity_definitions_requests,
    upload_ids,
    upload_statuses,
)

STRATEGIES: list[Callable[..., st.SearchStrategy[Any]]] = [
    getattr(strategies, name) for name in strategies.__all__ if inspect.isfunction(getattr(strategies, name))
]
STRATEGY_IDS = [function.__name__ for function in STRATEGIES]
#: The strategies made from botocore's model take the operation first, as add_response does.
OPERATION_STRATEGIES = {"operation_requests", "operation_responses"}


# ---------------------------------------------------------------------------------------------------------------------
# The API contract


def test_all_is_complete_and_exists() -> None:
    defined_here = {
        name
        for name, value in vars(strategies).items()
        if not name.startswith("_")
        and callable(value)
        and getattr(value, "__module__", None) == strategies.__name__
        and "__mutmut_" not in name  # the copies mutmut's trampolines add, under tox -e mutation
    }
    assert defined_here <= set(strategies.__all__), (
        f"public but not in __all__: {defined_here - set(strategies.__all__)}"
    )
    missing = [name for name in strategies.__all__ if not hasattr(strategies, name)]
    assert not missing, f"in __all__ but not defined: {missing}"
    assert len(set(strategies.__all__)) == len(strategies.__all__)
    assert {
        "upload_ids",
        "upload_statuses",
        "get_upload_status_responses",
        "service_errors",
        "scripts",
        "invalid_get_upload_status_requests",
        "operation_requests",
        "operation_responses",
    } <= set(STRATEGY_IDS)


@pytest.mark.parametrize("function", STRATEGIES, ids=STRATEGY_IDS)
def test_strategy_contract(function: Callable[..., st.SearchStrategy[Any]]) -> None:
    """Plural noun, keyword-only arguments (but the operation), typed as a SearchStrategy, documented with its shrink
    target."""
    assert function.__name__.endswith("s")
    parameters = list(inspect.signature(function).parameters.values())
    arguments: tuple[str, ...] = ()
    if function.__name__ in OPERATION_STRATEGIES:
        operation = parameters.pop(0)
        assert (operation.name, operation.kind) == ("operation", inspect.Parameter.POSITIONAL_ONLY)
        arguments = ("SearchThings",)
    for parameter in parameters:
        assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, f"{function.__name__}({parameter.name}) is positional"
        assert parameter.default is not inspect.Parameter.empty, f"{function.__name__}({parameter.name}) is required"
    returns = typing.get_type_hints(function)["return"]
    assert typing.get_origin(returns) is st.SearchStrategy
    doc = inspect.getdoc(function) or ""
    assert doc.startswith("Generate "), doc
    assert "Shrinks towards" in doc, f"{function.__name__} does not say what it shrinks towards"
    assert isinstance(function(*arguments), st.SearchStrategy)


@pytest.mark.parametrize(
    ("strategy", "target"),
    [
        (upload_ids(), "0"),
        (upload_statuses(), "IN_PROGRESS"),
        (upload_statuses(terminal=True), "SUCCEEDED"),
        (created_dates(), dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)),
        (
            get_upload_status_responses(),
            {
                "uploadId": "0",
                "uploadStatus": "IN_PROGRESS",
                "createdDate": dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc),
            },
        ),
        (service_errors(), ServiceError("InvalidRequestException")),
        (
            service_errors(codes=["ThrottlingException", "InternalFailureException"]),
            ServiceError("ThrottlingException"),
        ),
        (scripts(), ["SUCCEEDED"]),
        (scripts(terminal=False), ["IN_PROGRESS"]),
        (invalid_get_upload_status_requests(), {}),
        (upload_entity_definitions_requests(), {"document": {"language": "GRAPHQL", "text": ""}}),
        (operation_requests("SearchThings"), {"entityId": "urn:tdm:0::0"}),
        (operation_responses("DeploySystemInstance"), {"summary": {}}),
    ],
    ids=[
        "upload_ids",
        "upload_statuses",
        "upload_statuses-terminal",
        "created_dates",
        "get_upload_status_responses",
        "service_errors",
        "service_errors-codes",
        "scripts",
        "scripts-not-terminal",
        "invalid_get_upload_status_requests",
        "upload_entity_definitions_requests",
        "operation_requests",
        "operation_responses",
    ],
)
def test_documented_shrink_targets(strategy: st.SearchStrategy[Any], target: object) -> None:
    """The value every example shrinks towards is the one the docstring names."""
    # No explain phase (it replays the minimal example many times) and no database: this stays fast.
    minimal = find(strategy, lambda _: True, settings=settings(phases=[Phase.generate, Phase.shrink], database=None))
    assert minimal == target


@pytest.mark.parametrize(
    "make",
    [
        lambda: get_upload_status_responses(upload_id=""),
        lambda: get_upload_status_responses(upload_id="x" * 41),
        lambda: get_upload_status_responses(upload_id="\ud800"),
        lambda: get_upload_status_responses(status="DONE"),  # type: ignore[arg-type]
        lambda: service_errors(codes=[]),
        lambda: service_errors(codes="ThrottlingException"),
        lambda: service_errors(codes=["AccessDeniedException"]),
        lambda: scripts(max_polls=0),
        lambda: scripts(max_polls=True),
        lambda: scripts(max_consecutive_errors=-1),
        lambda: scripts(errors="yes"),  # type: ignore[arg-type]
        lambda: scripts(terminal=None),  # type: ignore[arg-type]
        lambda: upload_statuses(terminal=1),  # type: ignore[arg-type]
        lambda: invalid_get_upload_status_requests(kinds=[]),
        lambda: invalid_get_upload_status_requests(kinds="missing"),  # type: ignore[arg-type]
        lambda: invalid_get_upload_status_requests(kinds=["missing", "spurious"]),  # type: ignore[list-item]
        lambda: operation_requests("GetUploadStatus"),
        lambda: operation_responses("upload_entity_definitions"),
        lambda: operation_requests("SearchThing"),
    ],
)
def test_bad_arguments_are_refused(make: Callable[[], object]) -> None:
    with pytest.raises(InvalidArgument):
        make()


def test_importing_the_package_does_not_import_hypothesis() -> None:
    code = (
        "import sys\n"
        "import pytest_thingsgraph, pytest_thingsgraph.plugin\n"
        "from pytest_thingsgraph import mock_thingsgraph, ThingsGraphStub\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'hypothesis'))\n"
        "import pytest_thingsgraph.strategies\n"
        "print('hypothesis' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    before, after = result.stdout.splitlines()
    assert before == "[]", f"importing pytest_thingsgraph imported {before}"
    assert after == "True"


# ---------------------------------------------------------------------------------------------------------------------
# Every generated value is valid


@settings(max_examples=examples(100))
@given(upload_id=upload_ids())
def test_upload_ids_fit_the_documented_shape(upload_id: str) -> None:
    assert 1 <= len(upload_id) <= 40
    assert not any(map(is_surrogate, upload_id))
    assert validation_errors({"uploadId": upload_id}, "GetUploadStatus") == ""
    assert json.loads(json.dumps({"uploadId": upload_id})) == {"uploadId": upload_id}
    ThingsGraphStub().add_upload(upload_id, ["SUCCEEDED"])


@settings(max_examples=examples(10))
@given(status=upload_statuses(), terminal=upload_statuses(terminal=True), polling=upload_statuses(terminal=False))
def test_upload_statuses(status: str, terminal: str, polling: str) -> None:
    assert status in UPLOAD_STATUSES
    assert terminal in TERMINAL_STATUSES
    assert polling == "IN_PROGRESS"


@settings(max_examples=examples(50))
@given(created=created_dates())
def test_created_dates_are_utc_in_range(created: dt.datetime) -> None:
    assert created.tzinfo is dt.timezone.utc
    assert created.fold == 0
    assert dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) <= created < dt.datetime(2200, 1, 1, tzinfo=dt.timezone.utc)
    ThingsGraphStub().add_upload("upload", ["SUCCEEDED"], created_date=created)


@settings(max_examples=examples(100))
@given(body=get_upload_status_responses())
def test_responses_validate_and_are_script_items(body: dict[str, Any]) -> None:
    model = GetUploadStatusResponse.model_validate(body)
    assert model.model_dump(exclude_none=True) == body
    assert set(body) - set(OPTIONAL_MEMBERS) == {"uploadId", "uploadStatus", "createdDate"}
    assert body["createdDate"].tzinfo is dt.timezone.utc
    ThingsGraphStub().add_upload(body["uploadId"], [body])


@settings(max_examples=examples(20))
@given(data=st.data(), upload_id=upload_ids(), status=upload_statuses())
def test_responses_take_a_fixed_upload_id_and_status(data: st.DataObject, upload_id: str, status: str) -> None:
    fixed = data.draw(get_upload_status_responses(upload_id=upload_id, status=status))  # type: ignore[arg-type]
    assert (fixed["uploadId"], fixed["uploadStatus"]) == (upload_id, status)
    drawn = data.draw(get_upload_status_responses(upload_id=st.just(upload_id), status=upload_statuses(terminal=True)))
    assert drawn["uploadId"] == upload_id
    assert drawn["uploadStatus"] in TERMINAL_STATUSES


@settings(max_examples=examples(50))
@given(data=st.data(), codes=st.lists(st.sampled_from(UPLOAD_ERRORS), min_size=1, unique=True))
def test_service_errors_are_documented(data: st.DataObject, codes: list[str]) -> None:
    error = data.draw(service_errors())
    assert isinstance(error, ServiceError)
    assert error.status_code == DOCUMENTED_ERRORS[error.code]
    assert not any(map(is_surrogate, error.message))
    chosen = data.draw(service_errors(codes=codes))
    assert chosen.code in codes
    ThingsGraphStub().add_upload("upload", [error, chosen, "SUCCEEDED"])


def _check_script(
    script: list[Any], *, max_polls: int, terminal: bool, max_consecutive_errors: int, errors: bool = True
) -> None:
    ThingsGraphStub().add_upload("upload", script, namespace_name="defaults", failure_reason=["why"])
    statuses = [
        item if isinstance(item, str) else item["uploadStatus"] for item in script if not isinstance(item, ServiceError)
    ]
    assert 1 <= len(statuses) <= max_polls
    if terminal:
        assert statuses[-1] in TERMINAL_STATUSES
        assert not isinstance(script[-1], ServiceError)
        assert set(statuses[:-1]) <= {"IN_PROGRESS"}
    else:
        assert set(statuses) == {"IN_PROGRESS"}
    run = 0
    for item in script:
        run = run + 1 if isinstance(item, ServiceError) else 0
        assert run <= max_consecutive_errors
        assert errors or run == 0
    for item in script:
        if isinstance(item, dict):
            assert "uploadId" not in item
            assert item.get("createdDate", "absent") is not None  # a dict may not remove a required member


@settings(max_examples=examples(100))
@given(script=scripts())
def test_scripts_default(script: list[Any]) -> None:
    _check_script(script, max_polls=5, terminal=True, max_consecutive_errors=2)


@settings(max_examples=examples(50))
@given(
    data=st.data(),
    max_polls=st.integers(1, 4),
    terminal=st.booleans(),
    errors=st.booleans(),
    max_consecutive_errors=st.integers(0, 3),
)
def test_scripts_options(
    data: st.DataObject, max_polls: int, terminal: bool, errors: bool, max_consecutive_errors: int
) -> None:
    script = data.draw(
        scripts(max_polls=max_polls, terminal=terminal, errors=errors, max_consecutive_errors=max_consecutive_errors)
    )
    _check_script(
        script, max_polls=max_polls, terminal=terminal, max_consecutive_errors=max_consecutive_errors, errors=errors
    )


@settings(max_examples=examples(20))
@given(script=scripts(errors=service_errors(codes=["ThrottlingException"]), max_consecutive_errors=3))
def test_scripts_take_an_error_strategy(script: list[Any]) -> None:
    assert {item.code for item in script if isinstance(item, ServiceError)} <= {"ThrottlingException"}
    _check_script(script, max_polls=5, terminal=True, max_consecutive_errors=3)


@settings(max_examples=examples(100))
@given(body=invalid_get_upload_status_requests())
def test_invalid_requests_break_the_shape(body: Any) -> None:
    encoded = json.dumps(body, allow_nan=False)  # JSON-able as it is
    assert json.loads(encoded) == body
    # botocore's validator checks no maximum length: the service's own 40 is checked below
    assert validation_errors(body, "GetUploadStatus") != "" or invalid_kind(body) == "too_long"
    if invalid_kind(body) == "too_long":
        assert 41 <= len(body["uploadId"]) <= 80


@pytest.mark.parametrize("kind", INVALID_REQUEST_KINDS)
@settings(max_examples=examples(10))
@given(data=st.data())
def test_invalid_requests_of_one_kind(data: st.DataObject, kind: strategies.InvalidRequestKind) -> None:
    body = data.draw(invalid_get_upload_status_requests(kinds=[kind]))
    assert invalid_kind(body) == kind

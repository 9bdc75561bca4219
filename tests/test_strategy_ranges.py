"""What each strategy of pytest_thingsgraph.strategies draws, against its docstring: every documented kind and range
drawn, nothing outside.

``tests/test_strategies.py`` checks random examples; here each search is deterministic (``derandomize=True`` and a
fixed example count, whatever the active hypothesis profile), and every strategy is built inside the test body:

- every drawn value keeps to the documented bounds, both ends of each range are drawn, and each documented
  kind of value (status, error code, member, request kind, flag) is drawn;
- each strategy's documented shrink target;
- the keyword arguments: the exact ``InvalidArgument`` text of each refusal, and the edge values accepted.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from helpers import (
    OPTIONAL_MEMBERS,
    draws,
    invalid_kind,
    is_surrogate,
    longest,
    reach,
    refused,
    shrunk,
    smallest,
    validation_errors,
)
from hypothesis import HealthCheck, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample, Unsatisfiable

from pytest_thingsgraph import ServiceError, ThingsGraphStub, strategies
from pytest_thingsgraph.models import GetUploadStatusResponse
from pytest_thingsgraph.strategies import (
    InvalidRequestKind,
    created_dates,
    get_upload_status_responses,
    invalid_get_upload_status_requests,
    scripts,
    service_errors,
    upload_entity_definitions_requests,
    upload_ids,
    upload_statuses,
)

UTC = dt.timezone.utc
ID_ALPHABET = re.compile(r"[0-9A-Za-z_-]+")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
NAMESPACE_ARN = re.compile(r"arn:aws:iotthingsgraph:[a-z0-9-]+:[0-9]{12}:Namespace/[0-9A-Za-z_-]+")
TRANSIENT = {"ThrottlingException", "InternalFailureException"}
INT64 = (-(2**63), 2**63 - 1)


def has(member: str) -> Callable[[dict[str, Any]], bool]:
    return lambda body: member in body


def equal_to(expected: object) -> Callable[[object], bool]:
    return lambda value: value == expected


def document_with(flag: str, value: bool) -> Callable[[dict[str, Any]], bool]:
    return lambda body: "document" in body and body.get(flag) is value


def upload_id_of(body: dict[str, Any]) -> Any:
    return body["uploadId"]


def length_if(kind: Callable[[str], bool]) -> Callable[[str], int]:
    return lambda text: len(text) if kind(text) else 0


def is_not_ascii(text: str) -> bool:
    return not text.isascii()


# ---------------------------------------------------------------------------------------------------------------------
# upload_ids(): 1 to 40 code points, no lone surrogate, realistic IDs often; shrinks towards "0"


def is_realistic_ascii(upload_id: str) -> bool:
    return ID_ALPHABET.fullmatch(upload_id) is not None and UUID.fullmatch(upload_id) is None


def test_upload_ids_have_1_to_40_code_points_and_both_ends_are_drawn() -> None:
    for upload_id in draws(upload_ids()):
        assert 1 <= len(upload_id) <= 40, upload_id
        assert not any(map(is_surrogate, upload_id))
    assert len(smallest(upload_ids(), is_not_ascii)) == 1
    assert len(smallest(upload_ids(), is_realistic_ascii)) == 1


@pytest.mark.parametrize(
    ("kind", "examples"),
    [pytest.param(is_realistic_ascii, 4000, id="ascii"), pytest.param(is_not_ascii, 2000, id="unicode")],
)
def test_upload_ids_grown_on_purpose_stop_at_exactly_40(kind: Callable[[str], bool], examples: int) -> None:
    """Hypothesis's targeting phase lengthens the IDs of each kind as far as it can: to 40, never past."""
    assert longest(upload_ids(), length_if(kind), examples) == 40


def test_upload_ids_are_realistic_often() -> None:
    drawn = draws(upload_ids(), 200)
    uuids = [upload_id for upload_id in drawn if UUID.fullmatch(upload_id)]
    letters_and_digits = [
        upload_id for upload_id in drawn if ID_ALPHABET.fullmatch(upload_id) and upload_id not in uuids
    ]
    assert len(uuids) >= len(drawn) // 10
    assert len(letters_and_digits) >= len(drawn) // 10
    reach(upload_ids(), lambda upload_id: ID_ALPHABET.fullmatch(upload_id) is not None and len(upload_id) >= 20)
    assert shrunk(upload_ids()) == "0"


# A filter on len() is rewritten by hypothesis into the text strategies' min_size: the longest value a strategy
# can make is found at once, and a longer one is Unsatisfiable instead of merely rare.
FILTERED = settings(max_examples=20, database=None, suppress_health_check=list(HealthCheck))


def test_generated_upload_ids_reach_40_characters_and_never_more() -> None:
    assert len(find(upload_ids().filter(lambda upload_id: len(upload_id) >= 40), bool, settings=FILTERED)) == 40
    with pytest.raises(Unsatisfiable):
        find(upload_ids().filter(lambda upload_id: len(upload_id) > 40), bool, settings=FILTERED)


# ---------------------------------------------------------------------------------------------------------------------
# upload_statuses(terminal=...)


def test_upload_statuses_of_each_kind() -> None:
    assert set(draws(upload_statuses(), 100)) == {"IN_PROGRESS", "SUCCEEDED", "FAILED"}
    assert set(draws(upload_statuses(terminal=True), 100)) == {"SUCCEEDED", "FAILED"}
    assert set(draws(upload_statuses(terminal=False), 100)) == {"IN_PROGRESS"}
    assert shrunk(upload_statuses(terminal=True)) == "SUCCEEDED"


def test_upload_statuses_refuse_a_terminal_that_is_not_a_bool() -> None:
    one: Any = 1
    assert refused(lambda: upload_statuses(terminal=one)) == "upload_statuses(terminal=1): pass True or False."


# ---------------------------------------------------------------------------------------------------------------------
# created_dates(): aware, UTC, 1970 through 2199, fold 0


def test_created_dates_are_utc_from_1970_through_2199() -> None:
    for created in draws(created_dates()):
        assert created.tzinfo is UTC
        assert created.fold == 0
        assert dt.datetime(1970, 1, 1, tzinfo=UTC) <= created < dt.datetime(2200, 1, 1, tzinfo=UTC)
    assert longest(created_dates(), lambda created: created.year, 1000) == 2199
    assert longest(created_dates(), lambda created: -created.year, 1000) == -1970
    assert shrunk(created_dates()) == dt.datetime(2000, 1, 1, tzinfo=UTC)


# ---------------------------------------------------------------------------------------------------------------------
# get_upload_status_responses(upload_id=..., status=...)


def test_responses_are_valid_with_each_documented_member() -> None:
    for body in draws(get_upload_status_responses()):
        assert GetUploadStatusResponse.model_validate(body).model_dump(exclude_none=True) == body
        assert (
            {"uploadId", "uploadStatus", "createdDate"}
            <= set(body)
            <= {
                "uploadId",
                "uploadStatus",
                "createdDate",
                *OPTIONAL_MEMBERS,
            }
        )
        assert body["createdDate"].tzinfo is UTC
        assert len(body.get("namespaceName", "")) <= 128
        assert INT64[0] <= body.get("namespaceVersion", 0) <= INT64[1]
        assert all(isinstance(reason, str) for reason in body.get("failureReason", []))
    for member in OPTIONAL_MEMBERS:
        reach(get_upload_status_responses(), has(member))
    assert shrunk(get_upload_status_responses()) == {
        "uploadId": "0",
        "uploadStatus": "IN_PROGRESS",
        "createdDate": dt.datetime(2000, 1, 1, tzinfo=UTC),
    }


def test_response_members_reach_past_the_everyday_values() -> None:
    """Versions anywhere in the 64-bit range, names in any script, ARNs real and arbitrary."""
    responses = get_upload_status_responses()
    reach(responses, lambda body: not 1 <= body.get("namespaceVersion", 1) <= 100)
    reach(responses, lambda body: not body.get("namespaceName", "").isascii())
    reach(responses, lambda body: NAMESPACE_ARN.fullmatch(body.get("namespaceArn", "")) is not None)
    reach(responses, lambda body: "namespaceArn" in body and not body["namespaceArn"].startswith("arn:"))
    reach(responses, lambda body: any(body.get("failureReason", [])))
    for body in draws(responses):
        arn = body.get("namespaceArn", "")
        if arn.startswith("arn:aws:iotthingsgraph:"):
            assert NAMESPACE_ARN.fullmatch(arn), arn


def test_responses_take_a_fixed_upload_id_and_status() -> None:
    for body in draws(get_upload_status_responses(upload_id="upload-1", status="FAILED"), 30):
        assert (body["uploadId"], body["uploadStatus"]) == ("upload-1", "FAILED")
    for body in draws(get_upload_status_responses(upload_id=st.just("x"), status=upload_statuses(terminal=False)), 30):
        assert (body["uploadId"], body["uploadStatus"]) == ("x", "IN_PROGRESS")
    assert {body["uploadStatus"] for body in draws(get_upload_status_responses(upload_id="y"), 100)} == {
        "IN_PROGRESS",
        "SUCCEEDED",
        "FAILED",
    }
    assert {body["uploadId"] for body in draws(get_upload_status_responses(status="SUCCEEDED"), 30)} != {"y"}


@pytest.mark.parametrize("upload_id", ["a", "x" * 40, "\ud7ff", "\ue000", "Zz-_9"])
def test_responses_take_an_upload_id_at_the_edges(upload_id: str) -> None:
    body = reach(get_upload_status_responses(upload_id=upload_id), lambda _: True)
    assert body["uploadId"] == upload_id


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        (
            {"upload_id": ""},
            "get_upload_status_responses(upload_id=''): '' is not an upload ID: "
            "pass a str of 1 to 40 characters, none of them a lone surrogate.",
        ),
        (
            {"upload_id": "x" * 41},
            f"get_upload_status_responses(upload_id='{'x' * 41}'): '{'x' * 41}' is not an upload ID: "
            "pass a str of 1 to 40 characters, none of them a lone surrogate.",
        ),
        (
            {"upload_id": 7},
            "get_upload_status_responses(upload_id=7): 7 is not an upload ID: "
            "pass a str of 1 to 40 characters, none of them a lone surrogate.",
        ),
        (
            {"upload_id": "a\ud800"},
            "get_upload_status_responses(upload_id='a\\ud800'): 'a\\ud800' is not an upload ID: "
            "pass a str of 1 to 40 characters, none of them a lone surrogate.",
        ),
        (
            {"upload_id": "\udfff"},
            "get_upload_status_responses(upload_id='\\udfff'): '\\udfff' is not an upload ID: "
            "pass a str of 1 to 40 characters, none of them a lone surrogate.",
        ),
        (
            {"status": "DONE"},
            "get_upload_status_responses(status='DONE'): 'DONE' is not an upload status: "
            "pass one of IN_PROGRESS, SUCCEEDED, FAILED.",
        ),
    ],
    ids=["empty", "41", "not-str", "high-surrogate", "low-surrogate", "status"],
)
def test_responses_refuse_a_bad_fixed_value(keywords: dict[str, Any], message: str) -> None:
    assert refused(lambda: get_upload_status_responses(**keywords)) == message


def test_generated_namespace_names_reach_128_characters_and_never_more() -> None:
    names = strategies._namespace_names()  # what get_upload_status_responses draws namespaceName from

    assert len(find(names.filter(lambda name: len(name) >= 128), bool, settings=FILTERED)) == 128
    with pytest.raises(Unsatisfiable):
        find(names.filter(lambda name: len(name) > 128), bool, settings=FILTERED)


# ---------------------------------------------------------------------------------------------------------------------
# service_errors(codes=...)


def test_service_errors_cover_the_documented_errors_with_any_message() -> None:
    errors = draws(service_errors())
    assert {error.code for error in errors} == {
        "InvalidRequestException",
        "ResourceNotFoundException",
        "InternalFailureException",
        "ThrottlingException",
    }
    for error in errors:
        assert error.status_code == {"ResourceNotFoundException": 404, "InternalFailureException": 500}.get(
            error.code, 400
        )
        assert not any(map(is_surrogate, error.message))
    reach(service_errors(), lambda error: error.message not in ("", "Rate exceeded", "Internal failure"))
    for wording in ("Rate exceeded", "Internal failure"):  # the service's own messages are among them
        reach(service_errors(), lambda error, wording=wording: error.message == wording)  # type: ignore[misc]
    assert shrunk(service_errors()) == ServiceError("InvalidRequestException")
    assert shrunk(service_errors()).message == ""
    picked = draws(service_errors(codes=("ResourceNotFoundException",)), 50)
    assert {error.code for error in picked} == {"ResourceNotFoundException"}


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        (
            "ThrottlingException",
            "service_errors(codes='ThrottlingException'): pass a sequence of error codes, such as a list.",
        ),
        (
            {"ThrottlingException"},
            "service_errors(codes={'ThrottlingException'}): pass a sequence of error codes, such as a list.",
        ),
        (
            [],
            "service_errors(codes=[]): pick one or more of InvalidRequestException, ResourceNotFoundException, "
            "InternalFailureException, ThrottlingException.",
        ),
        (
            ["ThrottlingException", "AccessDeniedException"],
            "service_errors(codes=['ThrottlingException', 'AccessDeniedException']): pick one or more of "
            "InvalidRequestException, ResourceNotFoundException, InternalFailureException, ThrottlingException.",
        ),
    ],
    ids=["str", "set", "empty", "unknown"],
)
def test_service_errors_refuse_bad_codes(codes: Any, message: str) -> None:
    assert refused(lambda: service_errors(codes=codes)) == message


# ---------------------------------------------------------------------------------------------------------------------
# scripts(max_polls=..., errors=..., terminal=..., max_consecutive_errors=...)


def statuses_of(script: list[Any]) -> list[str]:
    return [item if isinstance(item, str) else item["uploadStatus"] for item in status_items(script)]


def has_error(code: str) -> Callable[[list[Any]], bool]:
    return lambda script: any(isinstance(item, ServiceError) and item.code == code for item in script)


def ends_with(status: str) -> Callable[[list[Any]], bool]:
    return lambda script: statuses_of(script)[-1] == status


def error_runs(script: list[Any]) -> list[int]:
    runs, run = [], 0
    for item in script:
        if isinstance(item, ServiceError):
            run += 1
        else:
            runs.append(run)
            run = 0
    return [*runs, run]


def status_items(script: list[Any]) -> Iterable[Any]:
    return (item for item in script if not isinstance(item, ServiceError))


def test_default_scripts_poll_1_to_5_times_with_up_to_2_transient_errors_between() -> None:
    for script in draws(scripts()):
        statuses = statuses_of(script)
        assert 1 <= len(statuses) <= 5
        assert statuses[-1] in ("SUCCEEDED", "FAILED")
        assert set(statuses[:-1]) <= {"IN_PROGRESS"}
        assert not isinstance(script[-1], ServiceError)
        assert max(error_runs(script)) <= 2
        assert {item.code for item in script if isinstance(item, ServiceError)} <= TRANSIENT
        ThingsGraphStub().add_upload("upload", script, namespace_name="defaults", failure_reason=["why"])
    reach(scripts(), lambda script: len(statuses_of(script)) == 5)
    reach(scripts(), lambda script: max(error_runs(script)) == 2)
    for code in sorted(TRANSIENT):
        assert reach(scripts(), has_error(code))
    for status in ("SUCCEEDED", "FAILED"):
        assert statuses_of(reach(scripts(), ends_with(status)))[-1] == status
    assert shrunk(scripts()) == ["SUCCEEDED"]


def test_script_status_items_are_bare_or_dicts_that_set_and_remove_members() -> None:
    polls = scripts(errors=False)
    reach(polls, lambda script: any(isinstance(item, str) for item in script))
    reach(polls, lambda script: any(isinstance(item, dict) for item in script))
    reach(polls, lambda script: any(isinstance(item, dict) and "createdDate" in item for item in script))
    reach(polls, lambda script: any(isinstance(item, dict) and None in item.values() for item in script))
    reach(polls, lambda script: any(isinstance(item, dict) and item.get("namespaceName") for item in script))
    for script in draws(polls):
        for item in status_items(script):
            if isinstance(item, dict):
                assert "uploadId" not in item
                assert item.get("createdDate", "absent") is not None


def test_scripts_that_do_not_end_are_all_in_progress_and_may_end_with_errors() -> None:
    for script in draws(scripts(terminal=False)):
        assert set(statuses_of(script)) == {"IN_PROGRESS"}
        assert max(error_runs(script)) <= 2
    reach(scripts(terminal=False), lambda script: isinstance(script[-1], ServiceError))
    assert shrunk(scripts(terminal=False)) == ["IN_PROGRESS"]


def test_scripts_take_the_errors_given_or_none() -> None:
    given_errors = scripts(errors=service_errors(codes=["ResourceNotFoundException"]))
    reach(given_errors, lambda script: any(isinstance(item, ServiceError) for item in script))
    for script in draws(given_errors, 100):
        assert {item.code for item in script if isinstance(item, ServiceError)} <= {"ResourceNotFoundException"}
    for script in draws(scripts(errors=False), 100):
        assert not any(isinstance(item, ServiceError) for item in script)


@pytest.mark.parametrize("most", [0, 1, 3])
def test_scripts_keep_to_max_consecutive_errors(most: int) -> None:
    for script in draws(scripts(max_consecutive_errors=most), 200):
        assert max(error_runs(script)) <= most
    if most:
        reach(scripts(max_consecutive_errors=most), lambda script: max(error_runs(script)) == most)


@pytest.mark.parametrize("most", [1, 2])
def test_scripts_keep_to_max_polls(most: int) -> None:
    for script in draws(scripts(max_polls=most), 100):
        assert 1 <= len(statuses_of(script)) <= most
    reach(scripts(max_polls=most), lambda script: len(statuses_of(script)) == most)


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ({"max_polls": 0}, "scripts(max_polls=0): pass an int of at least 1."),
        ({"max_polls": True}, "scripts(max_polls=True): pass an int of at least 1."),
        ({"max_consecutive_errors": -1}, "scripts(max_consecutive_errors=-1): pass an int of at least 0."),
        ({"terminal": None}, "scripts(terminal=None): pass True or False."),
        ({"errors": "yes"}, "scripts(errors='yes'): pass True, False or a strategy of ServiceError."),
    ],
)
def test_scripts_refuse_bad_arguments(keywords: dict[str, Any], message: str) -> None:
    assert refused(lambda: scripts(**keywords)) == message


# ---------------------------------------------------------------------------------------------------------------------
# invalid_get_upload_status_requests(kinds=...)


def json_type(value: object) -> str:
    return {bool: "boolean", int: "integer", float: "fraction", str: "string", list: "array", dict: "object"}.get(
        type(value), "null"
    )


def test_each_kind_of_invalid_request_is_what_it_says() -> None:
    for kind in ("missing", "empty", "too_long", "wrong_type", "extra_member", "not_an_object"):
        for body in draws(invalid_get_upload_status_requests(kinds=[kind]), 100):
            assert invalid_kind(body) == kind, (kind, body)
            assert json.loads(json.dumps(body, allow_nan=False)) == body


def test_no_invalid_request_holds_a_number_json_cannot_write() -> None:
    def not_json(body: object) -> bool:
        try:
            json.dumps(body, allow_nan=False)
        except ValueError:  # NaN or an infinity
            return True
        return False

    for kind in ("wrong_type", "extra_member", "not_an_object"):
        with pytest.raises(NoSuchExample):
            reach(invalid_get_upload_status_requests(kinds=[kind]), not_json)


def test_invalid_requests_missing_is_an_empty_object_or_null() -> None:
    assert set(map(json.dumps, draws(invalid_get_upload_status_requests(kinds=["missing"]), 20))) == {
        "{}",
        '{"uploadId": null}',
    }


def test_too_long_ids_have_41_to_80_code_points_both_ends_drawn() -> None:
    too_long: st.SearchStrategy[Any] = invalid_get_upload_status_requests(kinds=["too_long"])
    for body in draws(too_long):
        assert 41 <= len(body["uploadId"]) <= 80
        assert not any(map(is_surrogate, body["uploadId"]))
    for kind in (is_realistic_ascii, is_not_ascii):
        assert len(smallest(too_long.map(upload_id_of), kind)) == 41
        assert longest(too_long.map(upload_id_of), length_if(kind), 1000) == 80


def test_wrong_types_are_numbers_booleans_arrays_and_objects() -> None:
    wrong_type: st.SearchStrategy[Any] = invalid_get_upload_status_requests(kinds=["wrong_type"])
    drawn = draws(wrong_type, 200)
    assert {json_type(body["uploadId"]) for body in drawn} == {"boolean", "integer", "fraction", "array", "object"}
    for body in drawn:
        assert json.loads(json.dumps(body, allow_nan=False)) == body  # finite numbers only: JSON has no NaN


def test_not_an_object_covers_every_other_json_type() -> None:
    drawn = draws(invalid_get_upload_status_requests(kinds=["not_an_object"]), 200)
    assert {json_type(body) for body in drawn} == {"null", "boolean", "integer", "fraction", "string", "array"}
    for body in drawn:
        assert json.loads(json.dumps(body, allow_nan=False)) == body


def test_extra_members_come_with_a_valid_upload_id_one_to_three_of_them() -> None:
    extra: st.SearchStrategy[Any] = invalid_get_upload_status_requests(kinds=["extra_member"])
    for body in draws(extra):
        assert isinstance(body, dict)
        upload_id = body["uploadId"]
        assert isinstance(upload_id, str)
        assert 1 <= len(upload_id) <= 40
        assert not any(map(is_surrogate, upload_id))
        assert 2 <= len(body) <= 4
    reach(extra, lambda body: len(body) == 2)
    reach(extra, lambda body: len(body) == 4)


@pytest.mark.parametrize("name", ["UploadId", "uploadID", "upload_id", "uploadid", "namespaceName", ""])
def test_extra_members_include_the_near_misses_of_upload_id_a_typo_makes(name: str) -> None:
    extra: st.SearchStrategy[Any] = invalid_get_upload_status_requests(kinds=["extra_member"])
    reach(extra, lambda body: name in body)
    reach(extra, lambda body: any(member not in ("uploadId", name) and len(member) > 13 for member in body))


def test_invalid_requests_shrink_towards_the_first_kind_given() -> None:
    """A sequence keeps its order; any other collection takes the documented one."""
    assert shrunk(invalid_get_upload_status_requests(kinds=["not_an_object", "missing"])) is None
    in_insertion_order: dict[InvalidRequestKind, int] = {"not_an_object": 1, "missing": 2}
    assert shrunk(invalid_get_upload_status_requests(kinds=in_insertion_order.keys())) == {}
    assert shrunk(invalid_get_upload_status_requests(kinds=frozenset({"extra_member", "wrong_type"}))) == {
        "uploadId": False
    }
    assert shrunk(invalid_get_upload_status_requests()) == {}


@pytest.mark.parametrize(
    ("kinds", "message"),
    [
        ("missing", "invalid_get_upload_status_requests(kinds='missing'): pass a collection of kinds."),
        (5, "invalid_get_upload_status_requests(kinds=5): pass a collection of kinds."),
        (
            [],
            "invalid_get_upload_status_requests(kinds=[]): pick one or more of "
            "missing, empty, too_long, wrong_type, extra_member, not_an_object.",
        ),
        (
            ["missing", "spurious"],
            "invalid_get_upload_status_requests(kinds=['missing', 'spurious']): pick one or more of "
            "missing, empty, too_long, wrong_type, extra_member, not_an_object.",
        ),
        (
            frozenset({"spurious"}),
            "invalid_get_upload_status_requests(kinds=frozenset({'spurious'})): pick one or more of "
            "missing, empty, too_long, wrong_type, extra_member, not_an_object.",
        ),
    ],
    ids=["str", "int", "empty", "unknown", "unknown-in-a-set"],
)
def test_invalid_requests_refuse_bad_kinds(kinds: Any, message: str) -> None:
    assert refused(lambda: invalid_get_upload_status_requests(kinds=kinds)) == message


# ---------------------------------------------------------------------------------------------------------------------
# upload_entity_definitions_requests(max_text_size=...)


def test_upload_entity_definitions_requests_are_valid_in_every_documented_form() -> None:
    requests: st.SearchStrategy[Any] = upload_entity_definitions_requests()
    flags = ("syncWithPublicNamespace", "deprecateExistingEntities")
    for body in draws(requests):
        assert validation_errors(body, "UploadEntityDefinitions") == ""
        assert set(body) <= {"document", *flags}
        if "document" in body:
            assert body["document"] == {"language": "GRAPHQL", "text": body["document"]["text"]}
            assert len(body["document"]["text"]) <= 200
        else:
            assert True in (body.get(flag) for flag in flags), body
    reach(requests, lambda body: "document" in body and len(body) == 1)
    for flag in flags:
        for value in (True, False):
            assert reach(requests, document_with(flag, value))[flag] is value
        assert reach(requests, equal_to({flag: True})) == {flag: True}
    reach(requests, lambda body: "document" not in body and len(body) == 2)
    reach(requests, lambda body: "document" in body and not body["document"]["text"].isascii())
    assert shrunk(requests) == {"document": {"language": "GRAPHQL", "text": ""}}


@pytest.mark.parametrize("most", [0, 3])
def test_upload_entity_definitions_text_keeps_to_max_text_size(most: int) -> None:
    requests: st.SearchStrategy[Any] = upload_entity_definitions_requests(max_text_size=most)
    texts = [body["document"]["text"] for body in draws(requests, 200) if "document" in body]
    assert texts
    assert max(map(len, texts)) <= most
    reach(requests, lambda body: "document" in body and len(body["document"]["text"]) == most)


@pytest.mark.parametrize("size", [-1, True])
def test_upload_entity_definitions_requests_refuse_a_bad_size(size: Any) -> None:
    assert refused(lambda: upload_entity_definitions_requests(max_text_size=size)) == (
        f"upload_entity_definitions_requests(max_text_size={size!r}): pass an int of at least 0."
    )

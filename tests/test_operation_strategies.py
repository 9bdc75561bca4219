"""operation_requests() and operation_responses(): every operation add_response answers, drawn from botocore's model.

- the property: for each of the 33 operations, a drawn request sent by a real boto3 client gets the drawn answer
  back, equal, and the stub records the call as valid;
- timestamps come back equal in a local zone that repeats an hour (America/New_York);
- what the strategies draw, deterministically (as ``tests/test_strategy_ranges.py`` does): valid for botocore's
  validator and the stub's checks both ways, both ends of each limit drawn, the shrink targets, the refusals.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
import time
import unicodedata
from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest
from helpers import draws, examples, longest, make_client, reach, refused, shrunk, validation_errors
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from pytest_thingsgraph import ThingsGraphStub, _operation_strategies, _patterns, _shapes, mock_thingsgraph
from pytest_thingsgraph._model import method_name
from pytest_thingsgraph._operations.answers import parse_body
from pytest_thingsgraph._service import ANSWERED_OPERATIONS
from pytest_thingsgraph._wire import ParsedRequest
from pytest_thingsgraph.strategies import created_dates, operation_requests, operation_responses

UTC = dt.timezone.utc
MODEL = botocore.session.get_session().get_service_model("iotthingsgraph")
#: 2026-11-01 in America/New_York: 01:00-02:00 happens twice, 05:00-06:00 UTC (EDT) then 06:00-07:00 UTC (EST).
REPEATED_HOUR = (dt.datetime(2026, 11, 1, 5, tzinfo=UTC), dt.datetime(2026, 11, 1, 7, tzinfo=UTC))
THING_NAME = re.compile(r"[a-zA-Z0-9:_-]+")
TAG_KEY_MARKS = "_.:/=+-@"


@functools.cache
def shared_client() -> Any:
    """A client without retries, made once: every example of every test may use it."""
    return make_client("us-east-1", attempts=1)


def call(operation: str, request: dict[str, Any]) -> dict[str, Any]:
    """What the boto3 method of ``operation`` returns for ``request``, without ``ResponseMetadata``."""
    returned: dict[str, Any] = getattr(shared_client(), method_name(operation))(**request)
    assert returned.pop("ResponseMetadata")["HTTPStatusCode"] == 200
    return returned


# ---------------------------------------------------------------------------------------------------------------------
# The property: every operation, through a real client


@pytest.mark.parametrize("operation", ANSWERED_OPERATIONS)
@settings(max_examples=examples(5), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_each_operation_returns_the_drawn_answer_to_the_drawn_request(
    thingsgraph_stub: ThingsGraphStub, operation: str, data: st.DataObject
) -> None:
    request = data.draw(operation_requests(operation), label="request")
    answer = data.draw(operation_responses(operation), label="answer")
    thingsgraph_stub.add_response(operation, answer)

    assert call(operation, request) == answer
    last = thingsgraph_stub.calls[-1]
    assert (last.operation, last.status_code, last.error_code) == (operation, 200, None)
    assert last.request is not None
    assert set(last.request) == set(request)
    assert thingsgraph_stub.failures() == []  # no invalid request, no answer left


# ---------------------------------------------------------------------------------------------------------------------
# Timestamps in a local zone that repeats an hour


@pytest.fixture
def new_york() -> Iterator[None]:
    """The process's local zone is America/New_York for the test (botocore reads it when it parses a timestamp)."""
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset() is Unix-only")
    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


def summary_at(created: dt.datetime) -> dict[str, Any]:
    return {"summary": {"id": "urn:tdm:aws/examples:flow:f", "createdAt": created}}


def returned_at(created: dt.datetime) -> Any:
    """The ``createdAt`` a client returns for an answer that carries ``created``."""
    with mock_thingsgraph() as stub:
        stub.add_response("CreateFlowTemplate", summary_at(created))
        returned = call("CreateFlowTemplate", {"definition": {"language": "GRAPHQL", "text": ""}})
    return returned["summary"]["createdAt"]


@pytest.mark.usefixtures("new_york")
def test_an_instant_in_new_yorks_repeated_hour_comes_back_unequal() -> None:
    """botocore reads it into the repeated hour, and PEP 495 makes such a local time unequal to any UTC time."""
    for instant in (dt.datetime(2026, 11, 1, 5, 30, tzinfo=UTC), dt.datetime(2026, 11, 1, 6, 30, tzinfo=UTC)):
        returned = returned_at(instant)
        assert returned.timestamp() == instant.timestamp()
        assert returned != instant
        assert not _operation_strategies.comes_back_equal(instant)
    for instant in (dt.datetime(2026, 11, 1, 4, 59, 59, 999999, tzinfo=UTC), REPEATED_HOUR[1]):
        assert returned_at(instant) == instant
        assert _operation_strategies.comes_back_equal(instant)


@pytest.mark.usefixtures("new_york")
def test_dates_drawn_around_new_yorks_repeated_hour_leave_it_out_and_come_back_equal() -> None:
    """``created_dates()`` draws ``instants()`` over 1970-2199; here over the four hours around the repeated one."""
    start, end = REPEATED_HOUR
    window = _operation_strategies.instants(
        (start - dt.timedelta(hours=1)).replace(tzinfo=None), (end + dt.timedelta(hours=1)).replace(tzinfo=None)
    )
    drawn = draws(window, 100)
    assert not [instant for instant in drawn if start <= instant < end]
    assert [instant for instant in drawn if instant < start]
    assert [instant for instant in drawn if instant >= end]
    for instant in drawn[:20]:
        assert returned_at(instant) == instant
    for instant in draws(created_dates(), 100):
        assert _operation_strategies.comes_back_equal(instant)
        assert instant.tzinfo is UTC


# ---------------------------------------------------------------------------------------------------------------------
# What the strategies draw


def wire(operation: str, request: dict[str, Any]) -> bytes:
    shape = MODEL.operation_model(operation).input_shape
    return json.dumps(_shapes.to_wire(shape, request)).encode()


@pytest.mark.parametrize("operation", ANSWERED_OPERATIONS)
def test_drawn_requests_and_answers_fit_the_model_both_ways(operation: str) -> None:
    model = MODEL.operation_model(operation)
    for request in draws(operation_requests(operation), 20):
        assert validation_errors(request, operation) == ""
        assert _shapes.python_problem(model.input_shape, request, "") is None
        assert isinstance(parse_body(operation, wire(operation, request)), ParsedRequest)
    stub = ThingsGraphStub()
    for answer in draws(operation_responses(operation), 20):
        assert _shapes.python_problem(model.output_shape, answer, "") is None
        stub.add_response(operation, answer)


def test_operations_are_named_by_api_or_method_name() -> None:
    assert operation_requests("untag_resource") is operation_requests("UntagResource")
    assert operation_responses("search_things") is operation_responses("SearchThings")


def tag_keys(request: dict[str, Any]) -> list[str]:
    keys: list[str] = request["tagKeys"]
    return keys


def shape(name: str) -> st.SearchStrategy[Any]:
    """What a member of shape ``name`` is drawn from."""
    return _operation_strategies.shape_values(MODEL.shape_for(name))


# A filter on len() is rewritten by hypothesis into the text and list strategies' min_size: the longest value a
# strategy can make is found at once, and a longer one is Unsatisfiable instead of merely rare.
FILTERED = settings(max_examples=20, database=None, phases=[Phase.generate], suppress_health_check=list(HealthCheck))


def test_tag_key_lists_have_1_to_50_keys_both_ends_drawn() -> None:
    requests = operation_requests("UntagResource")
    for request in draws(requests, 100):
        assert 1 <= len(tag_keys(request)) <= 50
    assert shrunk(requests) == {"resourceArn": "0", "tagKeys": ["0"]}
    key_lists = shape("TagKeyList")
    assert len(find(key_lists.filter(lambda keys: len(keys) >= 50), bool, settings=FILTERED)) == 50


def test_max_results_run_from_1_to_250_both_ends_drawn() -> None:
    requests = operation_requests("ListTagsForResource")
    for request in draws(requests):
        assert 1 <= request.get("maxResults", 1) <= 250
    assert reach(requests, lambda request: request.get("maxResults") == 1)
    assert longest(requests, lambda request: request.get("maxResults", 0)) == 250


def test_tag_keys_are_letters_spaces_numbers_and_marks_of_1_to_128_characters() -> None:
    keys = shape("TagKey")
    pattern = MODEL.shape_for("TagKey").metadata["pattern"]
    for key in draws(keys, 200):
        assert 1 <= len(key) <= 128
        assert _patterns.fits(pattern, key), key
    one_class = _operation_strategies._ONE_CLASS.fullmatch(pattern)
    assert one_class
    characters = set(draws(_operation_strategies._class_characters(one_class.group(1)), 500))  # what keys are of
    assert {unicodedata.category(c)[0] for c in characters} == {"L", "N", "Z", "P", "S"}  # marks: P, and S (=+)
    assert set(TAG_KEY_MARKS) <= characters
    assert any(c.isalpha() and not c.isascii() for c in characters)
    assert any(c.isdigit() and not c.isascii() for c in characters)
    assert shrunk(keys) == "0"
    assert len(find(keys.filter(lambda key: len(key) >= 128), bool, settings=FILTERED)) == 128
    with pytest.raises(Unsatisfiable):
        find(keys.filter(lambda key: len(key) > 128), bool, settings=FILTERED)


def test_thing_names_are_1_to_128_of_their_characters() -> None:
    names = shape("ThingName")
    for name in draws(names):
        assert THING_NAME.fullmatch(name), name
        assert 1 <= len(name) <= 128
    for character in "aZ9:_-":
        reach(names, lambda name, character=character: character in name)
    assert shrunk(names) == "0"
    assert len(find(names.filter(lambda name: len(name) >= 128), bool, settings=FILTERED)) == 128
    with pytest.raises(Unsatisfiable):
        find(names.filter(lambda name: len(name) > 128), bool, settings=FILTERED)


def test_urns_fit_their_pattern_up_to_160_characters() -> None:
    urns = shape("Urn")
    pattern = MODEL.shape_for("Urn").metadata["pattern"]
    drawn = draws(urns)
    for urn in drawn:
        assert _patterns.fits(pattern, urn), urn
        assert len(urn) <= 160
    assert shrunk(urns) == "urn:tdm:0::0"
    reach(urns, lambda urn: urn.startswith("urn:tdm:us-east-1/"))
    reach(urns, lambda urn: re.match(r"urn:tdm:[a-z]{2}-gov-", urn) is not None)
    reach(urns, lambda urn: urn.split(":")[3] == "device")
    reach(urns, lambda urn: len(urn) > 100)


def test_urns_are_cut_to_the_most_characters_the_shape_allows() -> None:
    """Built by parts, a URN that would be too long loses the end of its name: at most the maximum, often exactly."""
    pattern = MODEL.shape_for("Urn").metadata["pattern"]
    lengths = set()
    for urn in draws(_operation_strategies._pattern_texts(pattern, 0, 30), 100):
        assert _patterns.fits(pattern, urn), urn
        lengths.add(len(urn))
    assert max(lengths) == 30
    assert min(lengths) == len("urn:tdm:0::0")


def test_optional_members_are_drawn_present_and_absent() -> None:
    requests = operation_requests("CreateSystemInstance")
    optional = {"tags", "greengrassGroupName", "s3BucketName", "metricsConfiguration", "flowActionsRoleArn"}
    for request in draws(requests, 100):
        assert {"definition", "target"} <= set(request) <= {"definition", "target", *optional}
    for member in optional:
        reach(requests, lambda request, member=member: member in request)
    assert shrunk(requests) == {"definition": {"language": "GRAPHQL", "text": ""}, "target": "GREENGRASS"}
    assert shrunk(operation_responses("DeploySystemInstance")) == {"summary": {}}
    assert shrunk(operation_responses("SearchThings")) == {}


def test_lists_without_a_maximum_stop_at_10_items() -> None:
    things = shape("Things")
    assert max(map(len, draws(things, 100))) <= _operation_strategies.UNBOUNDED_ITEMS == 10
    assert len(find(things.filter(lambda drawn: len(drawn) >= 10), bool, settings=FILTERED)) == 10


def stamps_of(summary: dict[str, Any]) -> list[dt.datetime]:
    return [summary[name] for name in ("createdAt", "updatedAt") if name in summary]


def test_timestamps_are_aware_utc_datetimes() -> None:
    dates = shape("FlowExecutionSummary").map(stamps_of)
    stamps = [stamp for drawn in draws(dates, 50) for stamp in drawn]
    assert stamps
    assert {stamp.tzinfo for stamp in stamps} == {UTC}


def test_every_pattern_of_the_model_is_drawn_without_from_regex() -> None:
    """Each is one character class, or built from its parts: hypothesis's from_regex is slow and overshoots 160."""
    patterns = {
        shape.metadata["pattern"] for shape in map(MODEL.shape_for, MODEL.shape_names) if shape.metadata.get("pattern")
    }
    assert len(patterns) == 3
    for pattern in patterns:
        assert _operation_strategies._ONE_CLASS.fullmatch(pattern) or pattern in _operation_strategies._PATTERN_BUILDERS


@pytest.mark.parametrize(
    ("pattern", "low", "high"),
    [(r"^[\p{Alpha}]+$", 2, 3), (r"^ab[0-9]{2}$", 0, None), (r"x\p{IsLatin}*", 1, 4)],
    ids=["posix-class", "from-regex", "not-python-regex"],
)
def test_other_patterns_are_drawn_to_fit(pattern: str, low: int, high: int | None) -> None:
    for text in draws(_operation_strategies._pattern_texts(pattern, low, high), 50):
        assert _patterns.fits(pattern, text), text
        assert low <= len(text) <= (high or len(text))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: operation_requests("GetUploadStatus"),
            "operation_requests('GetUploadStatus'): GetUploadStatus is an upload operation, scripted with "
            "stub.add_upload and stub.on_upload_entity_definitions rather than add_response: draw its requests "
            "with st.fixed_dictionaries({'uploadId': upload_ids()}).",
        ),
        (
            lambda: operation_responses("get_upload_status"),
            "operation_responses('get_upload_status'): GetUploadStatus is an upload operation, scripted with "
            "stub.add_upload and stub.on_upload_entity_definitions rather than add_response: draw its responses "
            "with get_upload_status_responses().",
        ),
        (
            lambda: operation_requests("upload_entity_definitions"),
            "operation_requests('upload_entity_definitions'): UploadEntityDefinitions is an upload operation, "
            "scripted with stub.add_upload and stub.on_upload_entity_definitions rather than add_response: draw its "
            "requests with upload_entity_definitions_requests().",
        ),
        (
            lambda: operation_responses("UploadEntityDefinitions"),
            "operation_responses('UploadEntityDefinitions'): UploadEntityDefinitions is an upload operation, "
            "scripted with stub.add_upload and stub.on_upload_entity_definitions rather than add_response: draw its "
            "responses with st.fixed_dictionaries({'uploadId': upload_ids()}).",
        ),
        (
            lambda: operation_requests("SearchThing"),
            "operation_requests('SearchThing'): 'SearchThing' is not a Things Graph operation add_response answers: "
            "name it as the API does ('SearchEntities') or as the client's method ('search_entities'). "
            "Did you mean 'SearchThings'?",
        ),
        (
            lambda: operation_responses(7),  # type: ignore[arg-type]
            "operation_responses(7): 7 is not a Things Graph operation add_response answers: "
            "name it as the API does ('SearchEntities') or as the client's method ('search_entities').",
        ),
    ],
    ids=["upload-api", "upload-method", "upload-entity-method", "upload-entity-api", "unknown", "not-a-str"],
)
def test_strategies_refuse_an_upload_or_unknown_operation(make: Any, message: str) -> None:
    assert refused(make) == message


def test_lists_whose_shape_sets_no_minimum_are_drawn_empty_too() -> None:
    assert "min" not in MODEL.shape_for("Things").metadata
    assert reach(shape("Things"), lambda drawn: drawn == []) == []
    assert min(map(len, draws(shape("TagKeyList"), 50))) == 1

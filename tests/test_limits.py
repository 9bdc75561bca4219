"""Exact limits and the small public surface, each pinned on both sides: the mutants the suite once let through."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import requests
from helpers import make_client, signed_wire
from hypothesis import HealthCheck, find, settings
from hypothesis.errors import InvalidArgument, Unsatisfiable
from requests_aws4auth import AWS4Auth

import pytest_thingsgraph
from pytest_thingsgraph import Call, ServiceError, StubError, ThingsGraphStub, UsageError, mock_thingsgraph, strategies
from pytest_thingsgraph.strategies import get_upload_status_responses, upload_ids

UTC = dt.timezone.utc
MAX_TEXT = 1_048_576

# ---------------------------------------------------------------------------------------------------------------------
# DefinitionText: at most 1,048,576 characters


def upload_definitions(text: str) -> Any:
    return make_client().upload_entity_definitions(document={"language": "GRAPHQL", "text": text})


def test_a_definition_text_of_exactly_the_maximum_is_accepted(thingsgraph_stub: ThingsGraphStub) -> None:
    upload_id = thingsgraph_stub.on_upload_entity_definitions(["SUCCEEDED"])

    assert upload_definitions("x" * MAX_TEXT)["uploadId"] == upload_id
    assert make_client().get_upload_status(uploadId=upload_id)["uploadStatus"] == "SUCCEEDED"
    assert len(thingsgraph_stub.calls[0].request["document"]["text"]) == MAX_TEXT  # type: ignore[index]


@pytest.mark.thingsgraph_stub(allow_invalid_requests=True)
def test_a_definition_text_one_over_the_maximum_is_refused(thingsgraph_stub: ThingsGraphStub) -> None:
    client = make_client()

    with pytest.raises(client.exceptions.InvalidRequestException) as caught:
        client.upload_entity_definitions(document={"language": "GRAPHQL", "text": "x" * (MAX_TEXT + 1)})

    assert caught.value.response["Error"]["Message"] == (
        "1 validation error detected: Value '" + "x" * 58 + "… (1048577 characters) at 'document.text' failed to "
        "satisfy constraint: Member must have length less than or equal to 1048576"
    )
    assert thingsgraph_stub.calls[0].error_code == "InvalidRequestException"


# ---------------------------------------------------------------------------------------------------------------------
# createdDate: from 1970-01-01T00:00:00Z to the last microsecond of 2199

LAST_MICROSECOND = dt.datetime(2199, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
OUT_OF_RANGE = "is outside 1970-2199: botocore reads createdDate as float epoch seconds; pass a date in that range."


@pytest.mark.parametrize("created", [EPOCH, LAST_MICROSECOND], ids=["1970-01-01", "2199-12-31T23:59:59.999999"])
def test_created_dates_at_both_ends_of_the_range_are_answered(thingsgraph_stub: ThingsGraphStub, created: Any) -> None:
    thingsgraph_stub.add_upload("keyword", ["SUCCEEDED"], created_date=created)
    thingsgraph_stub.add_upload("item", [{"uploadStatus": "SUCCEEDED", "createdDate": created}])
    client = make_client()

    assert client.get_upload_status(uploadId="keyword")["createdDate"] == created
    assert client.get_upload_status(uploadId="item")["createdDate"] == created


@pytest.mark.parametrize(
    "created",
    [dt.datetime(2200, 1, 1, tzinfo=UTC), EPOCH - dt.timedelta(microseconds=1)],
    ids=["2200-01-01", "1969-12-31T23:59:59.999999"],
)
def test_created_dates_just_outside_the_range_are_refused(created: dt.datetime) -> None:
    with mock_thingsgraph() as stub:
        with pytest.raises(UsageError) as keyword:
            stub.add_upload("u", ["SUCCEEDED"], created_date=created)
        with pytest.raises(UsageError) as item:
            stub.add_upload("u", [{"uploadStatus": "SUCCEEDED", "createdDate": created}])

    assert str(keyword.value) == f"add_upload('u'): created_date={created!r} {OUT_OF_RANGE}"
    assert str(item.value) == f"add_upload('u'): script item 0: createdDate={created!r} {OUT_OF_RANGE}"


def _floor_to_millisecond(moment: dt.datetime) -> dt.datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def test_the_default_created_date_is_now_rounded_down_to_the_millisecond(thingsgraph_stub: ThingsGraphStub) -> None:
    client = make_client()
    for number in range(20):
        before = dt.datetime.now(UTC)
        thingsgraph_stub.add_upload(f"u{number}", ["SUCCEEDED"])
        after = dt.datetime.now(UTC)

        created = client.get_upload_status(uploadId=f"u{number}")["createdDate"]

        assert created.microsecond % 1000 == 0
        # created is floor(now) for a now between before and after: never above after's millisecond
        assert _floor_to_millisecond(before) <= created <= _floor_to_millisecond(after)


# ---------------------------------------------------------------------------------------------------------------------
# ServiceError: status_code an int from 400 to 599


@pytest.mark.parametrize("status", [400, 599])
def test_service_error_takes_the_first_and_last_error_status(status: int) -> None:
    assert ServiceError("Custom", status_code=status).status_code == status


@pytest.mark.parametrize("status", [399, 600, "500", 500.0, True], ids=repr)
def test_service_error_refuses_statuses_outside_400_to_599_and_non_integers(status: Any) -> None:
    with pytest.raises(UsageError) as caught:
        ServiceError("Custom", status_code=status)

    assert str(caught.value) == (
        f"ServiceError('Custom') status_code {status!r} is not an error status: pass an int from 400 to 599."
    )


def test_a_599_error_reaches_the_client_with_its_status(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("u", [ServiceError("Custom", "odd", status_code=599)])
    client = make_client()

    with pytest.raises(client.exceptions.ClientError) as caught:
        client.get_upload_status(uploadId="u")

    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 599
    assert caught.value.response["Error"] == {"Code": "Custom", "Message": "odd"}


def test_service_errors_are_equal_hashable_values() -> None:
    error = ServiceError("ThrottlingException", "Rate exceeded")
    same = ServiceError("ThrottlingException", "Rate exceeded", status_code=400)
    others = [
        ServiceError("InternalFailureException", "Rate exceeded"),
        ServiceError("ThrottlingException", "Slow down"),
        ServiceError("ThrottlingException", "Rate exceeded", status_code=429),
    ]

    assert error == same
    assert hash(error) == hash(same)
    for other in others:
        assert error != other
    assert {error, same, *others} == {error, *others}
    assert len({error, same, *others}) == 4


# ---------------------------------------------------------------------------------------------------------------------
# Strategies: upload IDs of 1 to 40 characters, namespace names of at most 128


def test_a_40_character_upload_id_is_taken_by_the_strategies() -> None:
    forty = "x" * 40

    found = find(get_upload_status_responses(upload_id=forty), lambda body: True)

    assert found["uploadId"] == forty


def test_a_41_character_upload_id_is_refused_by_the_strategies() -> None:
    with pytest.raises(InvalidArgument) as caught:
        get_upload_status_responses(upload_id="x" * 41)

    assert str(caught.value) == (
        f"get_upload_status_responses(upload_id={'x' * 41!r}): {'x' * 41!r} is not an upload ID: "
        "pass a str of 1 to 40 characters, none of them a lone surrogate."
    )


# A filter on len() is rewritten by hypothesis into the text strategies' min_size: the longest value a strategy
# can make is found at once, and a longer one is Unsatisfiable instead of merely rare.
SEARCH = settings(max_examples=20, database=None, suppress_health_check=list(HealthCheck))


def test_generated_upload_ids_reach_40_characters_and_never_more() -> None:
    assert len(find(upload_ids().filter(lambda upload_id: len(upload_id) >= 40), bool, settings=SEARCH)) == 40
    with pytest.raises(Unsatisfiable):
        find(upload_ids().filter(lambda upload_id: len(upload_id) > 40), bool, settings=SEARCH)


def test_generated_namespace_names_reach_128_characters_and_never_more() -> None:
    names = strategies._namespace_names()  # what get_upload_status_responses draws namespaceName from

    assert len(find(names.filter(lambda name: len(name) >= 128), bool, settings=SEARCH)) == 128
    with pytest.raises(Unsatisfiable):
        find(names.filter(lambda name: len(name) > 128), bool, settings=SEARCH)


# ---------------------------------------------------------------------------------------------------------------------
# The UploadEntityDefinitions queue


def test_queued_answers_left_untaken_pass_without_assert_all_consumed() -> None:
    with mock_thingsgraph(assert_all_consumed=False) as stub:
        stub.on_upload_entity_definitions(["SUCCEEDED"], upload_id="never")
        stub.on_upload_entity_definitions(ServiceError("ThrottlingException"))

    # with the option on, the same block fails: test_queued_answers_nobody_took_fail_at_exit
    assert stub.failures() == []


def test_an_upload_a_call_took_from_the_queue_must_be_polled_to_its_end() -> None:
    with pytest.raises(StubError) as caught, mock_thingsgraph() as stub:
        stub.on_upload_entity_definitions(["IN_PROGRESS", "SUCCEEDED"], upload_id="taken")
        assert upload_definitions("type A {}")["uploadId"] == "taken"

    assert str(caught.value) == (
        "These uploads were not polled to the end of their scripts:\n"
        "- 'taken': 0 of 2 items served; not served: 'IN_PROGRESS', 'SUCCEEDED'\n"
        "Poll them to the end or shorten their scripts; if some items are optional, set assert_all_consumed=False "
        "(see 'Options and teardown' in the README of pytest-thingsgraph)"
    )


def test_reset_empties_the_queue(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.on_upload_entity_definitions(["IN_PROGRESS", "SUCCEEDED"], upload_id="queued")
    thingsgraph_stub.on_upload_entity_definitions(ServiceError("InternalFailureException"))

    thingsgraph_stub.reset()
    assert thingsgraph_stub.failures() == []
    answered = upload_definitions("type A {}")["uploadId"]

    assert answered != "queued"
    assert make_client().get_upload_status(uploadId=answered)["uploadStatus"] == "IN_PROGRESS"
    assert thingsgraph_stub.on_upload_entity_definitions(["SUCCEEDED"], upload_id="queued") == "queued"
    assert upload_definitions("type B {}")["uploadId"] == "queued"
    assert make_client().get_upload_status(uploadId="queued")["uploadStatus"] == "SUCCEEDED"


def test_the_same_upload_id_is_queued_once(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.on_upload_entity_definitions(["SUCCEEDED"], upload_id="twice")

    with pytest.raises(UsageError) as queued_again:
        thingsgraph_stub.on_upload_entity_definitions(["FAILED"], upload_id="twice")
    with pytest.raises(UsageError) as added:
        thingsgraph_stub.add_upload("twice", ["FAILED"])

    assert str(queued_again.value) == (
        "on_upload_entity_definitions(upload_id='twice'): the upload already has a script: put every answer in one "
        "script, or call reset() first."
    )
    assert str(added.value) == (
        "add_upload('twice'): the upload already has a script: put every answer in one script, or call reset() first."
    )
    assert upload_definitions("type A {}")["uploadId"] == "twice"
    assert make_client().get_upload_status(uploadId="twice")["uploadStatus"] == "SUCCEEDED"


# ---------------------------------------------------------------------------------------------------------------------
# The public surface


def test_call_is_public_and_is_what_calls_holds(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"])
    make_client().get_upload_status(uploadId="u")

    (call,) = thingsgraph_stub.calls

    assert type(call) is Call
    assert pytest_thingsgraph.Call is Call
    assert "Call" in pytest_thingsgraph.__all__


def test_an_upper_case_content_type_is_accepted(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"])

    answer = thingsgraph_stub.answer(signed_wire(b'{"uploadId": "u"}', content_type="APPLICATION/X-AMZ-JSON-1.1"))

    assert answer.status_code == 200
    assert json.loads(answer.body)["uploadStatus"] == "SUCCEEDED"
    assert thingsgraph_stub.failures() == []


def test_a_requests_call_to_a_china_endpoint_cannot_connect(thingsgraph_stub: ThingsGraphStub) -> None:
    """Things Graph never ran in the aws-cn partition: the call fails as the network would, nothing sent."""
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"], region="cn-north-1")
    auth = AWS4Auth("AKIDEXAMPLE", "example-secret", "cn-north-1", "iotthingsgraph")

    with pytest.raises(requests.exceptions.ConnectionError, match=r"\(region cn-north-1\)"):
        requests.post(
            "https://iotthingsgraph.cn-north-1.amazonaws.com.cn/",
            data=json.dumps({"uploadId": "u"}),
            headers={
                "X-Amz-Target": "IotThingsGraphFrontEndService.GetUploadStatus",
                "Content-Type": "application/x-amz-json-1.1",
            },
            auth=auth,
            timeout=5,
        )

    (call,) = thingsgraph_stub.calls
    assert (call.region, call.upload_id, call.status_code) == ("cn-north-1", None, 0)
    thingsgraph_stub.reset()  # its script is never polled: the endpoint does not exist

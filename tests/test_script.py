"""Script semantics and the messages for scripts the service could never send."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

import pytest
from helpers import make_client

from pytest_thingsgraph import ServiceError, StubError, ThingsGraphStub, UsageError, mock_thingsgraph

UTC = dt.timezone.utc
CREATED = dt.datetime(2023, 1, 2, 3, 4, 5, tzinfo=UTC)


def poll(client: Any, upload_id: str, times: int) -> list[str]:
    return [client.get_upload_status(uploadId=upload_id)["uploadStatus"] for _ in range(times)]


def test_items_are_served_in_order_per_upload(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("a", ["IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"])
    thingsgraph_stub.add_upload("b", ["IN_PROGRESS", "FAILED"])
    client = make_client()

    observed = [client.get_upload_status(uploadId=u)["uploadStatus"] for u in ["a", "b", "a", "b", "a"]]

    assert observed == ["IN_PROGRESS", "IN_PROGRESS", "IN_PROGRESS", "FAILED", "SUCCEEDED"]


@pytest.mark.parametrize("terminal", ["SUCCEEDED", "FAILED"])
def test_a_finished_upload_stays_finished(thingsgraph_stub: ThingsGraphStub, terminal: str) -> None:
    thingsgraph_stub.add_upload("u", ["IN_PROGRESS", terminal])

    assert poll(make_client(), "u", 5) == ["IN_PROGRESS"] + [terminal] * 4


@pytest.mark.parametrize(
    ("script", "label"),
    [
        (["IN_PROGRESS"], "'IN_PROGRESS'"),
        (
            ["SUCCEEDED", ServiceError("InternalFailureException", "boom")],
            "ServiceError('InternalFailureException', 'boom')",
        ),
    ],
)
def test_a_script_that_runs_out_on_a_non_terminal_item_raises(script: list[Any], label: str) -> None:
    with pytest.raises(StubError) as at_exit, mock_thingsgraph() as stub:
        stub.add_upload("upload-7", script)
        client = make_client()
        for _ in script:
            with contextlib.suppress(client.exceptions.ClientError):
                client.get_upload_status(uploadId="upload-7")
        with pytest.raises(StubError) as at_call:
            client.get_upload_status(uploadId="upload-7")

    assert isinstance(at_call.value, AssertionError)
    items = f"{len(script)} item{'s' if len(script) > 1 else ''}"
    assert str(at_call.value) == (
        f"Upload 'upload-7' has no script item left for request {len(script) + 1}: its script of {items} ended on "
        f"{label}, which is not terminal. Add the items the code under test polls for, or end the script "
        "with 'SUCCEEDED' or 'FAILED'."
    )
    assert str(at_exit.value) == (
        f"The stub raised StubError during the test (the code under test may have caught it):\n- {at_call.value}"
    )


def test_unknown_uploads_are_not_found(thingsgraph_stub: ThingsGraphStub) -> None:
    client = make_client("ap-southeast-2")

    with pytest.raises(client.exceptions.ResourceNotFoundException) as caught:
        client.get_upload_status(uploadId="nobody")

    assert caught.value.response["Error"]["Message"] == "Upload nobody was not found in region ap-southeast-2."
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert thingsgraph_stub.failures() == []


def test_a_region_pins_the_upload(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("pinned", ["SUCCEEDED"], region="eu-west-1")
    thingsgraph_stub.add_upload("anywhere", ["SUCCEEDED"])
    elsewhere = make_client("us-west-2")

    with pytest.raises(elsewhere.exceptions.ResourceNotFoundException):
        elsewhere.get_upload_status(uploadId="pinned")

    assert elsewhere.get_upload_status(uploadId="anywhere")["uploadStatus"] == "SUCCEEDED"
    assert make_client("eu-west-1").get_upload_status(uploadId="pinned")["uploadStatus"] == "SUCCEEDED"
    assert [c.region for c in thingsgraph_stub.calls] == ["us-west-2", "us-west-2", "eu-west-1"]


def test_dict_items_merge_over_the_defaults(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload(
        "u",
        [
            {"uploadStatus": "IN_PROGRESS", "namespaceVersion": 2},
            {"uploadStatus": "FAILED", "failureReason": ["Line 1: bad"], "namespaceName": None},
        ],
        namespace_name="acme",
        namespace_version=1,
        created_date=CREATED,
    )
    client = make_client()

    first, second = (client.get_upload_status(uploadId="u") for _ in range(2))

    assert (first["namespaceName"], first["namespaceVersion"]) == ("acme", 2)
    assert "failureReason" not in first
    assert "namespaceName" not in second
    assert (second["namespaceVersion"], second["failureReason"]) == (1, ["Line 1: bad"])


def test_failure_reason_fills_failed_responses_only(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("u", ["IN_PROGRESS", {"uploadStatus": "FAILED"}], failure_reason=["bad"])
    client = make_client()

    first, second = (client.get_upload_status(uploadId="u") for _ in range(2))

    assert "failureReason" not in first
    assert second["failureReason"] == ["bad"]


def test_a_failure_reason_given_as_a_tuple_in_a_dict_item_is_answered_as_a_list(
    thingsgraph_stub: ThingsGraphStub,
) -> None:
    thingsgraph_stub.add_upload("u", [{"uploadStatus": "FAILED", "failureReason": ("a", "b")}])

    assert make_client().get_upload_status(uploadId="u")["failureReason"] == ["a", "b"]


def test_a_failure_reason_keyword_given_as_a_tuple_fills_failed_answers_as_a_list(
    thingsgraph_stub: ThingsGraphStub,
) -> None:
    thingsgraph_stub.add_upload("u", ["IN_PROGRESS", "FAILED"], failure_reason=("a", "b"))
    client = make_client()

    answers = [client.get_upload_status(uploadId="u") for _ in range(2)]

    assert [answered.get("failureReason") for answered in answers] == [None, ["a", "b"]]


@pytest.mark.parametrize("failure_reason", [None, ["Line 1: bad"]])
def test_a_bare_status_answers_what_the_same_status_as_a_dict_answers(
    thingsgraph_stub: ThingsGraphStub, failure_reason: list[str] | None
) -> None:
    statuses = ["IN_PROGRESS", "IN_PROGRESS", "FAILED", "FAILED"]
    keywords: dict[str, Any] = {
        "namespace_name": "acme",
        "namespace_arn": "arn:aws:iotthingsgraph:us-east-1:123456789012:Namespace/acme",
        "namespace_version": 3,
        "created_date": CREATED,
        "failure_reason": failure_reason,
    }
    thingsgraph_stub.add_upload("bare", statuses, **keywords)
    thingsgraph_stub.add_upload("dict", [{"uploadStatus": status} for status in statuses], **keywords)
    client = make_client()

    answers = [
        [{k: v for k, v in client.get_upload_status(uploadId=u).items() if k not in ("uploadId", "ResponseMetadata")}
         for u in ("bare", "dict")]
        for _ in statuses
    ]  # fmt: skip

    assert [bare for bare, _ in answers] == [as_dict for _, as_dict in answers]  # the bodies, as botocore read them
    assert [bare["uploadStatus"] for bare, _ in answers] == statuses
    calls = thingsgraph_stub.calls
    bare = [list(call.response.items()) for call in calls[0::2]]
    as_dicts = [[(k, "bare" if k == "uploadId" else v) for k, v in call.response.items()] for call in calls[1::2]]
    assert bare == as_dicts  # the same members, values and order on the wire
    assert [call.response.get("failureReason") for call in calls[0::2]] == [None, None, failure_reason, failure_reason]


def test_an_upload_without_keywords_answers_what_the_same_members_given_as_keywords_answer(
    thingsgraph_stub: ThingsGraphStub,
) -> None:
    thingsgraph_stub.add_upload("plain", ["IN_PROGRESS", "SUCCEEDED"])
    client = make_client()
    plain = [client.get_upload_status(uploadId="plain") for _ in range(2)]
    created = plain[0]["createdDate"]  # the default: now, to the millisecond
    thingsgraph_stub.add_upload("given", ["IN_PROGRESS", "SUCCEEDED"], created_date=created)

    given = [client.get_upload_status(uploadId="given") for _ in range(2)]

    def members(answer: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in answer.items() if k not in ("uploadId", "ResponseMetadata")}

    assert [members(answer) for answer in plain] == [members(answer) for answer in given]
    calls = thingsgraph_stub.calls
    assert [list(call.response) for call in calls[:2]] == [list(call.response) for call in calls[2:]]
    assert [call.response["createdDate"] for call in calls[:2]] == [call.response["createdDate"] for call in calls[2:]]


def test_reset_forgets_scripts_calls_and_problems(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
    client = make_client()
    client.get_upload_status(uploadId="u")
    with pytest.raises(client.exceptions.InvalidRequestException):
        client.get_upload_status(uploadId="u" * 41)

    thingsgraph_stub.reset()

    assert thingsgraph_stub.calls == []
    assert thingsgraph_stub.failures() == []
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"])
    assert poll(client, "u", 1) == ["SUCCEEDED"]


def test_after_reset_requests_are_numbered_from_1_again() -> None:
    patcher = mock_thingsgraph()
    stub = patcher.start()
    try:
        client = make_client()
        stub.add_upload("u", ["SUCCEEDED"])
        client.get_upload_status(uploadId="u")
        with pytest.raises(StubError, match=r"GetFlowTemplate \(request 2, id='urn:tdm:aws/examples:Workflow:Lamp'\)"):
            client.get_flow_template(id="urn:tdm:aws/examples:Workflow:Lamp")

        stub.reset()
        assert (stub.calls, stub.failures()) == ([], [])
        stub.add_upload("u", ["SUCCEEDED"])  # its script is forgotten too
        with pytest.raises(StubError) as caught:
            client.get_flow_template(id="urn:tdm:aws/examples:Workflow:Lamp")
        client.get_upload_status(uploadId="u")
    finally:
        patcher.stop(check=False)

    unstubbed = (
        "GetFlowTemplate (request 1, id='urn:tdm:aws/examples:Workflow:Lamp') has no answer queued: add one with "
        "stub.add_response('GetFlowTemplate', {...}) before the code under test calls it (thingsgraph-server: "
        'POST /_thingsgraph/responses, or a script file\'s "responses").'
    )
    assert str(caught.value) == unstubbed
    assert stub.failures() == [
        f"The stub raised StubError during the test (the code under test may have caught it):\n- {unstubbed}"
    ]


def test_script_may_be_any_iterable(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("u", (status for status in ["IN_PROGRESS", "SUCCEEDED"]))

    assert poll(make_client(), "u", 2) == ["IN_PROGRESS", "SUCCEEDED"]


WHEN = "add_upload('u')"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            {"script": ["DONE"]},
            f"{WHEN}: script item 0 'DONE' is not an upload status: use 'IN_PROGRESS', 'SUCCEEDED' or 'FAILED', "
            "a dict of response fields, or ServiceError(code, message).",
        ),
        (
            {"script": ["IN_PROGRESS", 3]},
            f"{WHEN}: script item 1 3 is a int: use 'IN_PROGRESS', 'SUCCEEDED' or 'FAILED', a dict of response "
            "fields, or ServiceError(code, message).",
        ),
        (
            {"script": [{"uploadStatus": "SUCCEEDED", "namespaceVersion": "3"}]},
            f"{WHEN}: script item 0 is not a valid GetUploadStatus response: namespaceVersion='3': Input should be "
            "a valid integer.",
        ),
        (
            {"script": [{"uploadStatus": "SUCCEEDED", "namespace": "acme"}]},
            f"{WHEN}: script item 0 is not a valid GetUploadStatus response: namespace: not a member of the response "
            "(did you mean 'namespaceArn'?).",
        ),
        (
            {"script": [{"namespaceVersion": 3}]},
            f"{WHEN}: script item 0 is not a valid GetUploadStatus response: uploadStatus: Field required.",
        ),
        (
            {"script": [{"uploadStatus": "DONE"}]},
            f"{WHEN}: script item 0 is not a valid GetUploadStatus response: uploadStatus='DONE': Input should be "
            "'IN_PROGRESS', 'SUCCEEDED' or 'FAILED'.",
        ),
        (
            {"script": [{"uploadStatus": "FAILED", "failureReason": "bad"}]},
            f"{WHEN}: script item 0 is not a valid GetUploadStatus response: failureReason='bad': Input should be "
            "a valid list.",
        ),
        (
            {"script": [{"uploadStatus": "FAILED", "uploadId": "v"}]},
            f"{WHEN}: script item 0 sets uploadId to 'v': the service echoes the upload's own ID 'u'; leave "
            "uploadId out of the dict.",
        ),
        (
            {"script": []},
            f"{WHEN}: script is empty: give at least one item, such as ['SUCCEEDED'].",
        ),
        (
            {"script": "SUCCEEDED"},
            f"{WHEN}: script 'SUCCEEDED' is not a sequence of items: pass a list such as ['IN_PROGRESS', 'SUCCEEDED'].",
        ),
        (
            {"script": ["SUCCEEDED"], "namespace_name": "n" * 129},
            f"{WHEN} is not a valid GetUploadStatus response: namespace_name='" + "n" * 58 + "… (129 characters): "
            "String should have at most 128 characters.",
        ),
        (
            {"script": ["SUCCEEDED"], "namespace_version": True},
            f"{WHEN} is not a valid GetUploadStatus response: namespace_version=True: Input should be a valid integer.",
        ),
        (
            {"script": ["SUCCEEDED"], "created_date": dt.datetime(2024, 1, 1)},
            f"{WHEN} is not a valid GetUploadStatus response: created_date=datetime.datetime(2024, 1, 1, 0, 0): "
            "Input should have timezone info.",
        ),
        (
            {"script": ["SUCCEEDED"], "created_date": dt.datetime(1969, 1, 1, tzinfo=dt.timezone.utc)},
            f"{WHEN}: created_date=datetime.datetime(1969, 1, 1, 0, 0, tzinfo=datetime.timezone.utc) is outside "
            "1970-2199: botocore reads createdDate as float epoch seconds; pass a date in that range.",
        ),
        (
            {"script": ["SUCCEEDED"], "region": ""},
            f"{WHEN}: region='' is not a region name: pass one such as 'us-east-1', or None to answer in every region.",
        ),
    ],
)
def test_add_upload_refuses_what_the_service_would_never_send(arguments: dict[str, Any], message: str) -> None:
    with mock_thingsgraph(assert_all_consumed=False) as stub, pytest.raises(UsageError) as caught:
        stub.add_upload("u", **arguments)

    assert str(caught.value) == message


def test_a_dict_item_with_a_non_string_key_is_named() -> None:
    with pytest.raises(UsageError) as caught:
        ThingsGraphStub().add_upload("u", [{("uploadStatus",): "SUCCEEDED"}])

    assert str(caught.value) == (
        "add_upload('u'): script item 0 has the non-string key ('uploadStatus',): use camelCase member names."
    )


@pytest.mark.parametrize(("region", "shown"), [(1, "1"), (["us-east-1"], "['us-east-1']"), ("", "''")])
def test_a_region_that_is_not_a_region_name_is_refused(region: object, shown: str) -> None:
    with mock_thingsgraph() as stub, pytest.raises(UsageError) as caught:
        stub.add_upload("u", ["SUCCEEDED"], region=region)  # type: ignore[arg-type]

    assert str(caught.value) == (
        f"add_upload('u'): region={shown} is not a region name: pass one such as 'us-east-1', "
        "or None to answer in every region."
    )


@pytest.mark.parametrize(
    ("upload_id", "message"),
    [
        (
            "",
            "add_upload('') is not a valid GetUploadStatus response: upload_id='': String should have at least 1 "
            "character.",
        ),
        (
            "x" * 41,
            "add_upload('xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx') is not a valid GetUploadStatus response: "
            "upload_id='xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx': String should have at most 40 characters.",
        ),
        (7, "add_upload(7) is not a valid GetUploadStatus response: upload_id=7: Input should be a valid string."),
    ],
)
def test_add_upload_refuses_upload_ids_outside_the_documented_shape(upload_id: Any, message: str) -> None:
    with mock_thingsgraph() as stub, pytest.raises(UsageError) as caught:
        stub.add_upload(upload_id, ["SUCCEEDED"])

    assert str(caught.value) == message


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


# An upload is scripted once


def test_an_upload_is_scripted_once(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"])

    with pytest.raises(UsageError) as caught:
        thingsgraph_stub.add_upload("u", ["FAILED"])

    assert str(caught.value) == (
        "add_upload('u'): the upload already has a script: put every answer in one script, or call reset() first."
    )
    make_client().get_upload_status(uploadId="u")


# ServiceError: what it refuses, its status from 400 to 599, a value


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ("Nope",),
            "ServiceError('Nope') needs status_code=: only InvalidRequestException (400), "
            "ResourceNotFoundException (404), InternalFailureException (500), ThrottlingException (400), "
            "LimitExceededException (400), ResourceAlreadyExistsException (400), ResourceInUseException (400) have a "
            "documented status.",
        ),
        (
            ("Bad Code",),
            "ServiceError code 'Bad Code' is not an error code: use one of InvalidRequestException, "
            "ResourceNotFoundException, InternalFailureException, ThrottlingException, LimitExceededException, "
            "ResourceAlreadyExistsException, ResourceInUseException, or another identifier with status_code=.",
        ),
        (("ThrottlingException", 3), "ServiceError('ThrottlingException') message 3 is not a str: pass text."),
    ],
)
def test_service_error_refuses_what_it_cannot_send(arguments: tuple[Any, ...], message: str) -> None:
    with pytest.raises(UsageError) as caught:
        ServiceError(*arguments)

    assert str(caught.value) == message


def test_service_error_status_must_be_an_error_status() -> None:
    with pytest.raises(UsageError) as caught:
        ServiceError("Teapot", status_code=200)

    assert str(caught.value) == (
        "ServiceError('Teapot') status_code 200 is not an error status: pass an int from 400 to 599."
    )


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


def test_service_error_is_a_value() -> None:
    error = ServiceError("ThrottlingException", "Rate exceeded")

    assert (error.code, error.message, error.status_code) == ("ThrottlingException", "Rate exceeded", 400)
    assert error == ServiceError("ThrottlingException", "Rate exceeded", status_code=400)
    assert repr(error) == "ServiceError('ThrottlingException', 'Rate exceeded')"
    assert repr(ServiceError("Gone", status_code=410)) == "ServiceError('Gone', status_code=410)"
    with pytest.raises(AttributeError):
        error.code = "Other"  # type: ignore[misc]


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

"""The JSON form of scripts, which script files (``thingsgraph-server --script``) and the control API share: each
entry is what ``add_upload`` or ``on_upload_entity_definitions`` takes, and each mistake is named by its place."""

from __future__ import annotations

import datetime as dt
import json
from contextlib import closing
from typing import Any

import pytest
from server_helpers import DOCUMENT, call, connect

from pytest_thingsgraph import ServiceError, ThingsGraphServer, ThingsGraphStub, UsageError
from pytest_thingsgraph._operations.get_upload_status import add_upload_json
from pytest_thingsgraph._operations.upload_entity_definitions import queue_upload_entity_definitions_json
from pytest_thingsgraph._script_files import apply_script
from pytest_thingsgraph._script_json import parse_created_date, service_error

CREATED = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone.utc)


# --- script files ----------------------------------------------------------------------------------------------


def test_script_file_form_is_add_upload() -> None:
    stub = ThingsGraphStub()
    queued = apply_script(
        stub,
        {
            "uploads": [
                {"uploadId": "a", "script": ["SUCCEEDED"], "createdDate": 1714564800, "failureReason": None},
                {
                    "uploadId": "b",
                    "script": [
                        {"uploadStatus": "FAILED", "failureReason": ["bad"], "createdDate": "2024-05-01T12:00Z"}
                    ],
                },
            ],
            "uploadEntityDefinitions": [{"__type": "ThrottlingException"}, {"uploadId": "c"}],
        },
    )
    assert queued == [None, "c"]
    twin = ThingsGraphStub()
    twin.add_upload("a", ["SUCCEEDED"], created_date=CREATED)
    twin.add_upload("b", [{"uploadStatus": "FAILED", "failureReason": ["bad"], "createdDate": CREATED}])
    twin.on_upload_entity_definitions(ServiceError("ThrottlingException"))
    twin.on_upload_entity_definitions(upload_id="c")
    assert stub.failures() == twin.failures()
    assert len(stub.failures()) == 2  # two uploads unpolled, two answers untaken, in both


def test_a_script_file_may_leave_out_either_list() -> None:
    stub = ThingsGraphStub()
    assert apply_script(stub, {"uploadEntityDefinitions": [{"uploadId": "q"}]}) == ["q"]
    assert apply_script(stub, {"uploads": [{"uploadId": "u", "script": ["SUCCEEDED"]}]}) == []
    assert apply_script(stub, {}) == []
    assert len(stub.failures()) == 2  # an answer untaken, an upload unpolled


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "a script file is a JSON object"),
        ({"upload": []}, "unknown key 'upload': a script file has uploads, uploadEntityDefinitions and responses."),
        ({"uploads": {}}, "uploads is an object: give a JSON array"),
        ({"uploads": [{"uploadId": "a", "script": []}]}, "uploads[0]"),
    ],
)
def test_script_file_errors_name_the_entry(document: object, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        apply_script(ThingsGraphStub(), document, where="script.json")
    assert message in str(caught.value)
    assert str(caught.value).startswith("script.json")


def test_a_script_files_queued_answers_are_named_by_their_place() -> None:
    stub = ThingsGraphStub()
    with pytest.raises(UsageError) as caught:
        apply_script(stub, {"uploadEntityDefinitions": {}}, where="s.json")
    assert str(caught.value) == "s.json: uploadEntityDefinitions is an object: give a JSON array of objects."
    with pytest.raises(UsageError) as caught:
        apply_script(stub, {"uploadEntityDefinitions": [{"uploadId": "x"}, {"bogus": 1}]}, where="s.json")
    assert str(caught.value).startswith("s.json: uploadEntityDefinitions[1]: unknown key 'bogus': use uploadId, ")
    assert str(caught.value).endswith(", failureReason, expected.")  # no region for a queued upload


# --- entries ---------------------------------------------------------------------------------------------------


def test_each_json_form_names_what_is_wrong_by_default() -> None:
    stub = ThingsGraphStub()
    cases: list[tuple[Any, str]] = [
        (
            lambda: apply_script(stub, []),
            'script: a script file is a JSON object such as {"uploads": [...], "uploadEntityDefinitions": [...], '
            '"responses": [...]}, not an array.',
        ),
        (
            lambda: add_upload_json(stub, 5),
            'upload is a number: give a JSON object such as {"uploadId": "u-1", "script": ["SUCCEEDED"]}.',
        ),
        (
            lambda: queue_upload_entity_definitions_json(stub, 5),
            'answer is a number: give a JSON object such as {"uploadId": "u-1", "script": ["SUCCEEDED"]}.',
        ),
        (
            lambda: parse_created_date("x"),
            "createdDate='x' is not an ISO 8601 date: give one such as '2024-05-01T12:00:00Z'.",
        ),
        (lambda: parse_created_date(1e20), "createdDate=1e+20 is not a date: give epoch seconds from 1970 to 2199."),
    ]
    for make, message in cases:
        with pytest.raises(UsageError) as caught:
            make()
        assert str(caught.value) == message


def test_unknown_keys_are_named_with_the_keys_there_are() -> None:
    stub = ThingsGraphStub()
    with pytest.raises(UsageError) as caught:
        add_upload_json(stub, {"uploadId": "a", "script": ["SUCCEEDED"], "bogus": 1})
    assert str(caught.value) == (
        "upload: unknown key 'bogus': use uploadId, script, namespaceName, namespaceArn, namespaceVersion, "
        "createdDate, failureReason, region."
    )
    with pytest.raises(UsageError) as caught:
        queue_upload_entity_definitions_json(stub, {"__type": "ThrottlingException", "bogus": 1})
    assert str(caught.value) == "answer: unknown key 'bogus' in an error: use __type, message, statusCode."
    assert stub.failures() == []  # nothing was queued


def test_a_queued_answers_own_problems_are_named_by_where() -> None:
    stub = ThingsGraphStub()
    with pytest.raises(UsageError) as caught:
        queue_upload_entity_definitions_json(stub, {"__type": "ThrottlingException", "expected": 5})
    assert str(caught.value) == "answer: expected is a number: give an object of request members."
    with pytest.raises(UsageError) as caught:
        queue_upload_entity_definitions_json(stub, {"namespaceVersion": "x"}, where="entry")
    assert str(caught.value) == (
        "entry: the upload is not a valid GetUploadStatus response: "
        "namespaceVersion='x': Input should be a valid integer."
    )
    with pytest.raises(UsageError) as caught:
        queue_upload_entity_definitions_json(stub, {"namespaceVersion": "x", "uploadId": 5})
    assert str(caught.value).startswith("answer: ")


def test_a_script_items_bad_date_is_named_by_its_place() -> None:
    with pytest.raises(UsageError) as caught:
        add_upload_json(
            ThingsGraphStub(), {"uploadId": "b", "script": [{"uploadStatus": "FAILED", "createdDate": "x"}]}
        )
    assert str(caught.value) == (
        "upload: script item 0: createdDate='x' is not an ISO 8601 date: give one such as '2024-05-01T12:00:00Z'."
    )


def test_an_error_status_code_is_taken_from_400_to_599_and_refused_outside() -> None:
    for status in (400, 599):
        assert service_error({"__type": "Teapot", "statusCode": status}, where="entry").status_code == status
    for status in (399, 600):
        with pytest.raises(UsageError) as caught:
            service_error({"__type": "Teapot", "statusCode": status}, where="entry")
        assert str(caught.value) == (
            f"entry: statusCode {status} is not an error status: give a number from 400 to 599."
        )


def test_error_entries_keep_their_status_code_and_a_null_message_is_empty(own_server: ThingsGraphServer) -> None:
    apply_script(
        own_server.stub,
        {
            "uploadEntityDefinitions": [
                {"__type": "ThrottlingException", "message": None},
                {"__type": "TeapotException", "message": "short and stout", "statusCode": 418},
            ]
        },
    )
    with closing(connect(own_server.endpoint_url)) as connection:
        answers = [
            call(connection, own_server.endpoint_url, DOCUMENT, operation="UploadEntityDefinitions") for _ in range(2)
        ]
    assert [(status, json.loads(body)) for status, _, body in answers] == [
        (400, {"__type": "ThrottlingException", "message": ""}),
        (418, {"__type": "TeapotException", "message": "short and stout"}),
    ]
    assert own_server.stub.failures() == []


# --- createdDate -----------------------------------------------------------------------------------------------


def test_created_date_forms() -> None:
    assert parse_created_date(1714564800) == CREATED
    assert parse_created_date(1714564800.5) == CREATED + dt.timedelta(milliseconds=500)
    assert parse_created_date("2024-05-01T12:00:00Z") == CREATED
    assert parse_created_date("2024-05-01T14:00:00+02:00") == CREATED
    with pytest.raises(UsageError, match="true is a boolean"):
        parse_created_date(True)
    with pytest.raises(UsageError, match="no UTC offset"):
        parse_created_date("2024-05-01")


def test_a_lower_case_z_is_utc_too() -> None:
    assert parse_created_date("2024-05-01T12:00:00z") == dt.datetime(2024, 5, 1, 12, tzinfo=dt.timezone.utc)


def test_created_dates_run_from_the_first_instant_of_1970_to_the_last_before_2200() -> None:
    first = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    last = dt.datetime(2199, 12, 31, 23, 59, 59, 999999, tzinfo=dt.timezone.utc)
    assert parse_created_date(0) == parse_created_date("1970-01-01T00:00:00Z") == first
    assert parse_created_date("2199-12-31T23:59:59.999999Z") == last
    for value in (7258118400, "2200-01-01T00:00:00Z", "1969-12-31T23:59:59.999999Z"):
        with pytest.raises(UsageError) as caught:
            parse_created_date(value)
        assert str(caught.value) == f"createdDate={value!r} is outside 1970-2199: give a date in that range."

"""Server mode's control API: scripting the stub and reading its calls and report over HTTP, its routes, methods
and the exact messages of what it refuses."""

from __future__ import annotations

import datetime as dt
import json
from contextlib import closing
from email.message import Message
from typing import Any

import pytest
from server_helpers import call, connect, control, exchange, responses

from pytest_thingsgraph import ThingsGraphServer, ThingsGraphStub, UsageError, _threaded_server
from pytest_thingsgraph._operations import JSON_FORMS

CREATED = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone.utc)


def raw_control(server: ThingsGraphServer, method: str, path: str, body: bytes = b"") -> tuple[int, Message, Any]:
    """One control API request of raw bytes; the status, the headers (names in any case) and the JSON answer."""
    with closing(connect(server.endpoint_url)) as connection:
        connection.request(method, path, body=body)
        response = connection.getresponse()
        return response.status, response.headers, json.loads(response.read())


# --- scripting the stub and reading it --------------------------------------------------------------------------


def test_control_api_scripts_and_reads_the_stub(thingsgraph_server: ThingsGraphServer) -> None:
    url = thingsgraph_server.endpoint_url
    upload = {
        "uploadId": "u-1",
        "script": ["IN_PROGRESS", {"__type": "ThrottlingException", "message": "Rate exceeded"}, "SUCCEEDED"],
        "namespaceName": "acme",
        "namespaceVersion": 3,
        "createdDate": "2024-05-01T12:00:00Z",
        "region": "us-east-1",
    }
    assert control(url, "POST", "/_thingsgraph/uploads", upload) == (200, {"uploadId": "u-1"})
    status, report = control(url, "GET", "/_thingsgraph/report")
    assert status == 200
    (section,) = report["failures"]
    assert "'u-1': 0 of 3 items served" in section
    assert control(url, "GET", "/_thingsgraph/report?checkConsumed=false") == (200, {"failures": []})

    with closing(connect(url)) as connection:
        answers = [call(connection, url, {"uploadId": "u-1"}) for _ in range(3)]
    assert [status for status, _, _ in answers] == [200, 400, 200]
    status, calls = control(url, "GET", "/_thingsgraph/calls")
    assert status == 200
    first, throttled, last = calls["calls"]
    assert first == {
        "operation": "GetUploadStatus",
        "uploadId": "u-1",
        "region": "us-east-1",
        "statusCode": 200,
        "errorCode": None,
        "request": {"uploadId": "u-1"},
        "response": {
            "uploadId": "u-1",
            "uploadStatus": "IN_PROGRESS",
            "namespaceName": "acme",
            "namespaceVersion": 3,
            "createdDate": CREATED.timestamp(),
        },
        "requestId": answers[0][1]["x-amzn-RequestId"],
    }
    assert throttled["errorCode"] == "ThrottlingException"
    assert throttled["response"] == {"__type": "ThrottlingException", "message": "Rate exceeded"}
    assert last["response"]["uploadStatus"] == "SUCCEEDED"
    assert control(url, "GET", "/_thingsgraph/report") == (200, {"failures": []})
    assert control(url, "POST", "/_thingsgraph/reset") == (200, {})
    assert control(url, "GET", "/_thingsgraph/calls") == (200, {"calls": []})


def test_control_api_queues_upload_entity_definitions(
    thingsgraph_server: ThingsGraphServer, thingsgraph_stub: ThingsGraphStub
) -> None:
    url = thingsgraph_server.endpoint_url
    error = {"__type": "InternalFailureException", "message": "try again", "statusCode": 500}
    assert control(url, "POST", "/_thingsgraph/upload-entity-definitions", error) == (200, {"uploadId": None})
    queued = {"uploadId": "from-control", "script": ["SUCCEEDED"], "namespaceVersion": 9}
    assert control(url, "POST", "/_thingsgraph/upload-entity-definitions", queued) == (
        200,
        {"uploadId": "from-control"},
    )
    status, answer = control(url, "POST", "/_thingsgraph/upload-entity-definitions", {})
    assert status == 200
    generated = answer["uploadId"]
    document = {"document": {"language": "GRAPHQL", "text": "type Lamp { on: Boolean }"}}
    with closing(connect(url)) as connection:
        results = [call(connection, url, document, operation="UploadEntityDefinitions") for _ in range(3)]
        polled = call(connection, url, {"uploadId": "from-control"})
        for _ in range(2):
            call(connection, url, {"uploadId": generated})
    assert [status for status, _, _ in results] == [500, 200, 200]
    assert [json.loads(body).get("uploadId") for _, _, body in results[1:]] == ["from-control", generated]
    assert json.loads(polled[2])["namespaceVersion"] == 9
    assert thingsgraph_stub.failures() == []


def test_control_api_queued_answer_with_an_expected_request(thingsgraph_server: ThingsGraphServer) -> None:
    url = thingsgraph_server.endpoint_url
    queued = {"uploadId": "expecting", "script": ["SUCCEEDED"], "expected": {"deprecateExistingEntities": True}}
    assert control(url, "POST", "/_thingsgraph/upload-entity-definitions", queued) == (200, {"uploadId": "expecting"})
    error = {"__type": "ThrottlingException", "expected": {"deprecateExistingEntities": True}}
    assert control(url, "POST", "/_thingsgraph/upload-entity-definitions", error) == (200, {"uploadId": None})
    document = {"document": {"language": "GRAPHQL", "text": "type Lamp { on: Boolean }"}}
    with closing(connect(url)) as connection:
        results = [call(connection, url, document, operation="UploadEntityDefinitions") for _ in range(2)]
        call(connection, url, {"uploadId": "expecting"})
    assert [status for status, _, _ in results] == [200, 400]
    failures = thingsgraph_server.stub.failures()
    assert len(failures) == 1
    assert failures[0].count("deprecateExistingEntities") == 2  # both calls differed from what was expected
    thingsgraph_server.stub.reset()


def test_the_report_takes_check_consumed_true_or_false(own_server: ThingsGraphServer) -> None:
    own_server.stub.add_upload("never-polled", ["SUCCEEDED"])
    reports = {
        query: control(own_server.endpoint_url, "GET", f"/_thingsgraph/report{query}")
        for query in ("", "?checkConsumed=true", "?checkConsumed=TRUE", "?checkConsumed=false")
    }
    assert reports[""] == reports["?checkConsumed=true"] == reports["?checkConsumed=TRUE"]
    assert reports[""][0] == 200
    assert "'never-polled': 0 of 1 items served" in reports[""][1]["failures"][0]
    assert reports["?checkConsumed=false"] == (200, {"failures": []})


# --- what it refuses -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"script": ["SUCCEEDED"]}, "uploadId is missing"),
        ({"uploadId": "u", "script": "SUCCEEDED"}, "script is a string: give a JSON array"),
        ({"uploadId": "u", "script": ["DONE"]}, '"DONE" is not an upload status'),
        ({"uploadId": "u", "script": ["SUCCEEDED"], "namespace": "x"}, "unknown key 'namespace'"),
        (
            {"uploadId": "u", "script": ["SUCCEEDED"], "namespaceVersion": "3"},
            "namespaceVersion='3': Input should be a valid integer",
        ),
        ({"uploadId": "u", "script": ["SUCCEEDED"], "createdDate": "2024-05-01T12:00:00"}, "has no UTC offset"),
        ({"uploadId": "u", "script": ["SUCCEEDED"], "createdDate": "yesterday"}, "is not an ISO 8601 date"),
        ({"uploadId": "u", "script": [{"__type": "Oops", "message": "m"}]}, "needs a statusCode"),
        ({"uploadId": "u", "script": [{"__type": "ThrottlingException", "code": 1}]}, "unknown key 'code'"),
        (["SUCCEEDED"], "is an array: give a JSON object"),
    ],
)
def test_control_api_refuses_a_bad_upload(
    thingsgraph_server: ThingsGraphServer, document: object, message: str
) -> None:
    status, answer = control(thingsgraph_server.endpoint_url, "POST", "/_thingsgraph/uploads", document)
    assert status == 400
    assert message in answer["message"]
    assert answer["message"].startswith("POST /_thingsgraph/uploads")
    assert thingsgraph_server.stub.failures() == []  # a refused script is no failure of the report


def test_control_api_refuses_a_region_on_a_queued_upload(thingsgraph_server: ThingsGraphServer) -> None:
    status, answer = control(
        thingsgraph_server.endpoint_url, "POST", "/_thingsgraph/upload-entity-definitions", {"region": "us-east-1"}
    )
    assert status == 400
    assert "unknown key 'region' (the upload lives in the region of the call)" in answer["message"]


def test_bodies_the_control_api_cannot_read_are_named(own_server: ThingsGraphServer) -> None:
    route = "/_thingsgraph/upload-entity-definitions"
    assert raw_control(own_server, "POST", route, b"\xff{}")[::2] == (
        400,
        {"message": f"POST {route}: the body is not UTF-8 (invalid start byte at byte 0)."},
    )
    assert raw_control(own_server, "POST", route, b"{")[::2] == (
        400,
        {
            "message": f"POST {route}: the body is not JSON: "
            "Expecting property name enclosed in double quotes at line 1 column 2."
        },
    )
    with ThingsGraphServer() as roomy:  # the default 8 MiB limit
        deep = raw_control(roomy, "POST", route, b"[" * 100_000)  # deeper than the decoder recurses
    assert deep[::2] == (400, {"message": f"POST {route}: the body is not JSON this server can read."})
    status, answer = control(own_server.endpoint_url, "POST", route, {"bogus": 1})
    assert status == 400
    assert answer["message"].startswith(f"POST {route}: unknown key 'bogus': use uploadId, script, ")


# --- routes and methods ----------------------------------------------------------------------------------------


def test_control_api_bad_json_paths_and_methods(thingsgraph_server: ThingsGraphServer) -> None:
    url = thingsgraph_server.endpoint_url
    with closing(connect(url)) as connection:
        connection.request("POST", "/_thingsgraph/uploads", body=b'{"uploadId": ', headers={})
        response = connection.getresponse()
        bad_json = (response.status, json.loads(response.read()))
    assert bad_json[0] == 400
    assert "the body is not JSON: Expecting value at line 1 column 14" in bad_json[1]["message"]

    status, answer = control(url, "GET", "/_thingsgraph/nothing-here")
    assert status == 404
    for route in ("POST /_thingsgraph/uploads", "GET /_thingsgraph/calls", "POST /_thingsgraph/reset"):
        assert route in answer["message"]

    status, answer = control(url, "DELETE", "/_thingsgraph/calls")
    assert status == 405
    assert answer["message"] == "DELETE /_thingsgraph/calls is not allowed: use GET /_thingsgraph/calls."

    status, answer = control(url, "GET", "/_thingsgraph/report?checkConsumed=maybe")
    assert status == 400
    assert "checkConsumed='maybe' is not a boolean" in answer["message"]


def test_a_405_names_the_allowed_method_in_an_allow_header(own_server: ThingsGraphServer) -> None:
    for path in ("/_thingsgraph/uploads", "/_thingsgraph/uploads/"):
        status, headers, answer = raw_control(own_server, "GET", path)
        assert (status, headers.get("Allow"), headers["Content-Type"].lower()) == (405, "POST", "application/json")
        assert answer == {"message": "GET /_thingsgraph/uploads is not allowed: use POST /_thingsgraph/uploads."}
    status, headers, _ = raw_control(own_server, "GET", "/_thingsgraph/calls")
    assert (status, headers["Allow"], headers["Content-Type"].lower()) == (200, None, "application/json")


def test_a_trailing_slash_reaches_the_route_and_any_other_ending_does_not(own_server: ThingsGraphServer) -> None:
    status, answer = control(
        own_server.endpoint_url, "POST", "/_thingsgraph/uploads/", {"uploadId": "u", "script": ["SUCCEEDED"]}
    )
    assert (status, answer) == (200, {"uploadId": "u"})
    status, answer = control(own_server.endpoint_url, "GET", "/_thingsgraph/callsX")
    assert status == 404
    assert answer == {
        "message": "No control API at /_thingsgraph/callsX: use one of POST /_thingsgraph/uploads; "
        "POST /_thingsgraph/upload-entity-definitions; POST /_thingsgraph/responses; GET /_thingsgraph/calls; "
        "GET /_thingsgraph/report; POST /_thingsgraph/reset."
    }


def test_the_control_prefix_alone_and_queries_with_question_marks(own_server: ThingsGraphServer) -> None:
    [(status, _, answer)] = responses(exchange(own_server, b"GET /_thingsgraph HTTP/1.1\r\nHost: x\r\n\r\n"))
    assert status == "HTTP/1.1 404 Not Found"
    assert answer["message"].startswith("No control API at /_thingsgraph: use one of POST /_thingsgraph/uploads; ")
    [(status, _, answer)] = responses(exchange(own_server, b"GET /_thingsgraph/calls?a=?b HTTP/1.1\r\nHost: x\r\n\r\n"))
    assert (status, answer) == ("HTTP/1.1 200 OK", {"calls": []})


def test_a_route_made_for_a_json_form_adds_its_entry_and_names_itself_in_each_refusal() -> None:
    """``_adding(form)`` makes each POST route of CONTROL_ROUTES: here one is made afresh and called directly."""
    stub = ThingsGraphStub()
    add = _threaded_server._adding(JSON_FORMS["uploads"])
    body = b'{"uploadId": "u", "script": ["SUCCEEDED"]}'
    request = _threaded_server.ControlRequest("/_thingsgraph/uploads", "/_thingsgraph/uploads", body)

    assert add(stub, request) == {"uploadId": "u"}
    with pytest.raises(UsageError) as twice:
        add(stub, request)
    assert str(twice.value) == (
        "POST /_thingsgraph/uploads: uploadId 'u' already has a script: put every answer in one script, "
        "or POST /_thingsgraph/reset first."
    )
    with pytest.raises(UsageError) as unread:
        add(stub, request._replace(body=b'{"uploadId": '))
    assert str(unread.value) == "POST /_thingsgraph/uploads: the body is not JSON: Expecting value at line 1 column 14."

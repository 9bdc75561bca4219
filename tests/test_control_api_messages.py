"""Control API errors name the JSON keys the caller sent.

A bad entry posted to ``/_thingsgraph/uploads`` or ``/_thingsgraph/upload-entity-definitions`` (or read
from a ``--script`` file) is refused with 400 and a message in the JSON form's own terms: ``uploadId``,
``statusCode``, ``"SUCCEEDED"``, never the stub's Python arguments (``add_upload('u')``, ``upload_id=``,
``ServiceError(...)``, ``status_code=``). Each message is pinned whole.
"""

from __future__ import annotations

import io
import json
import re
from contextlib import redirect_stderr
from pathlib import Path

import pytest
from server_helpers import control

from pytest_thingsgraph import ThingsGraphServer, ThingsGraphStub, UsageError, mock_thingsgraph
from pytest_thingsgraph._script_files import apply_script
from pytest_thingsgraph.server import main

UPLOADS = "/_thingsgraph/uploads"
QUEUE = "/_thingsgraph/upload-entity-definitions"
RESPONSES = "/_thingsgraph/responses"
ITEM_KINDS = (
    'use "IN_PROGRESS", "SUCCEEDED" or "FAILED", an object of response members, '
    'or an error object such as {"__type": "ResourceNotFoundException", "message": "..."}.'
)
DOCUMENTED = (
    "InvalidRequestException (400), ResourceNotFoundException (404), InternalFailureException (500), "
    "ThrottlingException (400), LimitExceededException (400), ResourceAlreadyExistsException (400), "
    "ResourceInUseException (400)"
)
#: What no message of the control API may name: the stub's methods, Python keywords, the error's class.
PYTHON_NAMES = re.compile(r"add_upload|on_upload_entity_definitions|ServiceError|reset\(\)|\b[a-z]+_[a-z_]+=")


def upload(**members: object) -> dict[str, object]:
    return {"uploadId": "u", "script": ["SUCCEEDED"], **members}


CASES: list[tuple[str, object, str]] = [
    (UPLOADS, upload(uploadId=5), 'uploadId is a number: give a string such as "u-1".'),
    (
        UPLOADS,
        upload(uploadId=""),
        "the upload is not a valid GetUploadStatus response: uploadId='': String should have at least 1 character.",
    ),
    (UPLOADS, upload(script=[]), 'script is empty: give at least one item, such as ["SUCCEEDED"].'),
    (
        UPLOADS,
        upload(script=["SUCCEDED"]),
        f'script item 0 "SUCCEDED" is not an upload status (did you mean "SUCCEEDED"?): {ITEM_KINDS}',
    ),
    (UPLOADS, upload(script=["DONE"]), f'script item 0 "DONE" is not an upload status: {ITEM_KINDS}'),
    (UPLOADS, upload(script=["IN_PROGRESS", 5]), f"script item 1 is a number: {ITEM_KINDS}"),
    (UPLOADS, upload(script=[None]), f"script item 0 is null: {ITEM_KINDS}"),
    (
        UPLOADS,
        upload(script=[{"uploadStatus": "NOPE"}]),
        "script item 0 is not a valid GetUploadStatus response: "
        "uploadStatus='NOPE': Input should be 'IN_PROGRESS', 'SUCCEEDED' or 'FAILED'.",
    ),
    (
        UPLOADS,
        upload(script=["SUCCEEDED", "IN_PROGRESS"]),
        "script item 1 'IN_PROGRESS' comes after the upload ended SUCCEEDED: an upload that reached SUCCEEDED "
        "stays SUCCEEDED. End the script there, or give the upload a second script under another upload ID.",
    ),
    (
        UPLOADS,
        upload(region=5),
        'region 5 is not a region name: give one such as "us-east-1", or leave region out to answer in every region.',
    ),
    (
        UPLOADS,
        upload(region=""),
        'region "" is not a region name: give one such as "us-east-1", or leave region out to answer in every region.',
    ),
    (
        UPLOADS,
        upload(namespaceVersion="x"),
        "the upload is not a valid GetUploadStatus response: namespaceVersion='x': Input should be a valid integer.",
    ),
    (
        UPLOADS,
        upload(failureReason="x"),
        "the upload is not a valid GetUploadStatus response: failureReason='x': Input should be a valid list.",
    ),
    (
        UPLOADS,
        upload(namespaceName="\ud800"),
        "the upload: namespaceName='\\ud800' has a lone surrogate, which no UTF-8 JSON response can carry: "
        "pass text without one.",
    ),
    (UPLOADS, upload(createdDate=-5), "createdDate=-5 is outside 1970-2199: give a date in that range."),
    (
        UPLOADS,
        upload(createdDate="2300-01-01T00:00:00Z"),
        "createdDate='2300-01-01T00:00:00Z' is outside 1970-2199: give a date in that range.",
    ),
    (
        UPLOADS,
        upload(script=[{"__type": "Oops", "message": "m"}]),
        f"script item 0: Oops needs a statusCode: only {DOCUMENTED} have a documented status.",
    ),
    (
        UPLOADS,
        upload(script=[{"__type": 5}]),
        "script item 0: __type 5 is not an error code: use one of InvalidRequestException, "
        "ResourceNotFoundException, InternalFailureException, ThrottlingException, LimitExceededException, "
        "ResourceAlreadyExistsException, ResourceInUseException, or another identifier with a statusCode.",
    ),
    (
        UPLOADS,
        upload(script=[{"__type": "ResourceNotFoundException", "message": 5}]),
        "script item 0: message 5 is a number: give a string.",
    ),
    (
        UPLOADS,
        upload(script=[{"__type": "ResourceNotFoundException", "statusCode": 200}]),
        "script item 0: statusCode 200 is not an error status: give a number from 400 to 599.",
    ),
    (
        UPLOADS,
        upload(script=[{"__type": "ResourceNotFoundException", "statusCode": "404"}]),
        'script item 0: statusCode "404" is not an error status: give a number from 400 to 599.',
    ),
    (QUEUE, {"uploadId": 5}, 'uploadId is a number: give a string such as "u-1".'),
    (QUEUE, {"script": []}, 'script is empty: give at least one item, such as ["SUCCEEDED"].'),
    (
        QUEUE,
        {"namespaceVersion": "x"},
        "the upload is not a valid GetUploadStatus response: namespaceVersion='x': Input should be a valid integer.",
    ),
    (QUEUE, {"expected": 5}, "expected is a number: give an object of request members."),
    (
        QUEUE,
        {"expected": {"nope": 1}},
        'expected has "nope", which is not a member of UploadEntityDefinitionsRequest: '
        "use document, syncWithPublicNamespace, deprecateExistingEntities.",
    ),
    (
        QUEUE,
        {"__type": "InvalidRequestException", "expected": []},
        "expected is an array: give an object of request members.",
    ),
    (QUEUE, {"__type": "Oops"}, f"Oops needs a statusCode: only {DOCUMENTED} have a documented status."),
]


@pytest.mark.parametrize(("route", "document", "message"), CASES)
def test_a_bad_entry_is_named_by_its_json_keys(
    thingsgraph_server: ThingsGraphServer, route: str, document: object, message: str
) -> None:
    status, answer = control(thingsgraph_server.endpoint_url, "POST", route, document)

    assert (status, answer) == (400, {"message": f"POST {route}: {message}"})
    assert not PYTHON_NAMES.search(answer["message"])
    assert thingsgraph_server.stub.failures() == []  # nothing was scripted


def test_a_script_file_entry_is_named_by_its_json_keys_and_place() -> None:
    document = {"uploadEntityDefinitions": [{}, {"script": ["FAILED"], "failureReason": "bad"}]}
    with pytest.raises(UsageError) as caught:
        apply_script(ThingsGraphStub(), document, where="script.json")
    assert str(caught.value) == (
        "script.json: uploadEntityDefinitions[1]: the upload is not a valid GetUploadStatus response: "
        "failureReason='bad': Input should be a valid list."
    )


# --- the two refusals the stub itself states: an upload scripted twice, a stopped stub ---------------------

TAKEN = "uploadId 'u' already has a script: put every answer in one script, or POST /_thingsgraph/reset first."
STOPPED = (
    "the stub this server serves has stopped, so it takes no more scripts: "
    "serve a running stub, such as the thingsgraph_server fixture's."
)


@pytest.mark.parametrize(
    ("first", "second"),
    [(UPLOADS, UPLOADS), (UPLOADS, QUEUE), (QUEUE, UPLOADS), (QUEUE, QUEUE)],
)
def test_an_upload_scripted_twice_is_named_by_its_json_keys(
    thingsgraph_server: ThingsGraphServer, first: str, second: str
) -> None:
    endpoint_url = thingsgraph_server.endpoint_url
    assert control(endpoint_url, "POST", first, upload()) == (200, {"uploadId": "u"})

    status, answer = control(endpoint_url, "POST", second, upload())

    assert (status, answer) == (400, {"message": f"POST {second}: {TAKEN}"})
    assert not PYTHON_NAMES.search(answer["message"])
    assert control(endpoint_url, "POST", "/_thingsgraph/reset") == (200, {})
    assert control(endpoint_url, "POST", second, upload()) == (200, {"uploadId": "u"})  # as the message says
    thingsgraph_server.stub.reset()


@pytest.mark.parametrize(
    ("route", "document"),
    [
        (UPLOADS, upload()),
        (QUEUE, upload()),
        (QUEUE, {"__type": "ThrottlingException", "message": "m"}),
        (RESPONSES, {"operation": "DescribeNamespace", "response": {}}),
        (RESPONSES, {"operation": "DescribeNamespace", "error": {"__type": "ThrottlingException"}}),
    ],
)
def test_a_stopped_stub_refuses_entries_in_the_json_forms_words(route: str, document: object) -> None:
    with mock_thingsgraph() as stub:
        pass
    with ThingsGraphServer(stub) as server:
        status, answer = control(server.endpoint_url, "POST", route, document)

    assert (status, answer) == (400, {"message": f"POST {route}: {STOPPED}"})
    assert not PYTHON_NAMES.search(answer["message"])
    assert stub.failures() == []  # nothing was scripted


@pytest.mark.parametrize(
    ("document", "place"),
    [
        ({"uploads": [upload(), upload()]}, "uploads[1]"),
        ({"uploads": [upload()], "uploadEntityDefinitions": [upload()]}, "uploadEntityDefinitions[0]"),
        ({"uploadEntityDefinitions": [upload(), upload()]}, "uploadEntityDefinitions[1]"),
    ],
)
def test_a_script_file_that_scripts_an_upload_twice_says_so(
    tmp_path: Path, document: dict[str, object], place: str
) -> None:
    script = tmp_path / "script.json"
    script.write_text(json.dumps(document), encoding="utf-8")
    stderr = io.StringIO()

    with redirect_stderr(stderr):
        status = main(["--script", str(script)])

    assert (status, stderr.getvalue()) == (
        2,
        f"thingsgraph-server: {script}: {place}: uploadId 'u' is already scripted by an earlier entry of this "
        "file: put every answer in one entry.\n",
    )
    assert not PYTHON_NAMES.search(stderr.getvalue())


def test_the_python_api_keeps_its_own_words() -> None:
    with mock_thingsgraph() as stub:
        stub.add_upload("u", ["SUCCEEDED"])
        with pytest.raises(UsageError) as taken:
            stub.add_upload("u", ["SUCCEEDED"])
        stub.reset()
    with pytest.raises(UsageError) as stopped:
        stub.add_upload("u", ["SUCCEEDED"])

    assert str(taken.value) == (
        "add_upload('u'): the upload already has a script: put every answer in one script, or call reset() first."
    )
    assert str(stopped.value).startswith("add_upload('u'): this stub has stopped, so no call would reach the script.")

"""UploadEntityDefinitions -> GetUploadStatus: the whole flow the code under test runs."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

import pytest
from helpers import examples, make_client, validation_errors
from hypothesis import given, settings

from pytest_thingsgraph import ServiceError, StubError, ThingsGraphStub, UsageError, mock_thingsgraph
from pytest_thingsgraph.strategies import upload_entity_definitions_requests

GRAPHQL = {"language": "GRAPHQL", "text": 'type Lamp @entity(id: "urn:tdm:acme/Lamp") { on: Boolean }'}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
MAX_TEXT = 1_048_576


def upload_and_poll(client: Any, **request: Any) -> list[str]:
    upload_id = client.upload_entity_definitions(**request)["uploadId"]
    statuses = [client.get_upload_status(uploadId=upload_id)["uploadStatus"]]
    while statuses[-1] == "IN_PROGRESS":
        statuses.append(client.get_upload_status(uploadId=upload_id)["uploadStatus"])
    return statuses


def upload_definitions(text: str) -> Any:
    return make_client().upload_entity_definitions(document={"language": "GRAPHQL", "text": text})


def test_a_queued_script_drives_the_created_upload(thingsgraph_stub: ThingsGraphStub) -> None:
    upload_id = thingsgraph_stub.on_upload_entity_definitions(
        ["IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"], namespace_version=4
    )
    client = make_client()

    assert upload_and_poll(client, document=GRAPHQL) == ["IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"]

    assert upload_id is not None
    assert UUID.fullmatch(upload_id)
    calls = thingsgraph_stub.calls
    assert [(c.operation, c.upload_id) for c in calls] == [("UploadEntityDefinitions", upload_id)] + [
        ("GetUploadStatus", upload_id)
    ] * 3
    assert calls[0].request == {"document": GRAPHQL}
    assert calls[0].response == {"uploadId": upload_id}
    assert calls[-1].response["namespaceVersion"] == 4


def test_with_nothing_queued_an_upload_succeeds(thingsgraph_stub: ThingsGraphStub) -> None:
    client = make_client()

    assert upload_and_poll(client, document=GRAPHQL) == ["IN_PROGRESS", "SUCCEEDED"]
    unpolled = client.upload_entity_definitions(document=GRAPHQL)["uploadId"]

    assert UUID.fullmatch(unpolled)
    assert thingsgraph_stub.failures() == []  # an upload nobody scripted need not be polled


def test_queued_uploads_are_taken_in_order_with_their_ids(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.on_upload_entity_definitions(["FAILED"], upload_id="first", failure_reason=["Line 1: bad"])
    thingsgraph_stub.on_upload_entity_definitions(["SUCCEEDED"], upload_id="second")
    client = make_client()

    ids = [client.upload_entity_definitions(document=GRAPHQL)["uploadId"] for _ in range(2)]
    answers = [client.get_upload_status(uploadId=upload_id) for upload_id in ids]

    assert ids == ["first", "second"]
    assert [a["uploadStatus"] for a in answers] == ["FAILED", "SUCCEEDED"]
    assert answers[0]["failureReason"] == ["Line 1: bad"]


def test_the_upload_lives_in_the_region_of_the_call(thingsgraph_stub: ThingsGraphStub) -> None:
    upload_id = make_client("eu-west-1").upload_entity_definitions(document=GRAPHQL)["uploadId"]
    elsewhere = make_client("us-east-1")

    with pytest.raises(elsewhere.exceptions.ResourceNotFoundException):
        elsewhere.get_upload_status(uploadId=upload_id)


@pytest.mark.parametrize("mode", ["legacy", "standard"])
def test_errors_can_be_scripted_for_the_upload_call(thingsgraph_stub: ThingsGraphStub, mode: str) -> None:
    assert thingsgraph_stub.on_upload_entity_definitions(ServiceError("ThrottlingException", "Rate exceeded")) is None
    thingsgraph_stub.on_upload_entity_definitions(ServiceError("InvalidRequestException", "bad namespace"))
    thingsgraph_stub.on_upload_entity_definitions(ServiceError("ThrottlingException"))
    created = thingsgraph_stub.on_upload_entity_definitions(["SUCCEEDED"])
    client = make_client(attempts=None, mode=mode)

    with pytest.raises(client.exceptions.InvalidRequestException, match="bad namespace"):
        client.upload_entity_definitions(document=GRAPHQL)  # a throttle, retried by botocore, then the error
    response = client.upload_entity_definitions(document=GRAPHQL)  # a throttle, retried, then the upload

    assert response["uploadId"] == created
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert [c.error_code for c in thingsgraph_stub.calls] == [
        "ThrottlingException",
        "InvalidRequestException",
        "ThrottlingException",
        None,
    ]
    assert client.get_upload_status(uploadId=created)["uploadStatus"] == "SUCCEEDED"


def test_queued_answers_nobody_took_fail_at_exit() -> None:
    with pytest.raises(StubError) as caught, mock_thingsgraph() as stub:
        stub.on_upload_entity_definitions(["IN_PROGRESS", "SUCCEEDED"], upload_id="never-made")
        stub.on_upload_entity_definitions(ServiceError("InternalFailureException", "oops"))

    assert str(caught.value) == (
        "These UploadEntityDefinitions answers were queued but no call took them:\n"
        "- upload 'never-made' with script 'IN_PROGRESS', 'SUCCEEDED'\n"
        "- ServiceError('InternalFailureException', 'oops')\n"
        "Make the calls or queue fewer answers; if some are optional, set assert_all_consumed=False "
        "(see 'Options and teardown' in the README of pytest-thingsgraph)"
    )


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


@pytest.mark.parametrize(
    ("request_body", "code", "message"),
    [
        (
            {},
            "InvalidRequestException",
            "1 validation error detected: Value null at 'document' failed to satisfy constraint: Member must not be "
            "null unless syncWithPublicNamespace or deprecateExistingEntities is true",
        ),
        (
            {"document": {"language": "SDL", "text": "type A {}"}},
            "InvalidRequestException",
            "1 validation error detected: Value 'SDL' at 'document.language' failed to satisfy constraint: Member "
            "must satisfy enum value set: [GRAPHQL]",
        ),
        (
            {"document": {"language": "GRAPHQL", "text": "#" * 1_048_577}},
            "InvalidRequestException",
            "1 validation error detected: Value '" + "#" * 58 + "… (1048577 characters) at 'document.text' failed to "
            "satisfy constraint: Member must have length less than or equal to 1048576",
        ),
        (
            {"document": {"language": "GRAPHQL"}, "syncWithPublicNamespace": False},
            "InvalidRequestException",
            "1 validation error detected: Value null at 'document.text' failed to satisfy constraint: Member must "
            "not be null",
        ),
        (
            {"document": GRAPHQL, "syncWithPublicNamespace": "yes"},
            "SerializationException",
            "Value \"yes\" at 'syncWithPublicNamespace' is a string: send a JSON boolean.",
        ),
        (
            {"document": "type A {}"},
            "SerializationException",
            "Value \"type A {}\" at 'document' is a string: send a JSON object.",
        ),
    ],
    ids=["no-document", "language", "text-too-long", "no-text", "boolean-type", "document-type"],
)
def test_invalid_upload_requests_are_answered_and_flagged(
    request_body: dict[str, Any], code: str, message: str
) -> None:
    body = json.dumps(request_body).encode()
    with pytest.raises(StubError, match="These requests were invalid"), mock_thingsgraph() as stub:
        client = make_client()
        client.meta.events.register(  # sent as a buggy caller would, past botocore's own validation
            "before-sign.iotthingsgraph.UploadEntityDefinitions", lambda request, **_: setattr(request, "data", body)
        )
        with pytest.raises(client.exceptions.ClientError) as caught:
            client.upload_entity_definitions(syncWithPublicNamespace=True)

    assert caught.value.response["Error"] == {"Code": code, "Message": message}
    assert [c.operation for c in stub.calls] == ["UploadEntityDefinitions"]
    assert stub.calls[0].upload_id is None


def test_unknown_members_are_flagged_at_both_levels() -> None:
    with mock_thingsgraph(allow_invalid_requests=True) as stub:
        client = make_client()
        client.meta.events.register(
            "before-sign.iotthingsgraph.UploadEntityDefinitions",
            lambda request, **_: setattr(
                request, "data", b'{"document": {"language": "GRAPHQL", "text": "", "format": 1}, "dryRun": true}'
            ),
        )
        with pytest.raises(client.exceptions.InvalidRequestException) as caught:
            client.upload_entity_definitions(document=GRAPHQL)

    assert caught.value.response["Error"]["Message"] == (
        "2 validation errors detected: Member 'dryRun' is not part of UploadEntityDefinitionsRequest: send document, "
        "syncWithPublicNamespace or deprecateExistingEntities; Member 'format' is not part of DefinitionDocument: "
        "send language and text"
    )
    assert len(stub.calls) == 1


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


@pytest.mark.parametrize("flag", ["syncWithPublicNamespace", "deprecateExistingEntities"])
def test_the_document_may_be_left_out_to_sync_or_deprecate(thingsgraph_stub: ThingsGraphStub, flag: str) -> None:
    thingsgraph_stub.on_upload_entity_definitions(["SUCCEEDED"], upload_id="synced")

    assert make_client().upload_entity_definitions(**{flag: True})["uploadId"] == "synced"
    make_client().get_upload_status(uploadId="synced")


UNFINISHED = "type Lamp {\n  on: Boolean\n"


def graphql_core_says(text: str) -> str:
    """graphql-core's syntax error for ``text`` (where it points moved between its releases)."""
    from graphql import GraphQLSyntaxError, parse

    with pytest.raises(GraphQLSyntaxError) as caught:
        parse(text)
    (location,) = caught.value.locations or []
    assert caught.value.message == "Syntax Error: Expected Name, found <EOF>."
    return f"line {location.line} column {location.column}: {caught.value.message}"


@pytest.mark.thingsgraph_stub(validate_definitions=True)
def test_definitions_that_do_not_parse_make_the_upload_fail(thingsgraph_stub: ThingsGraphStub) -> None:
    good = thingsgraph_stub.on_upload_entity_definitions(["IN_PROGRESS", "SUCCEEDED"])
    bad = thingsgraph_stub.on_upload_entity_definitions(["IN_PROGRESS", "SUCCEEDED"], namespace_name="acme")
    client = make_client()

    client.upload_entity_definitions(document=GRAPHQL)
    client.upload_entity_definitions(document={"language": "GRAPHQL", "text": UNFINISHED})
    answers = {upload_id: [client.get_upload_status(uploadId=upload_id) for _ in range(2)] for upload_id in (good, bad)}

    assert [a["uploadStatus"] for a in answers[good]] == ["IN_PROGRESS", "SUCCEEDED"]
    assert [a["uploadStatus"] for a in answers[bad]] == ["IN_PROGRESS", "FAILED"]
    assert answers[bad][1]["failureReason"] == [graphql_core_says(UNFINISHED)]
    assert answers[bad][1]["namespaceName"] == "acme"


def test_validate_definitions_needs_graphql_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "graphql", None)

    with pytest.raises(UsageError) as caught:
        mock_thingsgraph(validate_definitions=True).__enter__()

    assert str(caught.value) == (
        "validate_definitions=True needs graphql-core: install pytest-thingsgraph[graphql], or leave "
        "validate_definitions off."
    )


def test_an_upload_id_is_scripted_once(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("taken", ["SUCCEEDED"])

    with pytest.raises(UsageError) as caught:
        thingsgraph_stub.on_upload_entity_definitions(upload_id="taken")
    with pytest.raises(UsageError) as with_error:
        thingsgraph_stub.on_upload_entity_definitions(ServiceError("ThrottlingException"), upload_id="x")

    assert str(caught.value) == (
        "on_upload_entity_definitions(upload_id='taken'): the upload already has a script: put every answer in one "
        "script, or call reset() first."
    )
    assert str(with_error.value) == (
        "on_upload_entity_definitions(ServiceError('ThrottlingException')): upload_id='x' creates no upload when the "
        "call answers an error: leave upload_id out."
    )
    make_client().get_upload_status(uploadId="taken")


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


CLIENT = make_client()


@settings(max_examples=examples(100))
@given(request=upload_entity_definitions_requests())
def test_every_generated_request_is_valid_and_creates_an_upload(request: dict[str, Any]) -> None:
    assert validation_errors(request, "UploadEntityDefinitions") == ""
    with mock_thingsgraph() as stub:
        upload_id = CLIENT.upload_entity_definitions(**request)["uploadId"]

        assert CLIENT.get_upload_status(uploadId=upload_id)["uploadStatus"] == "IN_PROGRESS"
        assert stub.failures() == []
        assert stub.calls[0].request == request


def test_a_wrong_queued_script_names_the_call_it_came_from(thingsgraph_stub: ThingsGraphStub) -> None:
    with pytest.raises(UsageError) as caught:
        thingsgraph_stub.on_upload_entity_definitions(["DONE"], upload_id="up-1")

    assert str(caught.value) == (
        "on_upload_entity_definitions(upload_id='up-1'): script item 0 'DONE' is not an upload status: use "
        "'IN_PROGRESS', 'SUCCEEDED' or 'FAILED', a dict of response fields, or ServiceError(code, message)."
    )

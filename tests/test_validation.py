"""Request validation on the wire: the service's exact answer to each body, header and value it refuses, and the
teardown's report of those requests.

Raw bodies go through ``signed_wire`` (signed by botocore's SigV4 with fake credentials) into a running stub,
so each answer is the one a client would get on the wire.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import requests
from botocore.awsrequest import AWSRequest
from helpers import UPLOAD_ENTITY_DEFINITIONS, answered, deepest_decodable_nesting, make_client, signed_wire

from pytest_thingsgraph import StubError, ThingsGraphServer, ThingsGraphStub, mock_thingsgraph
from pytest_thingsgraph._protocol import describe_json

TARGET = "IotThingsGraphFrontEndService.GetUploadStatus"
JSON = "application/x-amz-json-1.1"
NULL = "failed to satisfy constraint: Member must not be null"
ONLY_UPLOAD_ID = "is not part of GetUploadStatusRequest: send uploadId only"
NOT_UED = (
    "is not part of UploadEntityDefinitionsRequest: send document, syncWithPublicNamespace or deprecateExistingEntities"
)


NO_DOCUMENT = f"Value null at 'document' {NULL} unless syncWithPublicNamespace or deprecateExistingEntities is true"
TOO_LONG = "failed to satisfy constraint: Member must have length less than or equal to 40"
INVALID = "InvalidRequestException"
SERIALIZATION = "SerializationException"


def rewrite_request(client: Any, change: Callable[[AWSRequest], None]) -> None:
    """Change each request on its way out, before it is signed, as a buggy caller would send it."""
    client.meta.events.register("before-sign.iotthingsgraph.GetUploadStatus", lambda request, **_: change(request))


def send_raw(
    stub: ThingsGraphStub,
    body: bytes,
    *,
    target: str | None = TARGET,
    content_type: str | None = JSON,
    method: str = "POST",
) -> tuple[int, dict[str, Any]]:
    response = stub.answer(signed_wire(body, target=target, content_type=content_type, method=method))
    return response.status_code, stub.calls[-1].response


@pytest.mark.thingsgraph_stub(allow_invalid_requests=True)
@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        (
            {"uploadId": "x" * 41},
            "InvalidRequestException",
            "1 validation error detected: Value 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' at 'uploadId' "
            "failed to satisfy constraint: Member must have length less than or equal to 40",
        ),
        (
            {},
            "InvalidRequestException",
            "1 validation error detected: Value null at 'uploadId' failed to satisfy constraint: "
            "Member must not be null",
        ),
        (
            {"uploadId": ""},
            "InvalidRequestException",
            "1 validation error detected: Value '' at 'uploadId' failed to satisfy constraint: "
            "Member must have length greater than or equal to 1",
        ),
        (
            {"uploadId": 42},
            "SerializationException",
            "Value 42 at 'uploadId' is a number: send a JSON string.",
        ),
    ],
)
def test_requests_botocore_lets_through_are_answered_as_the_service_would(
    thingsgraph_stub: ThingsGraphStub, params: dict[str, Any], code: str, message: str
) -> None:
    client = make_client(parameter_validation=False)

    with pytest.raises(client.exceptions.ClientError) as caught:
        client.get_upload_status(**params)

    assert caught.value.response["Error"] == {"Code": code, "Message": message}
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert thingsgraph_stub.calls[-1].error_code == code
    assert thingsgraph_stub.calls[-1].upload_id is None


def test_a_41_character_id_is_refused_even_though_botocore_validation_is_on(thingsgraph_stub: ThingsGraphStub) -> None:
    client = make_client()

    with pytest.raises(client.exceptions.InvalidRequestException):
        client.get_upload_status(uploadId="x" * 41)

    assert thingsgraph_stub.failures() == [
        "These requests were invalid and were answered with the service's error:\n"
        "- request 1 (GetUploadStatus in us-east-1): InvalidRequestException: 1 validation error detected: "
        "Value 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' at 'uploadId' failed to satisfy constraint: "
        "Member must have length less than or equal to 40\n"
        "Fix the code that sent them; if they are on purpose, set allow_invalid_requests=True "
        "(see 'Options and teardown' in the README of pytest-thingsgraph)"
    ]
    thingsgraph_stub.reset()


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        (
            lambda r: setattr(r, "data", b'{"uploadId": "u", "uploadID": "u"}'),
            "InvalidRequestException",
            "1 validation error detected: Member 'uploadID' is not part of GetUploadStatusRequest: send uploadId only",
        ),
        (
            lambda r: setattr(r, "data", b"uploadId=u"),
            "SerializationException",
            "Request body is not valid JSON: Expecting value at line 1 column 1.",
        ),
        (
            lambda r: setattr(r, "data", b'["u"]'),
            "SerializationException",
            "Request body must be a JSON object, not an array.",
        ),
        (
            lambda r: setattr(r, "data", b'{"uploadId": "\xff"}'),
            "SerializationException",
            "Request body is not UTF-8: invalid start byte at byte 14.",
        ),
        (
            lambda r: r.headers.replace_header("Content-Type", "application/json"),
            "SerializationException",
            "Content-Type 'application/json' is not supported: send application/x-amz-json-1.1.",
        ),
        (
            lambda r: r.headers.replace_header("X-Amz-Target", "IotThingsGraphFrontEndService.GetUploadStatuses"),
            "UnknownOperationException",
            "Unknown operation 'IotThingsGraphFrontEndService.GetUploadStatuses': "
            "X-Amz-Target must be IotThingsGraphFrontEndService.<Operation>.",
        ),
        (
            lambda r: r.headers.__delitem__("X-Amz-Target"),
            "UnknownOperationException",
            "Missing X-Amz-Target header: name an operation.",
        ),
        (
            lambda r: setattr(r, "method", "GET"),
            "UnknownOperationException",
            "Method 'GET' is not allowed: send POST.",
        ),
    ],
    ids=["extra-member", "not-json", "not-object", "not-utf8", "content-type", "target", "no-target", "method"],
)
def test_malformed_wire_requests_get_the_service_error(
    change: Callable[[AWSRequest], None], code: str, message: str
) -> None:
    with mock_thingsgraph(allow_invalid_requests=True) as stub:
        client = make_client()
        rewrite_request(client, change)

        with pytest.raises(client.exceptions.ClientError) as caught:
            client.get_upload_status(uploadId="u")

    assert caught.value.response["Error"] == {"Code": code, "Message": message}
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert [c.error_code for c in stub.calls] == [code]


# GetUploadStatus bodies: each violation's text, and several joined with '; ' and counted


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (b"", INVALID, f"1 validation error detected: Value null at 'uploadId' {NULL}"),
        (b'{"uploadId": null}', INVALID, f"1 validation error detected: Value null at 'uploadId' {NULL}"),
        (
            b'{"x": 1}',
            INVALID,
            f"2 validation errors detected: Value null at 'uploadId' {NULL}; Member 'x' {ONLY_UPLOAD_ID}",
        ),
        (b'{"uploadId": "u", "x": 1}', INVALID, f"1 validation error detected: Member 'x' {ONLY_UPLOAD_ID}"),
        (
            b'{"uploadId": "' + b"x" * 40 + b'", "y": 1}',
            INVALID,
            f"1 validation error detected: Member 'y' {ONLY_UPLOAD_ID}",
        ),
        (
            b'{"uploadId": "' + b"x" * 41 + b'", "y": 1}',
            INVALID,
            f"2 validation errors detected: Value '{'x' * 41}' at 'uploadId' {TOO_LONG}; Member 'y' {ONLY_UPLOAD_ID}",
        ),
        (
            b'{"uploadId": "", "y": 1}',
            INVALID,
            "2 validation errors detected: Value '' at 'uploadId' failed to satisfy constraint: "
            f"Member must have length greater than or equal to 1; Member 'y' {ONLY_UPLOAD_ID}",
        ),
        (b'{"uploadId": ["u"]}', SERIALIZATION, "Value [\"u\"] at 'uploadId' is an array: send a JSON string."),
        (b'{"uploadId": true}', SERIALIZATION, "Value true at 'uploadId' is a boolean: send a JSON string."),
        (b'{"uploadId": false}', SERIALIZATION, "Value false at 'uploadId' is a boolean: send a JSON string."),
        (b'{"uploadId": {"a": 1}}', SERIALIZATION, "Value {\"a\": 1} at 'uploadId' is an object: send a JSON string."),
        (b'{"uploadId": 1.5}', SERIALIZATION, "Value 1.5 at 'uploadId' is a number: send a JSON string."),
        (b'{"uploadId": 7, "x": 1}', SERIALIZATION, "Value 7 at 'uploadId' is a number: send a JSON string."),
    ],
    ids=[
        "empty-body",
        "null-id",
        "no-id-and-extra",
        "extra",
        "40-and-extra",
        "41-and-extra",
        "empty-and-extra",
        "array",
        "true",
        "false",
        "object",
        "float",
        "type-before-members",
    ],
)
def test_get_upload_status_bodies_get_the_exact_answer(body: bytes, code: str, message: str) -> None:
    status, document, call = answered(body)

    assert (status, document) == (400, {"__type": code, "message": message})
    assert (call.operation, call.upload_id, call.error_code) == ("GetUploadStatus", None, code)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'"u"', "Request body must be a JSON object, not a string."),
        (b"null", "Request body must be a JSON object, not null."),
        (b"true", "Request body must be a JSON object, not a boolean."),
        (b"1", "Request body must be a JSON object, not a number."),
        (b"2.5", "Request body must be a JSON object, not a number."),
        (b"[]", "Request body must be a JSON object, not an array."),
        (b'{\n "uploadId": }', "Request body is not valid JSON: Expecting value at line 2 column 14."),
        (
            b'{"uploadId": "u",\n\n   ',
            "Request body is not valid JSON: Expecting property name enclosed in double quotes at line 3 column 4.",
        ),
        (b"[" * 100_000, "Request body is nested too deeply to decode."),
        (b'{"a": "\xc3"}', "Request body is not UTF-8: invalid continuation byte at byte 7."),
        (b'{"a": ' + b"9" * 4301 + b"}", "Request body has a number of more than 4300 digits."),
    ],
    ids=[
        "string",
        "null",
        "boolean",
        "integer",
        "float",
        "array",
        "line-2",
        "line-3",
        "too-deep",
        "cut-utf8",
        "4301-digits",
    ],
)
@pytest.mark.parametrize(
    "target", [TARGET, UPLOAD_ENTITY_DEFINITIONS], ids=["GetUploadStatus", "UploadEntityDefinitions"]
)
def test_bodies_that_are_not_a_json_object_get_the_exact_answer(body: bytes, message: str, target: str) -> None:
    status, document, call = answered(body, target)

    assert (status, document) == (400, {"__type": SERIALIZATION, "message": message})
    assert (call.operation, call.request, call.error_code) == (target.split(".")[1], None, SERIALIZATION)


def test_a_content_type_with_several_parameters_is_read_up_to_the_first_semicolon() -> None:
    with mock_thingsgraph(allow_invalid_requests=True) as stub:
        response = stub.answer(signed_wire(b'{"uploadId": "u"}', content_type="application/x-amz-json-1.1; a=1; b=2"))
        stub.reset()

    assert (response.status_code, json.loads(response.body)["__type"]) == (404, "ResourceNotFoundException")


def test_an_upper_case_content_type_is_accepted(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"])

    answer = thingsgraph_stub.answer(signed_wire(b'{"uploadId": "u"}', content_type="APPLICATION/X-AMZ-JSON-1.1"))

    assert answer.status_code == 200
    assert json.loads(answer.body)["uploadStatus"] == "SUCCEEDED"
    assert thingsgraph_stub.failures() == []


def test_a_valid_id_with_a_lone_surrogate_is_answered_in_ascii_json() -> None:
    status, document, call = answered(b'{"uploadId": "a\\ud800"}')

    assert (status, document) == (
        404,
        {"__type": "ResourceNotFoundException", "message": "Upload a\ud800 was not found in region us-east-1."},
    )
    assert call.request == {"uploadId": "a\ud800"}


def test_the_body_of_a_lone_surrogate_answer_is_escaped_and_others_are_utf8() -> None:
    with mock_thingsgraph(allow_invalid_requests=True, assert_all_consumed=False) as stub:
        escaped = stub.answer(signed_wire(b'{"uploadId": "\\u00e9\\ud800"}')).body
        plain = stub.answer(signed_wire(b'{"uploadId": "\\u00e9"}')).body

    assert escaped == (
        b'{"__type":"ResourceNotFoundException","message":"Upload \\u00e9\\ud800 was not found in region us-east-1."}'
    )
    assert "Upload é was not found".encode() in plain


# UploadEntityDefinitions bodies


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (
            b'{"syncWithPublicNamespace": "yes"}',
            SERIALIZATION,
            "Value \"yes\" at 'syncWithPublicNamespace' is a string: send a JSON boolean.",
        ),
        (
            b'{"deprecateExistingEntities": 1}',
            SERIALIZATION,
            "Value 1 at 'deprecateExistingEntities' is a number: send a JSON boolean.",
        ),
        (
            b'{"syncWithPublicNamespace": true, "deprecateExistingEntities": []}',
            SERIALIZATION,
            "Value [] at 'deprecateExistingEntities' is an array: send a JSON boolean.",
        ),
        (b'{"document": []}', SERIALIZATION, "Value [] at 'document' is an array: send a JSON object."),
        (b'{"document": "x"}', SERIALIZATION, "Value \"x\" at 'document' is a string: send a JSON object."),
        (
            b'{"document": {"language": 1, "text": "x"}}',
            SERIALIZATION,
            "Value 1 at 'document.language' is a number: send a JSON string.",
        ),
        (
            b'{"document": {"language": "GRAPHQL", "text": 5}}',
            SERIALIZATION,
            "Value 5 at 'document.text' is a number: send a JSON string.",
        ),
        (
            b'{"document": {"language": "GRAPHQL", "text": {}}, "x": 1}',
            SERIALIZATION,
            "Value {} at 'document.text' is an object: send a JSON string.",
        ),
        (b"{}", INVALID, f"1 validation error detected: {NO_DOCUMENT}"),
        (b'{"syncWithPublicNamespace": false}', INVALID, f"1 validation error detected: {NO_DOCUMENT}"),
        (
            b'{"document": null, "syncWithPublicNamespace": null, "deprecateExistingEntities": false}',
            INVALID,
            f"1 validation error detected: {NO_DOCUMENT}",
        ),
        (b'{"x": 1}', INVALID, f"2 validation errors detected: {NO_DOCUMENT}; Member 'x' {NOT_UED}"),
        (
            b'{"x": 1, "document": {"language": "GRAPHQL", "text": "t", "y": 2}}',
            INVALID,
            f"2 validation errors detected: Member 'x' {NOT_UED}; "
            "Member 'y' is not part of DefinitionDocument: send language and text",
        ),
        (
            b'{"document": {}}',
            INVALID,
            f"2 validation errors detected: Value null at 'document.language' {NULL}; "
            f"Value null at 'document.text' {NULL}",
        ),
        (
            b'{"document": {"language": "GRAPHQL"}}',
            INVALID,
            f"1 validation error detected: Value null at 'document.text' {NULL}",
        ),
        (
            b'{"document": {"text": "t"}}',
            INVALID,
            f"1 validation error detected: Value null at 'document.language' {NULL}",
        ),
        (
            b'{"document": {"language": "SQL", "text": "t"}}',
            INVALID,
            "1 validation error detected: Value 'SQL' at 'document.language' failed to satisfy constraint: "
            "Member must satisfy enum value set: [GRAPHQL]",
        ),
    ],
    ids=[
        "sync-string",
        "deprecate-number",
        "deprecate-array",
        "document-array",
        "document-string",
        "language-number",
        "text-number",
        "text-object",
        "empty",
        "sync-false",
        "all-null",
        "extra-only",
        "extra-both-levels",
        "empty-document",
        "no-text",
        "no-language",
        "language-not-graphql",
    ],
)
def test_upload_entity_definitions_bodies_get_the_exact_answer(body: bytes, code: str, message: str) -> None:
    status, document, call = answered(body, UPLOAD_ENTITY_DEFINITIONS)

    assert (status, document) == (400, {"__type": code, "message": message})
    assert (call.operation, call.upload_id, call.error_code) == ("UploadEntityDefinitions", None, code)
    assert call.request == json.loads(body)


@pytest.mark.parametrize(
    "body",
    [
        b'{"syncWithPublicNamespace": true}',
        b'{"deprecateExistingEntities": true}',
        b'{"document": {"language": "GRAPHQL", "text": "t"}, "syncWithPublicNamespace": null, '
        b'"deprecateExistingEntities": false}',
    ],
    ids=["sync", "deprecate", "nulls-and-false"],
)
def test_upload_entity_definitions_bodies_the_service_takes_are_answered_with_an_upload(body: bytes) -> None:
    status, document, call = answered(body, UPLOAD_ENTITY_DEFINITIONS)

    assert status == 200
    assert list(document) == ["uploadId"]
    assert (call.operation, call.upload_id, call.error_code) == ("UploadEntityDefinitions", document["uploadId"], None)
    assert call.request == json.loads(body)


# Values in messages: shortened past 60 characters, exactly at the limit left whole


def test_several_violations_are_reported_together() -> None:
    with mock_thingsgraph(allow_invalid_requests=True) as stub:
        status, body = send_raw(stub, b'{"uploadId": "", "upload": 1, "id": 2}')

    assert status == 400
    assert body == {
        "__type": "InvalidRequestException",
        "message": "3 validation errors detected: Value '' at 'uploadId' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1; Member 'upload' is not part of "
        "GetUploadStatusRequest: send uploadId only; Member 'id' is not part of GetUploadStatusRequest: "
        "send uploadId only",
    }


def test_long_values_are_shortened_in_messages() -> None:
    with mock_thingsgraph(allow_invalid_requests=True) as stub:
        _, body = send_raw(stub, b'{"uploadId": "' + b"y" * 5000 + b'"}')

    assert body["message"] == (
        "1 validation error detected: Value '" + "y" * 58 + "… (5000 characters) "
        "at 'uploadId' failed to satisfy constraint: Member must have length less than or equal to 40"
    )


@pytest.mark.parametrize("length", [1, 40], ids=["shortest", "longest"])
def test_an_id_of_each_allowed_length_alone_is_looked_up_not_refused(length: int) -> None:
    status, document, call = answered(b'{"uploadId": "' + b"i" * length + b'"}')

    assert (status, document["__type"]) == (404, "ResourceNotFoundException")
    assert call.upload_id == "i" * length


def test_an_id_whose_repr_is_exactly_60_characters_is_shown_whole_and_one_more_is_shortened() -> None:
    _, at_limit, _ = answered(b'{"uploadId": "' + b"a" * 58 + b'"}')
    _, over, _ = answered(b'{"uploadId": "' + b"a" * 59 + b'"}')

    assert at_limit["message"] == f"1 validation error detected: Value '{'a' * 58}' at 'uploadId' {TOO_LONG}"
    assert over["message"] == (
        f"1 validation error detected: Value '{'a' * 58}… (59 characters) at 'uploadId' {TOO_LONG}"
    )


def test_a_member_name_is_shortened_like_a_value() -> None:
    _, document, _ = answered(b'{"uploadId": "u", "' + b"m" * 70 + b'": 1}')

    assert document["message"] == f"1 validation error detected: Member '{'m' * 58}… (70 characters) {ONLY_UPLOAD_ID}"


def test_a_wrongly_typed_value_of_exactly_60_json_characters_is_shown_whole_and_one_more_is_shortened() -> None:
    _, at_limit, _ = answered(b'{"uploadId": ["' + b"a" * 56 + b'"]}')
    _, over, _ = answered(b'{"uploadId": ["' + b"a" * 57 + b'"]}')

    assert at_limit["message"] == f"Value [\"{'a' * 56}\"] at 'uploadId' is an array: send a JSON string."
    assert over["message"] == f"Value [\"{'a' * 57}… at 'uploadId' is an array: send a JSON string."


def test_a_wrongly_typed_value_is_shown_as_json_text_not_ascii_escaped() -> None:
    _, document, _ = answered('{"uploadId": ["é"]}'.encode())

    assert document["message"] == "Value [\"é\"] at 'uploadId' is an array: send a JSON string."


def test_a_value_only_the_decoder_could_nest_so_deep_is_named_without_its_text() -> None:
    low = deepest_decodable_nesting()
    messages = set()
    with mock_thingsgraph(allow_invalid_requests=True) as stub:
        for depth in range(low - 100, low + 1):  # the stub decodes and encodes a little deeper in the stack
            nested = "[" * depth + "]" * depth
            response = stub.answer(signed_wire(('{"uploadId": ' + nested + "}").encode()))
            messages.add(json.loads(response.body)["message"])
        stub.reset()

    assert "Request body is nested too deeply to decode." in messages
    # whether the encoder gives up before the decoder does depends on the Python version: build a value
    # deeper than any encoder takes, and name it as a message would
    deep: list[object] = []
    for _ in range(200_000):
        deep = [deep]
    assert describe_json(deep) == "<a value nested too deeply to show>"


# The teardown's report of invalid requests: each one's number, its operation (if known) and its region (if known)


def test_invalid_requests_fail_the_block_by_default() -> None:
    with pytest.raises(StubError) as caught, mock_thingsgraph() as stub:
        send_raw(stub, b"{}", content_type="text/plain")

    assert str(caught.value) == (
        "These requests were invalid and were answered with the service's error:\n"
        "- request 1 (GetUploadStatus in us-east-1): SerializationException: Content-Type 'text/plain' is not "
        "supported: send application/x-amz-json-1.1.\n"
        "Fix the code that sent them; if they are on purpose, set allow_invalid_requests=True "
        "(see 'Options and teardown' in the README of pytest-thingsgraph)"
    )


def test_invalid_requests_without_an_operation_or_a_region_are_listed_as_such(
    thingsgraph_server: ThingsGraphServer,
) -> None:
    # Unsigned, to the loopback server: no credential scope and no Things Graph host, so no region.
    json_type = {"Content-Type": "application/x-amz-json-1.1"}
    get_upload_status = {"X-Amz-Target": "IotThingsGraphFrontEndService.GetUploadStatus", **json_type}
    url = thingsgraph_server.endpoint_url
    stub = thingsgraph_server.stub

    answers = [
        requests.post(url, data=b'{"uploadId": "u"}', headers=headers, timeout=5)
        for headers in (json_type, get_upload_status)
    ]

    assert [answer.status_code for answer in answers] == [400, 403]
    assert [(call.operation, call.region, call.error_code) for call in stub.calls] == [
        (None, None, "UnknownOperationException"),
        ("GetUploadStatus", None, "MissingAuthenticationTokenException"),
    ]
    assert stub.calls_report() == (  # no region: "-"
        "   1 ? - - 400 UnknownOperationException\n   2 GetUploadStatus - - 403 MissingAuthenticationTokenException"
    )
    assert stub.failures() == [
        "These requests were invalid and were answered with the service's error:\n"
        "- request 1 (unknown operation): UnknownOperationException: Missing X-Amz-Target header: name an operation.\n"
        "- request 2 (GetUploadStatus): MissingAuthenticationTokenException: Missing Authentication Token\n"
        "Fix the code that sent them; if they are on purpose, set allow_invalid_requests=True "
        "(see 'Options and teardown' in the README of pytest-thingsgraph)"
    ]
    stub.reset()  # they were sent on purpose


def test_an_invalid_request_in_a_region_names_it(thingsgraph_stub: ThingsGraphStub) -> None:
    answer = requests.post(
        "https://iotthingsgraph.eu-west-1.amazonaws.com/",
        data=b"{}",
        headers={"Content-Type": "application/x-amz-json-1.1"},
        timeout=5,
    )

    assert answer.status_code == 400
    assert [(call.operation, call.region) for call in thingsgraph_stub.calls] == [(None, "eu-west-1")]
    assert thingsgraph_stub.failures()[0].splitlines()[1] == (
        "- request 1 (unknown operation in eu-west-1): UnknownOperationException: "
        "Missing X-Amz-Target header: name an operation."
    )
    thingsgraph_stub.reset()


# Requests that are valid, and operations with no answer queued


def test_valid_requests_are_never_flagged(thingsgraph_stub: ThingsGraphStub) -> None:
    upload_ids = ["a", "x" * 40, "ünïcødé-✓", "😀" * 40, "with space", '"quoted"']
    for upload_id in upload_ids:
        thingsgraph_stub.add_upload(upload_id, ["SUCCEEDED"])
    client = make_client()

    answered = [client.get_upload_status(uploadId=upload_id)["uploadId"] for upload_id in upload_ids]

    assert answered == upload_ids
    assert thingsgraph_stub.failures() == []


def test_an_unstubbed_operation_raises_and_fails_the_block() -> None:
    with pytest.raises(StubError) as at_exit, mock_thingsgraph() as stub:
        client = make_client()
        with pytest.raises(StubError) as at_call:
            client.describe_namespace()
        assert stub.calls == []

    assert str(at_call.value) == (
        "DescribeNamespace (request 1) has no answer queued: add one with stub.add_response('DescribeNamespace', "
        "{...}) before the code under test calls it (thingsgraph-server: POST /_thingsgraph/responses, or a script "
        'file\'s "responses").'
    )
    assert str(at_exit.value) == (
        f"The stub raised StubError during the test (the code under test may have caught it):\n- {at_call.value}"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '{"uploadId": "u"}'.encode("utf-16"),
            "Request body is not UTF-8: invalid start byte at byte 0.",
        ),
        (
            b'{"uploadId": "\xed\xa0\x80"}',
            "Request body is not UTF-8: invalid continuation byte at byte 14.",
        ),
        (
            b'{"uploadId": ' + b"1" * 5000 + b"}",
            "Request body has a number of more than 4300 digits.",
        ),
    ],
    ids=["utf-16", "encoded-surrogate", "huge-integer"],
)
def test_bodies_python_could_decode_but_the_service_would_not_are_refused(body: bytes, message: str) -> None:
    with mock_thingsgraph(allow_invalid_requests=True) as stub:
        stub.add_upload("u", ["SUCCEEDED"])
        status, document = send_raw(stub, body)
        stub.reset()

    assert (status, document) == (400, {"__type": "SerializationException", "message": message})


def test_a_value_nested_to_the_decoders_limit_is_still_answered() -> None:
    low = deepest_decodable_nesting()
    with mock_thingsgraph(allow_invalid_requests=True) as stub:
        for depth in range(low - 60, low + 1):  # where decoding stops, and where only encoding overflows
            nested = "[" * depth + "]" * depth
            status, document = send_raw(stub, ('{"uploadId": ' + nested + "}").encode())
            assert (status, document["__type"]) == (400, "SerializationException"), depth

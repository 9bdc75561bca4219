"""The exact answers of the JSON 1.1 protocol and the script checks: the mutants of `_protocol.py` and `_scripts.py`
the suite once let through, each pinned.

Raw bodies go through ``signed_wire`` (signed by botocore's SigV4 with fake credentials) into a running stub,
so each answer is the one a client would get on the wire.
"""

from __future__ import annotations

import copy
import io
import json
import pickle
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from helpers import deepest_decodable_nesting, make_client, signed_wire

from pytest_thingsgraph import ThingsGraphStub, UsageError, mock_thingsgraph
from pytest_thingsgraph._protocol import describe_json, freeze, wire_request

GUS = "IotThingsGraphFrontEndService.GetUploadStatus"
UED = "IotThingsGraphFrontEndService.UploadEntityDefinitions"
NULL = "failed to satisfy constraint: Member must not be null"
ONLY_UPLOAD_ID = "is not part of GetUploadStatusRequest: send uploadId only"
NOT_UED = (
    "is not part of UploadEntityDefinitionsRequest: send document, syncWithPublicNamespace or deprecateExistingEntities"
)
NO_DOCUMENT = f"Value null at 'document' {NULL} unless syncWithPublicNamespace or deprecateExistingEntities is true"
TOO_LONG = "failed to satisfy constraint: Member must have length less than or equal to 40"
INVALID = "InvalidRequestException"
SERIALIZATION = "SerializationException"


def answer(body: bytes, target: str = GUS) -> tuple[int, dict[str, Any], Any]:
    """The status, JSON body and record of one raw request answered by a fresh stub."""
    with mock_thingsgraph(allow_invalid_requests=True, assert_all_consumed=False) as stub:
        response = stub.answer(signed_wire(body, target=target))
        call = stub.calls[-1]
    return response.status_code, json.loads(response.body), call


# ---------------------------------------------------------------------------------------------------------------------
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
    status, document, call = answer(body)

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
@pytest.mark.parametrize("target", [GUS, UED], ids=["GetUploadStatus", "UploadEntityDefinitions"])
def test_bodies_that_are_not_a_json_object_get_the_exact_answer(body: bytes, message: str, target: str) -> None:
    status, document, call = answer(body, target)

    assert (status, document) == (400, {"__type": SERIALIZATION, "message": message})
    assert (call.operation, call.request, call.error_code) == (target.split(".")[1], None, SERIALIZATION)


def test_a_content_type_with_several_parameters_is_read_up_to_the_first_semicolon() -> None:
    with mock_thingsgraph(allow_invalid_requests=True) as stub:
        response = stub.answer(signed_wire(b'{"uploadId": "u"}', content_type="application/x-amz-json-1.1; a=1; b=2"))
        stub.reset()

    assert (response.status_code, json.loads(response.body)["__type"]) == (404, "ResourceNotFoundException")


def test_a_valid_id_with_a_lone_surrogate_is_answered_in_ascii_json() -> None:
    status, document, call = answer(b'{"uploadId": "a\\ud800"}')

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


# ---------------------------------------------------------------------------------------------------------------------
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
    status, document, call = answer(body, UED)

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
    status, document, call = answer(body, UED)

    assert status == 200
    assert list(document) == ["uploadId"]
    assert (call.operation, call.upload_id, call.error_code) == ("UploadEntityDefinitions", document["uploadId"], None)
    assert call.request == json.loads(body)


# ---------------------------------------------------------------------------------------------------------------------
# Values in messages: shortened past 60 characters, exactly at the limit left whole


@pytest.mark.parametrize("length", [1, 40], ids=["shortest", "longest"])
def test_an_id_of_each_allowed_length_alone_is_looked_up_not_refused(length: int) -> None:
    status, document, call = answer(b'{"uploadId": "' + b"i" * length + b'"}')

    assert (status, document["__type"]) == (404, "ResourceNotFoundException")
    assert call.upload_id == "i" * length


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


def test_an_id_whose_repr_is_exactly_60_characters_is_shown_whole_and_one_more_is_shortened() -> None:
    _, at_limit, _ = answer(b'{"uploadId": "' + b"a" * 58 + b'"}')
    _, over, _ = answer(b'{"uploadId": "' + b"a" * 59 + b'"}')

    assert at_limit["message"] == f"1 validation error detected: Value '{'a' * 58}' at 'uploadId' {TOO_LONG}"
    assert over["message"] == (
        f"1 validation error detected: Value '{'a' * 58}… (59 characters) at 'uploadId' {TOO_LONG}"
    )


def test_a_member_name_is_shortened_like_a_value() -> None:
    _, document, _ = answer(b'{"uploadId": "u", "' + b"m" * 70 + b'": 1}')

    assert document["message"] == f"1 validation error detected: Member '{'m' * 58}… (70 characters) {ONLY_UPLOAD_ID}"


def test_a_wrongly_typed_value_of_exactly_60_json_characters_is_shown_whole_and_one_more_is_shortened() -> None:
    _, at_limit, _ = answer(b'{"uploadId": ["' + b"a" * 56 + b'"]}')
    _, over, _ = answer(b'{"uploadId": ["' + b"a" * 57 + b'"]}')

    assert at_limit["message"] == f"Value [\"{'a' * 56}\"] at 'uploadId' is an array: send a JSON string."
    assert over["message"] == f"Value [\"{'a' * 57}… at 'uploadId' is an array: send a JSON string."


def test_a_wrongly_typed_value_is_shown_as_json_text_not_ascii_escaped() -> None:
    _, document, _ = answer('{"uploadId": ["é"]}'.encode())

    assert document["message"] == "Value [\"é\"] at 'uploadId' is an array: send a JSON string."


# ---------------------------------------------------------------------------------------------------------------------
# Records: read-only all the way down, equal to what was sent; copies and pickles


def test_a_refused_request_is_recorded_read_only_at_every_depth() -> None:
    _, _, call = answer(b'{"uploadId": "u", "x": [{"a": [1, {"b": 2}]}], "t": {"b": {"c": [3]}}}')
    request = call.request

    assert request == {"uploadId": "u", "x": [{"a": [1, {"b": 2}]}], "t": {"b": {"c": [3]}}}
    for inner in (
        request,
        request["x"],
        request["x"][0],
        request["x"][0]["a"],
        request["x"][0]["a"][1],
        request["t"],
        request["t"]["b"],
        request["t"]["b"]["c"],
    ):
        with pytest.raises(TypeError, match=r"is a record of the stub and read-only: change a copy \((dict|list)\("):
            inner.clear()


def test_a_taken_definitions_request_is_recorded_read_only() -> None:
    _, _, call = answer(b'{"document": {"language": "GRAPHQL", "text": "t"}}', UED)

    assert call.request == {"document": {"language": "GRAPHQL", "text": "t"}}
    with pytest.raises(TypeError, match="read-only"):
        call.request["document"]["text"] = "changed"


def test_copies_of_a_recorded_list_are_plain_and_independent_and_a_pickle_stays_read_only() -> None:
    _, _, call = answer(b'{"uploadId": "u", "x": [[1], {"a": [2]}]}')
    recorded = call.request["x"]

    shallow, deep, thawed = copy.copy(recorded), copy.deepcopy(recorded), pickle.loads(pickle.dumps(recorded))
    deep[0].append(9)
    deep[1]["a"].append(9)
    shallow.append(9)

    assert [type(shallow), type(deep), type(deep[0]), type(deep[1]), type(deep[1]["a"])] == [
        list,
        list,
        list,
        dict,
        list,
    ]
    assert shallow[0] is recorded[0]
    assert recorded == [[1], {"a": [2]}]
    assert deep == [[1, 9], {"a": [2, 9]}]
    assert thawed == [[1], {"a": [2]}]
    with pytest.raises(TypeError, match="read-only"):
        thawed[1]["a"].append(3)


def test_a_deep_copy_of_records_and_their_parts_keeps_what_they_share_shared() -> None:
    _, _, call = answer(b'{"uploadId": "u", "x": [{"a": [1]}]}')
    part = call.request["x"]

    copied_part, copied_request = copy.deepcopy([part, call.request])
    copied_part[0]["a"].append(2)

    assert copied_request["x"] is copied_part
    assert copied_request["x"][0] is copied_part[0]
    inner, outer = copy.deepcopy([part[0], part])
    assert outer[0] is inner
    assert copied_request == {"uploadId": "u", "x": [{"a": [1, 2]}]}
    assert call.request == {"uploadId": "u", "x": [{"a": [1]}]}


def test_freeze_turns_tuples_into_read_only_lists_and_keys_into_text() -> None:
    frozen = freeze({"t": (1, (2, {"k": ()})), 3: "x"})

    assert frozen == {"t": [1, [2, {"k": []}]], "3": "x"}
    assert [type(frozen["t"]).__name__, type(frozen["t"][1]).__name__] == ["ReadOnlyList", "ReadOnlyList"]
    assert freeze({3: "x"}) == {"3": "x"}  # flat, but a key that is not text
    assert freeze(("a", "b")) == ["a", "b"]
    assert type(freeze(("a", "b"))).__name__ == "ReadOnlyList"
    assert freeze("text") == "text"
    with pytest.raises(TypeError, match="read-only"):
        frozen["t"][1][1]["k"].append(1)


# ---------------------------------------------------------------------------------------------------------------------
# What an adapter hands the protocol: header values and bodies of every kind a client holds


class _Reader:
    """A body with ``read`` only, as requests accepts any file-like object."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def read(self) -> bytes:
        return self._data


def _chunks() -> Iterator[bytes | str]:
    yield b'{"uploadId": '
    yield '"é"}'


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (lambda: None, b""),
        (lambda: b'{"a": 1}', b'{"a": 1}'),
        (lambda: bytearray(b'{"a": 1}'), b'{"a": 1}'),
        (lambda: '{"a": "é"}', '{"a": "é"}'.encode()),
        (lambda: '"\ud800"', b'"\xed\xa0\x80"'),
        (lambda: io.BytesIO(b'{"a": 1}'), b'{"a": 1}'),
        (lambda: io.StringIO('{"a": 1}'), b'{"a": 1}'),
        (_chunks, '{"uploadId": "é"}'.encode()),
        (lambda: _Reader(b'{"a": 1}'), b'{"a": 1}'),
        (lambda: 42, b""),
    ],
    ids=["none", "bytes", "bytearray", "str", "str-surrogate", "file", "text-file", "chunks", "reader", "other"],
)
def test_every_kind_of_body_reaches_the_protocol_as_the_bytes_sent(body: Callable[[], object], expected: bytes) -> None:
    request = wire_request("POST", "https://iotthingsgraph.us-east-1.amazonaws.com/", {}, body())  # made afresh

    assert request.body == expected
    assert type(request.body) is bytes


class _Unprintable:
    def __str__(self) -> str:
        raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")


def test_header_values_of_every_kind_are_read_as_text() -> None:
    request = wire_request(
        "POST",
        "https://iotthingsgraph.us-east-1.amazonaws.com/",
        {"Content-Type": b"application/\xffjson", "X-Amz-Target": _Unprintable(), "X-Amz-Date": 20240101},
        b"",
    )

    assert dict(request.headers) == {
        "content-type": "application/\ufffdjson",
        "x-amz-target": "<header value that is not text>",
        "x-amz-date": "20240101",
    }


def test_a_success_through_a_client_carries_the_services_headers(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"])

    response = make_client().get_upload_status(uploadId="u")

    headers = response["ResponseMetadata"]["HTTPHeaders"]
    assert headers["content-type"] == "application/x-amz-json-1.1"
    assert (
        headers["x-amzn-requestid"] == response["ResponseMetadata"]["RequestId"] == thingsgraph_stub.calls[0].request_id
    )
    assert int(headers["content-length"]) == len(json.dumps(thingsgraph_stub.calls[0].response, separators=(",", ":")))


# ---------------------------------------------------------------------------------------------------------------------
# Scripts: the guesses and the item labels in add_upload's messages


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"zzz": 1}, "uploadStatus: Field required; zzz: not a member of the response."),
        ({"some_thing": 1}, "uploadStatus: Field required; some_thing: not a member of the response."),
        (
            {"uploadStatus": "SUCCEEDED", "created_DATE": 1},
            "created_DATE: not a member of the response (did you mean 'createdDate'?).",
        ),
        (
            {"uploadStatus": "SUCCEEDED", "namespace_arn": "a"},
            "namespace_arn: not a member of the response (did you mean 'namespaceArn'?).",
        ),
        (
            {"uploadStatus": "SUCCEEDED", "nameArn": "a"},
            "nameArn: not a member of the response.",
        ),
        (
            {"uploadStatus": "SUCCEEDED", "uploadSta": 1},
            "uploadSta: not a member of the response (did you mean 'uploadStatus'?).",
        ),
    ],
    ids=["unlike-any", "snake-unlike-any", "snake-camel-only", "snake", "not-close-enough", "close"],
)
def test_a_member_that_is_not_one_gets_the_right_guess_or_none(item: dict[str, Any], message: str) -> None:
    stub = ThingsGraphStub()

    with pytest.raises(UsageError) as caught:
        stub.add_upload("u", [item])

    assert str(caught.value) == f"add_upload('u'): script item 0 is not a valid GetUploadStatus response: {message}"


def test_a_member_named_with_a_doubled_underscore_is_still_guessed() -> None:
    with pytest.raises(UsageError) as caught:
        ThingsGraphStub().add_upload("u", [{"uploadStatus": "SUCCEEDED", "upload__id": "u"}])

    assert str(caught.value) == (
        "add_upload('u'): script item 0 is not a valid GetUploadStatus response: "
        "upload__id: not a member of the response (did you mean 'uploadId'?)."
    )


def test_a_status_name_given_to_another_member_gets_no_status_guess() -> None:
    with pytest.raises(UsageError) as caught:
        ThingsGraphStub().add_upload("u", [{"uploadStatus": "SUCCEEDED", "createdDate": "FAILED"}])

    assert str(caught.value) == (
        "add_upload('u'): script item 0 is not a valid GetUploadStatus response: "
        "createdDate='FAILED': Input should be a valid datetime."
    )


def test_members_after_boto3s_response_metadata_are_kept(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload(
        "u", [{"ResponseMetadata": {"HTTPStatusCode": 200}, "uploadStatus": "FAILED", "namespaceName": "n"}]
    )

    response = make_client().get_upload_status(uploadId="u")

    assert (response["uploadStatus"], response["namespaceName"]) == ("FAILED", "n")
    assert "ResponseMetadata" not in thingsgraph_stub.calls[0].response


def test_an_upload_id_with_a_lone_surrogate_is_refused_without_keywords_too() -> None:
    with pytest.raises(UsageError) as caught:
        ThingsGraphStub().add_upload("a\ud800", ["SUCCEEDED"])

    assert str(caught.value) == (
        "add_upload('a\\ud800'): upload_id='a\\ud800' has a lone surrogate, which no UTF-8 JSON response can carry: "
        "pass text without one."
    )


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

    assert [answer.get("failureReason") for answer in answers] == [None, ["a", "b"]]


def test_a_dict_item_with_a_non_string_key_is_named() -> None:
    with pytest.raises(UsageError) as caught:
        ThingsGraphStub().add_upload("u", [{("uploadStatus",): "SUCCEEDED"}])

    assert str(caught.value) == (
        "add_upload('u'): script item 0 has the non-string key ('uploadStatus',): use camelCase member names."
    )


@pytest.mark.parametrize(("length", "shown"), [(80, None), (81, 79)], ids=["80-whole", "81-shortened"])
def test_an_item_label_is_shortened_past_80_characters(length: int, shown: int | None) -> None:
    item = {"uploadStatus": "FAILED", "failureReason": ["x" * (length - 49)]}
    text = repr(item)
    assert len(text) == length

    with pytest.raises(UsageError) as caught:
        ThingsGraphStub().add_upload("u", ["SUCCEEDED", item])

    label = text if shown is None else text[:shown] + "…"
    assert str(caught.value) == (
        f"add_upload('u'): script item 1 {label} comes after the upload ended SUCCEEDED: an upload that reached "
        "SUCCEEDED stays SUCCEEDED. End the script there, or give the upload a second script under another upload ID."
    )

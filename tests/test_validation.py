"""Request validation on the wire: the service's answer, and the test fails at teardown."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.awsrequest import AWSRequest
from helpers import deepest_decodable_nesting, make_client, signed_wire

from pytest_thingsgraph import StubError, ThingsGraphStub, mock_thingsgraph

TARGET = "IotThingsGraphFrontEndService.GetUploadStatus"
JSON = "application/x-amz-json-1.1"


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
        "Things Graph operation DescribeNamespace (request 1) is not stubbed: pytest-thingsgraph answers "
        "GetUploadStatus and UploadEntityDefinitions only. Keep the code under test from calling DescribeNamespace "
        "in this test, or run it without the stub."
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

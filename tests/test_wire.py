"""Wire faithfulness: real clients, botocore's own retries, JSON 1.1 bodies and headers, request IDs, and what an
adapter hands the protocol (header values and bodies of every kind a client holds)."""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from helpers import make_client

from pytest_thingsgraph import ServiceError, ThingsGraphStub
from pytest_thingsgraph._protocol import wire_request

CREATED = dt.datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=dt.timezone.utc)
EU_WEST_1 = "https://iotthingsgraph.eu-west-1.amazonaws.com/"


def test_a_polling_loop_gets_through_a_retried_throttle(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload(
        "upload-1",
        ["IN_PROGRESS", ServiceError("ThrottlingException", "Rate exceeded"), "SUCCEEDED"],
        namespace_name="acme",
        namespace_version=3,
    )
    client = make_client(attempts=None)

    statuses = []
    while not statuses or statuses[-1] == "IN_PROGRESS":
        statuses.append(client.get_upload_status(uploadId="upload-1")["uploadStatus"])

    assert statuses == ["IN_PROGRESS", "SUCCEEDED"]
    assert [c.upload_id for c in thingsgraph_stub.calls] == ["upload-1"] * 3
    assert [c.error_code for c in thingsgraph_stub.calls] == [None, "ThrottlingException", None]


@pytest.mark.parametrize("mode", ["legacy", "standard"])
def test_a_retried_throttle_consumes_one_item_per_attempt(thingsgraph_stub: ThingsGraphStub, mode: str) -> None:
    thingsgraph_stub.add_upload("u", [ServiceError("ThrottlingException"), "SUCCEEDED"], namespace_version=7)
    client = make_client(attempts=None, mode=mode)

    response = client.get_upload_status(uploadId="u")

    assert response["uploadStatus"] == "SUCCEEDED"
    assert response["namespaceVersion"] == 7
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert [c.status_code for c in thingsgraph_stub.calls] == [400, 200]


@pytest.mark.parametrize("mode", ["legacy", "standard"])
def test_one_attempt_raises_the_scripted_throttle(thingsgraph_stub: ThingsGraphStub, mode: str) -> None:
    thingsgraph_stub.add_upload("u", [ServiceError("ThrottlingException", "Rate exceeded"), "SUCCEEDED"])
    client = make_client(attempts=1, mode=mode)

    with pytest.raises(client.exceptions.ThrottlingException) as caught:
        client.get_upload_status(uploadId="u")

    error = caught.value.response
    assert error["Error"] == {"Code": "ThrottlingException", "Message": "Rate exceeded"}
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert client.get_upload_status(uploadId="u")["uploadStatus"] == "SUCCEEDED"


@pytest.mark.parametrize(
    ("error", "exception", "status"),
    [
        (ServiceError("InvalidRequestException", "bad"), "InvalidRequestException", 400),
        (ServiceError("ResourceNotFoundException", "gone"), "ResourceNotFoundException", 404),
        (ServiceError("InternalFailureException", "oops"), "InternalFailureException", 500),
        (ServiceError("ThrottlingException", "slow down"), "ThrottlingException", 400),
    ],
)
def test_documented_errors_arrive_as_modelled_exceptions(
    thingsgraph_stub: ThingsGraphStub, error: ServiceError, exception: str, status: int
) -> None:
    thingsgraph_stub.add_upload("u", [error, "SUCCEEDED"])
    client = make_client(attempts=1)

    with pytest.raises(getattr(client.exceptions, exception)) as caught:
        client.get_upload_status(uploadId="u")

    assert caught.value.response["Error"]["Message"] == error.message
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert json.loads(json.dumps(thingsgraph_stub.calls[0].response)) == {"__type": exception, "message": error.message}
    client.get_upload_status(uploadId="u")


def test_an_undocumented_error_keeps_its_status(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("u", [ServiceError("ServiceUnavailableException", "later", status_code=503), "FAILED"])
    client = make_client(attempts=1)

    with pytest.raises(client.exceptions.ClientError) as caught:
        client.get_upload_status(uploadId="u")

    assert caught.value.response["Error"]["Code"] == "ServiceUnavailableException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    client.get_upload_status(uploadId="u")


def test_response_fields_arrive_as_scripted(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload(
        "u",
        ["IN_PROGRESS", "FAILED"],
        namespace_name="acme",
        namespace_arn="arn:aws:iotthingsgraph:us-east-1:123456789012:namespace/acme",
        namespace_version=12,
        created_date=CREATED,
        failure_reason=["Line 3: unknown type Sensor", "Line 9: missing id"],
    )
    client = make_client()

    polls = [client.get_upload_status(uploadId="u") for _ in range(2)]

    for poll in polls:
        metadata = poll.pop("ResponseMetadata")
        assert metadata["HTTPStatusCode"] == 200
        assert poll["createdDate"] == CREATED
    assert polls[0] == {
        "uploadId": "u",
        "uploadStatus": "IN_PROGRESS",
        "namespaceName": "acme",
        "namespaceArn": "arn:aws:iotthingsgraph:us-east-1:123456789012:namespace/acme",
        "namespaceVersion": 12,
        "createdDate": CREATED,
    }
    assert polls[1] == {
        **polls[0],
        "uploadStatus": "FAILED",
        "failureReason": ["Line 3: unknown type Sensor", "Line 9: missing id"],
    }


def test_every_response_carries_its_own_request_id(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"])
    client = make_client()

    first, second = (client.get_upload_status(uploadId="u")["ResponseMetadata"] for _ in range(2))

    assert first["RequestId"] != second["RequestId"]
    assert first["HTTPHeaders"]["x-amzn-requestid"] == first["RequestId"]
    assert first["HTTPHeaders"]["content-type"] == "application/x-amz-json-1.1"
    assert [c.request_id for c in thingsgraph_stub.calls] == [first["RequestId"], second["RequestId"]]


def test_request_ids_are_uuids_in_their_canonical_form(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
    client = make_client()

    returned = [client.get_upload_status(uploadId="u")["ResponseMetadata"]["RequestId"] for _ in range(2)]

    assert [call.request_id for call in thingsgraph_stub.calls] == returned
    assert [str(uuid.UUID(request_id)) for request_id in returned] == returned
    assert len(set(returned)) == 2


def test_created_date_stays_the_same_on_every_poll_when_defaulted(thingsgraph_stub: ThingsGraphStub) -> None:
    before = dt.datetime.now(dt.timezone.utc)
    thingsgraph_stub.add_upload("u", ["IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"])
    client = make_client()

    dates = {client.get_upload_status(uploadId="u")["createdDate"] for _ in range(3)}

    (date,) = dates
    assert before - dt.timedelta(seconds=1) <= date <= dt.datetime.now(dt.timezone.utc)


def test_calls_record_the_decoded_request_and_sent_body(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"], created_date=CREATED, region="eu-west-1")
    client = make_client("eu-west-1")

    client.get_upload_status(uploadId="u")

    (call,) = thingsgraph_stub.calls
    assert call.operation == "GetUploadStatus"
    assert call.upload_id == "u"
    assert call.region == "eu-west-1"
    assert call.request == {"uploadId": "u"}
    assert call.status_code == 200
    assert call.error_code is None
    assert call.upload_status == "SUCCEEDED"
    assert call.response == {"uploadId": "u", "uploadStatus": "SUCCEEDED", "createdDate": CREATED.timestamp()}


def test_a_botocore_event_handler_sees_the_answer_at_the_url_the_request_went_to(
    thingsgraph_stub: ThingsGraphStub,
) -> None:
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"])
    client = make_client("eu-west-1")
    seen: list[tuple[str, int]] = []

    def needs_retry(response: Any, **_: Any) -> None:
        http_response = response[0]
        seen.append((http_response.url, http_response.status_code))

    client.meta.events.register("needs-retry.iotthingsgraph.GetUploadStatus", needs_retry)
    client.get_upload_status(uploadId="u")

    assert seen == [(EU_WEST_1, 200)]


def test_a_custom_endpoint_url_is_answered_too(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"], region="ap-southeast-2")
    client = make_client("ap-southeast-2", endpoint_url="http://127.0.0.1:9")

    assert client.get_upload_status(uploadId="u")["uploadStatus"] == "SUCCEEDED"
    assert thingsgraph_stub.calls[0].region == "ap-southeast-2"


@pytest.mark.thingsgraph_stub(allow_invalid_requests=True)
def test_config_parameter_validation_off_still_reaches_the_stub(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"])
    client = make_client(parameter_validation=False)

    assert client.get_upload_status(uploadId="u")["uploadStatus"] == "SUCCEEDED"
    # botocore's own validator would refuse an empty uploadId before sending: here the stub answers it
    with pytest.raises(client.exceptions.InvalidRequestException):
        client.get_upload_status(uploadId="")
    assert [(call.request, call.status_code) for call in thingsgraph_stub.calls] == [
        ({"uploadId": "u"}, 200),
        ({"uploadId": ""}, 400),
    ]


def test_a_plain_dict_of_headers_is_read_whatever_its_case() -> None:
    headers = {
        "X-Amz-Target": "IotThingsGraphFrontEndService.GetUploadStatus",
        "CONTENT-TYPE": "application/x-amz-json-1.1",
    }
    request = wire_request("POST", "https://iotthingsgraph.us-east-1.amazonaws.com/", headers, b"{}")

    assert request.headers == {
        "x-amz-target": "IotThingsGraphFrontEndService.GetUploadStatus",
        "content-type": "application/x-amz-json-1.1",
    }


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

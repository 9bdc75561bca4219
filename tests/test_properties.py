"""Property tests of the stub itself, driven by pytest_thingsgraph.strategies.

Each example runs its own stub (``with mock_thingsgraph() as stub:`` inside the
test body), except the one test that shows the fixture way. Clients are real
boto3 clients; those without retries are made once and shared by the examples.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import json
from typing import Any

import botocore.parsers
import botocore.session
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.exceptions import ClientError, EndpointConnectionError
from helpers import FAKE, examples, make_client, signed_wire
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from pytest_thingsgraph import ServiceError, StubError, ThingsGraphStub, _botocore, mock_thingsgraph
from pytest_thingsgraph._endpoints import unreachable_reason
from pytest_thingsgraph._service import CONTENT_TYPE, OPERATIONS, TARGET_PREFIX
from pytest_thingsgraph.models import TERMINAL_STATUSES, UPLOAD_STATUSES
from pytest_thingsgraph.strategies import (
    JSONValue,
    created_dates,
    get_upload_status_responses,
    invalid_get_upload_status_requests,
    scripts,
    upload_ids,
)

TARGET = TARGET_PREFIX + "GetUploadStatus"
REGION = "us-east-1"
#: What botocore retries (both modes): a throttling error code, and a 5xx.
RETRYABLE_CODES = frozenset({"ThrottlingException", "InternalFailureException"})
#: The error codes the stub answers an invalid request with.
REJECTIONS = frozenset({"InvalidRequestException", "SerializationException"})
#: Every error the stub answers unscripted: invalid requests, unknown operations, unknown uploads.
STUB_ERRORS = REJECTIONS | {"UnknownOperationException", "ResourceNotFoundException"}
#: The service's refusals of a request's signature (403, or 400 for an incomplete one).
SIGNATURE_ERRORS = frozenset(
    {"MissingAuthenticationTokenException", "IncompleteSignatureException", "InvalidSignatureException"}
)
#: botocore's standard retry mode makes 3 attempts unless told otherwise.
STANDARD_MAX_ATTEMPTS = 3

#: ("status", response members) or ("error", code, message, HTTP status): one answer as a client sees it.
Answer = tuple[Any, ...]


@functools.cache
def shared_client(mode: str = "standard", *, validation: bool = True) -> Any:
    """A client without retries, made once: every example of every test may use it."""
    return make_client(REGION, attempts=1, mode=mode, parameter_validation=validation)


def add_upload(stub: ThingsGraphStub, upload_id: str, script: list[Any], defaults: dict[str, Any]) -> list[Answer]:
    """Script ``upload_id`` with ``add_upload`` keywords taken from the response body ``defaults``.

    Returns the answers the documented semantics promise, one per item.
    """
    stub.add_upload(
        upload_id,
        script,
        namespace_name=defaults.get("namespaceName"),
        namespace_arn=defaults.get("namespaceArn"),
        namespace_version=defaults.get("namespaceVersion"),
        created_date=defaults["createdDate"],
        failure_reason=defaults.get("failureReason"),
    )
    return scripted_answers(upload_id, script, defaults)


def scripted_answers(upload_id: str, script: list[Any], defaults: dict[str, Any]) -> list[Answer]:
    """A model of add_upload: keywords under dict items, None removes, failure_reason fills FAILED only."""
    base = {name: value for name, value in defaults.items() if name not in ("uploadStatus", "failureReason")}
    base["uploadId"] = upload_id
    answers: list[Answer] = []
    for item in script:
        if isinstance(item, ServiceError):
            answers.append(("error", item.code, item.message, item.status_code))
            continue
        fields = {**base, **({"uploadStatus": item} if isinstance(item, str) else item)}
        if fields["uploadStatus"] == "FAILED" and "failureReason" not in fields:
            fields["failureReason"] = defaults.get("failureReason")
        answers.append(("status", {name: value for name, value in fields.items() if value is not None}))
    return answers


def get_upload_status(client: Any, upload_id: str) -> tuple[Answer, int]:
    """One ``get_upload_status`` call: its answer and botocore's ``RetryAttempts``."""
    try:
        response = client.get_upload_status(uploadId=upload_id)
    except ClientError as error:
        meta, details = error.response["ResponseMetadata"], error.response["Error"]
        return ("error", details["Code"], details["Message"], meta["HTTPStatusCode"]), meta["RetryAttempts"]
    meta = response.pop("ResponseMetadata")
    assert meta["HTTPStatusCode"] == 200
    created = response["createdDate"]
    assert isinstance(created, dt.datetime)
    assert created.utcoffset() is not None
    return ("status", response), meta["RetryAttempts"]


def poll_until_terminal(client: Any, upload_id: str, *, limit: int) -> list[tuple[Answer, int]]:
    """Poll as a waiter would, through errors, until SUCCEEDED or FAILED (at most ``limit`` calls)."""
    seen: list[tuple[Answer, int]] = []
    while len(seen) < limit:
        answer, retries = get_upload_status(client, upload_id)
        seen.append((answer, retries))
        if answer[0] == "status" and answer[1]["uploadStatus"] in TERMINAL_STATUSES:
            break
    return seen


def is_retryable(answer: Answer) -> bool:
    return answer[0] == "error" and answer[1] in RETRYABLE_CODES


def with_retries(answers: list[Answer], *, max_attempts: int) -> list[tuple[Answer, int]]:
    """What each call returns when botocore retries the retryable errors, and its RetryAttempts."""
    calls = []
    index = 0
    while index < len(answers):
        retries = 0
        while is_retryable(answers[index]) and retries < max_attempts - 1 and index + 1 < len(answers):
            retries += 1
            index += 1
        calls.append((answers[index], retries))
        index += 1
    return calls


def check_calls(stub: ThingsGraphStub, upload_id: str, answers: list[Answer]) -> None:
    """The stub recorded one call per answer, each for this upload, with its status or error."""
    calls = stub.calls
    assert [call.upload_id for call in calls] == [upload_id] * len(answers)
    recorded = [(call.error_code, call.upload_status, call.status_code) for call in calls]
    scripted = [
        (answer[1], None, answer[3]) if answer[0] == "error" else (None, answer[1]["uploadStatus"], 200)
        for answer in answers
    ]
    assert recorded == scripted
    assert all(call.request == {"uploadId": upload_id} and call.region == REGION for call in calls)


# ---------------------------------------------------------------------------------------------------------------------
# A real client sees exactly what was scripted


@pytest.mark.parametrize("mode", ["legacy", "standard"])
@settings(max_examples=examples(40))
@given(upload_id=upload_ids(), data=st.data())
def test_a_polling_client_observes_exactly_the_script(mode: str, upload_id: str, data: st.DataObject) -> None:
    defaults = data.draw(get_upload_status_responses(upload_id=upload_id), label="add_upload keywords")
    script = data.draw(scripts(), label="script")
    with mock_thingsgraph() as stub:
        answers = add_upload(stub, upload_id, script, defaults)
        seen = poll_until_terminal(shared_client(mode), upload_id, limit=len(script) + 1)
        event(f"errors: {sum(isinstance(item, ServiceError) for item in script)}")
        assert seen == [(answer, 0) for answer in answers]
        check_calls(stub, upload_id, answers)


def _retryable_errors(script: list[Any]) -> int:
    return sum(isinstance(item, ServiceError) and item.code in RETRYABLE_CODES for item in script)


# botocore really sleeps between retries (up to 1 s for the first throttling retry, 2 s for the second):
# short scripts with few retryable errors, and few examples.
RETRIED_SCRIPTS = scripts(max_polls=3, max_consecutive_errors=2).filter(lambda script: _retryable_errors(script) <= 2)


@settings(max_examples=examples(5))
@given(upload_id=upload_ids(), script=RETRIED_SCRIPTS, created=created_dates())
def test_botocore_default_retries_consume_one_item_per_attempt(
    upload_id: str, script: list[Any], created: dt.datetime
) -> None:
    client = make_client(REGION, attempts=None)  # a fresh retry quota per example
    with mock_thingsgraph() as stub:
        answers = add_upload(stub, upload_id, script, {"createdDate": created})
        expected = with_retries(answers, max_attempts=STANDARD_MAX_ATTEMPTS)
        seen = poll_until_terminal(client, upload_id, limit=len(script) + 1)
        event(f"retries: {sum(retries for _, retries in seen)}")
        assert seen == expected
        assert sum(retries for _, retries in seen) == len(script) - len(seen)
        assert len(stub.calls) == len(script)
        check_calls(stub, upload_id, answers)


@settings(max_examples=examples(30))
@given(upload_id=upload_ids(), script=scripts(terminal=False), created=created_dates())
def test_polling_past_a_script_that_does_not_end_raises_stub_error(
    upload_id: str, script: list[Any], created: dt.datetime
) -> None:
    client = shared_client()
    with mock_thingsgraph() as stub:
        answers = add_upload(stub, upload_id, script, {"createdDate": created})
        assert [get_upload_status(client, upload_id) for _ in script] == [(answer, 0) for answer in answers]
        with pytest.raises(StubError, match="has no script item left"):
            client.get_upload_status(uploadId=upload_id)
        [section] = stub.failures()
        assert section.startswith("The stub raised StubError")
        stub.reset()  # the report above would fail the block's exit


@settings(max_examples=examples(100))
@given(body=get_upload_status_responses())
def test_every_response_body_survives_botocores_parser(body: dict[str, Any]) -> None:
    with mock_thingsgraph() as stub:
        stub.add_upload(body["uploadId"], [body])
        response = shared_client().get_upload_status(uploadId=body["uploadId"])
    response.pop("ResponseMetadata")
    assert response == body
    for name, value in body.items():
        assert type(response[name]) is type(value), name
    assert response["createdDate"].utcoffset() is not None


@settings(
    max_examples=examples(20),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(upload_id=upload_ids(), script=scripts(), created=created_dates())
def test_the_fixture_way(
    thingsgraph_stub: ThingsGraphStub, upload_id: str, script: list[Any], created: dt.datetime
) -> None:
    """The fixture spans every example of the test: reset it first, so each example starts clean."""
    thingsgraph_stub.reset()
    answers = add_upload(thingsgraph_stub, upload_id, script, {"createdDate": created})
    seen = poll_until_terminal(shared_client(), upload_id, limit=len(script) + 1)
    assert seen == [(answer, 0) for answer in answers]
    check_calls(thingsgraph_stub, upload_id, answers)


# ---------------------------------------------------------------------------------------------------------------------
# Invalid requests are answered as the service does and flagged; valid ones never are


def expected_rejection(body: object) -> str:
    """Type errors are SerializationException, constraint violations InvalidRequestException."""
    if not isinstance(body, dict):
        return "SerializationException"
    upload_id = body.get("uploadId")
    return (
        "SerializationException"
        if upload_id is not None and not isinstance(upload_id, str)
        else "InvalidRequestException"
    )


def check_flagged(stub: ThingsGraphStub) -> None:
    """The teardown report names the invalid requests (unless allowed); then forget them, for a clean exit."""
    [section] = stub.failures()
    assert section.startswith("These requests were invalid")
    with pytest.raises(StubError, match="These requests were invalid"):
        stub.verify()
    stub.reset()


@settings(max_examples=examples(100))
@given(
    body=invalid_get_upload_status_requests(),
    ensure_ascii=st.booleans(),
    content_type=st.sampled_from([CONTENT_TYPE, CONTENT_TYPE + "; charset=utf-8"]),
)
def test_invalid_wire_bodies_are_answered_and_flagged(body: JSONValue, ensure_ascii: bool, content_type: str) -> None:
    raw = json.dumps(body, ensure_ascii=ensure_ascii).encode()
    with mock_thingsgraph() as stub:
        response = stub.answer(signed_wire(raw, content_type=content_type, region=REGION))
        assert response.status_code == 400
        document = json.loads(response.body)
        assert document["__type"] == expected_rejection(body)
        assert isinstance(document["message"], str)
        assert document["message"]
        [call] = stub.calls
        assert (call.error_code, call.upload_id, call.request_id) == (document["__type"], None, response.request_id)
        check_flagged(stub)


@settings(max_examples=examples(50))
@given(body=invalid_get_upload_status_requests(kinds=["missing", "empty", "too_long", "wrong_type"]))
def test_invalid_params_from_a_client_are_answered_and_flagged(body: dict[str, JSONValue]) -> None:
    """The kinds botocore's serializer can express, sent by a client with parameter_validation=False."""
    with mock_thingsgraph() as stub:
        with pytest.raises(ClientError) as raised:
            shared_client(validation=False).get_upload_status(**body)
        assert raised.value.response["Error"]["Code"] == expected_rejection(body)
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        [call] = stub.calls
        assert call.request == body
        check_flagged(stub)


@settings(max_examples=examples(100))
@given(upload_id=upload_ids(), scripted=st.booleans(), ensure_ascii=st.booleans(), validation=st.booleans())
def test_generated_valid_requests_are_never_flagged(
    upload_id: str, scripted: bool, ensure_ascii: bool, validation: bool
) -> None:
    with mock_thingsgraph() as stub:
        if scripted:
            stub.add_upload(upload_id, ["SUCCEEDED"])
        raw = json.dumps({"uploadId": upload_id}, ensure_ascii=ensure_ascii).encode()
        wire = stub.answer(signed_wire(raw, region=REGION))
        answer, _ = get_upload_status(shared_client(validation=validation), upload_id)
        if scripted:
            assert wire.status_code == 200
            assert answer[0] == "status"
        else:
            assert wire.status_code == 404
            assert answer[:2] == ("error", "ResourceNotFoundException")
        assert stub.failures() == []
        for call in stub.calls:
            assert call.error_code not in REJECTIONS
            assert (call.upload_id, call.request) == (upload_id, {"uploadId": upload_id})


# ---------------------------------------------------------------------------------------------------------------------
# Whatever reaches the request handler, only documented answers come back

REGIONS = st.one_of(st.sampled_from([REGION, "eu-west-1"]), st.text(max_size=20))
HEADER_VALUES = st.one_of(st.text(max_size=60), st.binary(max_size=60))
ABSENT = None  # a header left out
OTHER_TARGETS = st.one_of(
    st.sampled_from(sorted(TARGET_PREFIX + operation for operation in OPERATIONS - {"GetUploadStatus"})),
    st.builds(TARGET_PREFIX.__add__, st.text(max_size=30)),
    st.sampled_from(["GetUploadStatus", "IotThingsGraphFrontEndService.getuploadstatus", TARGET + " ", "", ABSENT]),
    HEADER_VALUES,
)
OTHER_CONTENT_TYPES = st.one_of(
    st.sampled_from([CONTENT_TYPE.upper(), f" {CONTENT_TYPE} ;", "application/json", "application/x-amz-json-1.0"]),
    st.just(ABSENT),
    HEADER_VALUES,
)
AUTHORIZATIONS = st.one_of(
    st.builds(
        "AWS4-HMAC-SHA256 Credential=ASIAFUZZ/20240101/{}/iotthingsgraph/aws4_request, SignedHeaders=host, "
        "Signature=00".format,
        REGIONS,
    ),
    st.just(ABSENT),
    HEADER_VALUES,
)
JSON_DOCUMENTS: st.SearchStrategy[Any] = st.one_of(
    st.just({"uploadId": "scripted"}),
    st.builds(lambda upload_id: {"uploadId": upload_id}, upload_ids()),
    invalid_get_upload_status_requests(),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
        lambda children: st.lists(children) | st.dictionaries(st.text(), children),
        max_leaves=10,
    ),
)
JSON_BODIES = st.builds(
    lambda document, ascii_only: json.dumps(document, ensure_ascii=ascii_only).encode(), JSON_DOCUMENTS, st.booleans()
)
OTHER_BODIES = st.one_of(
    st.binary(max_size=200),
    st.none(),
    st.text(max_size=100),  # str bodies: no lone surrogates here, see the surrogate tests below
    st.builds(io.BytesIO, st.binary(max_size=100)),
    st.dictionaries(st.text(max_size=10), st.text(max_size=10), max_size=3),  # url-encoded by prepare()
)
OTHER_METHODS = st.one_of(st.sampled_from(["GET", "PUT", "HEAD", "post"]), st.text(max_size=10))
OTHER_URLS = st.one_of(st.builds("https://iotthingsgraph.{}.amazonaws.com/".format, REGIONS), st.text(max_size=60))


@st.composite
def prepared_requests(draw: st.DrawFn) -> Any:
    """Real botocore prepared requests: each part mostly what botocore sends, else anything, headers added at random."""

    def mostly(valid: Any, others: st.SearchStrategy[Any]) -> Any:
        return valid if draw(st.integers(0, 3)) < 3 else draw(others)  # shrinks towards the valid part

    parts = {
        "X-Amz-Target": mostly(TARGET, OTHER_TARGETS),
        "Content-Type": mostly(CONTENT_TYPE, OTHER_CONTENT_TYPES),
        "Authorization": draw(AUTHORIZATIONS),
    }
    headers = {name: value for name, value in parts.items() if value is not ABSENT}
    headers.update(draw(st.dictionaries(st.text(min_size=1, max_size=20), HEADER_VALUES, max_size=3)))
    request = AWSRequest(
        method=mostly("POST", OTHER_METHODS),
        url=mostly(f"https://iotthingsgraph.{REGION}.amazonaws.com/", OTHER_URLS),
        headers=headers,
        data=draw(JSON_BODIES) if draw(st.integers(0, 3)) < 3 else draw(OTHER_BODIES),
    )
    if draw(st.integers(0, 3)) < 3:  # mostly signed as botocore signs (which replaces a drawn Authorization)
        with contextlib.suppress(ValueError, TypeError, AttributeError):  # a URL or header botocore cannot sign
            SigV4Auth(FAKE, "iotthingsgraph", REGION).add_auth(request)
    return request.prepare()


def _text(value: str | bytes | None) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value or ""


STUBBED_OPERATIONS = {"GetUploadStatus", "UploadEntityDefinitions"}


def operation_named(request: Any) -> str | None:
    target = _text(request.headers.get("X-Amz-Target"))
    return target[len(TARGET_PREFIX) :] if target.startswith(TARGET_PREFIX) else None


def names_answered_operation(request: Any) -> bool:
    """The target names a real Things Graph operation answered from add_response (none queued here)."""
    return operation_named(request) in OPERATIONS - STUBBED_OPERATIONS


SERVICE_MODEL = botocore.session.get_session().get_service_model("iotthingsgraph")


@settings(max_examples=examples(2_000))
@given(request=prepared_requests(), pinned=st.booleans())
def test_2000_fuzzed_wire_requests_only_get_documented_answers(request: Any, pinned: bool) -> None:
    """Nothing but an AWSResponse comes back, whose body botocore parses.

    The one exception that may escape is StubError, and only for a valid request
    of an operation answered from add_response, of which none is queued here (a
    test that calls one fails, rather than get an answer the service would not give).
    """
    note(f"headers={dict(request.headers)!r} body={request.body!r}")
    with mock_thingsgraph(allow_invalid_requests=True, assert_all_consumed=False) as stub:
        stub.add_upload(
            "scripted", ["IN_PROGRESS", ServiceError("ThrottlingException", "Slow down"), "SUCCEEDED"],
            region=REGION if pinned else None,
        )  # fmt: skip
        try:
            response = _botocore.answer(request)
        except StubError:
            event("StubError")
            assert names_answered_operation(request)
            assert stub.calls == []
            stub.reset()  # the StubError is in the teardown report
            return
        except EndpointConnectionError:  # a Things Graph host where the service never ran
            event("EndpointConnectionError")
            assert unreachable_reason(request.url) is not None
            assert [(c.status_code, c.error_code) for c in stub.calls] == [(0, "EndpointConnectionError")]
            return
        assert isinstance(response, AWSResponse)
        body = response.content
        assert int(response.headers["Content-Length"]) == len(body)
        assert response.headers["Content-Type"] == CONTENT_TYPE
        [call] = stub.calls
        assert response.headers["x-amzn-RequestId"] == call.request_id
        document = json.loads(body)
        event(f"answered {response.status_code} {document.get('__type', '')}".strip())
        creates_upload = operation_named(request) == "UploadEntityDefinitions"
        if response.status_code == 200 and creates_upload:
            assert document == {"uploadId": call.upload_id}
        elif response.status_code == 200:
            assert document["uploadStatus"] in UPLOAD_STATUSES
        else:
            assert document["__type"] in STUB_ERRORS | SIGNATURE_ERRORS | {"ThrottlingException"}
            assert response.status_code in (400, 403, 404)
        if names_answered_operation(request):  # answered only because the request is wrong: nothing is queued
            assert document["__type"] in REJECTIONS | {"UnknownOperationException"} | SIGNATURE_ERRORS
        parser = botocore.parsers.create_parser("json")
        parsed = parser.parse(
            {"status_code": response.status_code, "headers": response.headers, "body": body},
            SERVICE_MODEL.operation_model(
                "UploadEntityDefinitions" if creates_upload else "GetUploadStatus"
            ).output_shape,
        )
        if response.status_code >= 400:
            assert parsed["Error"]["Code"] == document["__type"]
        elif creates_upload:
            assert parsed["uploadId"] == document["uploadId"]
        else:
            assert parsed["uploadStatus"] == document["uploadStatus"]


# ---------------------------------------------------------------------------------------------------------------------
# Lone surrogates (which JSON escapes carry but UTF-8 cannot), kept out of the properties above: the stub once
# crashed on them (UnicodeEncodeError, and email Header objects for header values); these pin the fix.


def handler_request(*, upload_id: str = "unscripted", region: str = REGION, **headers: Any) -> Any:
    """A GetUploadStatus request as botocore prepares and signs it (its JSON body ASCII, as botocore writes it).

    An ``Authorization`` among ``headers`` replaces the signature's.
    """
    request = AWSRequest(method="POST", url=f"https://iotthingsgraph.{REGION}.amazonaws.com/",
                         headers={"X-Amz-Target": TARGET, "Content-Type": CONTENT_TYPE},
                         data=json.dumps({"uploadId": upload_id}).encode())  # fmt: skip
    SigV4Auth(FAKE, "iotthingsgraph", REGION).add_auth(request)
    request.url = f"https://iotthingsgraph.{region}.amazonaws.com/"  # after signing: botocore signs no surrogate
    for name, value in headers.items():
        del request.headers[name]
        request.headers[name] = value
    return request


@pytest.mark.parametrize("where", ["uploadId", "region"])
@settings(max_examples=examples(5))
@given(surrogate=st.characters(categories=["Cs"]))
def test_a_lone_surrogate_in_an_unknown_upload_is_answered(where: str, surrogate: str) -> None:
    """A JSON escape such as \\ud800 is valid JSON, and decodes to a lone surrogate: the answer is 404 all the same."""
    if where == "uploadId":
        request = handler_request(upload_id="upload-" + surrogate)
    else:
        request = handler_request(region="us-east-" + surrogate)
    with mock_thingsgraph(allow_invalid_requests=True):
        response = _botocore.answer(request.prepare())
        assert response is not None
        assert json.loads(response.content)["__type"] == "ResourceNotFoundException"


@pytest.mark.parametrize("where", ["body", "X-Amz-Target", "Content-Type", "Authorization"])
@settings(max_examples=examples(5))
@given(surrogate=st.characters(categories=["Cs"]))
def test_a_lone_surrogate_in_str_request_parts_is_answered(where: str, surrogate: str) -> None:
    if where == "body":
        request = handler_request()
        request.data = '{"uploadId": "' + surrogate + '"}'
    elif where == "Authorization":  # well-formed but for the terminator: a header the service cannot read as text
        request = handler_request()
        authorization = request.headers["Authorization"].replace("/aws4_request,", f"/aws4_request{surrogate},")
        request = handler_request(Authorization=authorization)
    else:
        request = handler_request(**{where: (TARGET if where == "X-Amz-Target" else CONTENT_TYPE) + surrogate})
    with mock_thingsgraph(allow_invalid_requests=True):
        response = _botocore.answer(request.prepare())
        assert response is not None
        code = json.loads(response.content)["__type"]
        assert code in (SIGNATURE_ERRORS if where == "Authorization" else STUB_ERRORS)

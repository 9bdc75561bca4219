"""Callers that use requests: Things Graph calls reach the stub, everything else goes where it went."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

import pytest
import requests
import responses
from requests.adapters import BaseAdapter, HTTPAdapter
from requests.exceptions import RetryError
from requests.models import PreparedRequest, Response
from requests_aws4auth import AWS4Auth
from urllib3.util.retry import Retry

from pytest_thingsgraph import ServiceError, ThingsGraphStub, mock_thingsgraph

ENDPOINT = "https://iotthingsgraph.eu-west-1.amazonaws.com/"
HEADERS = {
    "X-Amz-Target": "IotThingsGraphFrontEndService.GetUploadStatus",
    "Content-Type": "application/x-amz-json-1.1",
}


BODY = json.dumps({"uploadId": "u"})


def signer(region: str = "eu-west-1") -> AWS4Auth:
    """requests-aws4auth signing for Things Graph in ``region``, with example credentials."""
    return AWS4Auth("AKIDEXAMPLE", "example-secret", region, "iotthingsgraph")


def poll(
    upload_id: str,
    *,
    url: str = ENDPOINT,
    region: str = "eu-west-1",
    session: requests.Session | None = None,
    **overrides: Any,
) -> requests.Response:
    """A GetUploadStatus call made with requests (on ``session``, if given), signed by requests-aws4auth."""
    send = session.post if session is not None else requests.post
    return send(
        url, data=json.dumps({"uploadId": upload_id}), headers={**HEADERS, **overrides}, auth=signer(region), timeout=5
    )


def test_a_requests_call_is_answered_by_the_same_stub(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"], namespace_version=9, region="eu-west-1")

    answers = [poll("u") for _ in range(2)]

    assert [a.status_code for a in answers] == [200, 200]
    assert [a.json()["uploadStatus"] for a in answers] == ["IN_PROGRESS", "SUCCEEDED"]
    assert answers[1].json()["namespaceVersion"] == 9
    assert answers[0].headers["Content-Type"] == "application/x-amz-json-1.1"
    assert [c.request_id for c in thingsgraph_stub.calls] == [a.headers["x-amzn-RequestId"] for a in answers]
    assert [(c.operation, c.upload_id, c.region) for c in thingsgraph_stub.calls] == [
        ("GetUploadStatus", "u", "eu-west-1")
    ] * 2


def test_another_operation_is_answered_and_checked_for_requests_callers(thingsgraph_stub: ThingsGraphStub) -> None:
    urn = "urn:tdm:eu-west-1/123456789012/default:System:Lamps"
    thingsgraph_stub.add_response(
        "GetSystemInstance",
        {"description": {"summary": {"id": urn, "status": "DEPLOYED_IN_TARGET"}}},
        match={"id": urn},
    )
    target = {**HEADERS, "X-Amz-Target": "IotThingsGraphFrontEndService.GetSystemInstance"}

    answered = requests.post(ENDPOINT, data=json.dumps({"id": urn}), headers=target, auth=signer(), timeout=5)
    refused = requests.post(ENDPOINT, data=json.dumps({"id": "lamps"}), headers=target, auth=signer(), timeout=5)

    assert (answered.status_code, answered.json()["description"]["summary"]["status"]) == (200, "DEPLOYED_IN_TARGET")
    assert (refused.status_code, refused.json()["__type"]) == (400, "InvalidRequestException")
    assert [(c.operation, c.status_code) for c in thingsgraph_stub.calls] == [("GetSystemInstance", 200),
                                                                               ("GetSystemInstance", 400)]  # fmt: skip
    thingsgraph_stub.reset()  # the invalid request was the point


def test_requests_calls_are_validated_the_same_way() -> None:
    with pytest.raises(AssertionError, match="These requests were invalid"), mock_thingsgraph() as stub:
        answer = poll("x" * 41)
        not_json = requests.post(ENDPOINT, data="uploadId=u", headers=HEADERS, auth=signer(), timeout=5)

    assert answer.status_code == 400
    assert answer.json()["__type"] == "InvalidRequestException"
    assert not_json.json() == {
        "__type": "SerializationException",
        "message": "Request body is not valid JSON: Expecting value at line 1 column 1.",
    }
    assert [c.error_code for c in stub.calls] == ["InvalidRequestException", "SerializationException"]


def test_other_requests_traffic_reaches_its_destination(thingsgraph_stub: ThingsGraphStub, local_server: str) -> None:
    answer = requests.get(f"{local_server}/health", timeout=5)

    assert answer.json() == {"served_by": "local server", "path": "/health"}
    assert thingsgraph_stub.calls == []


def test_a_call_without_a_target_header_is_the_stubs_too() -> None:
    """Fail-closed: a Things Graph host is answered by the stub whatever the headers, even over a test's own mock."""
    with (
        pytest.raises(AssertionError, match="These requests were invalid"),
        mock_thingsgraph() as stub,
        responses.RequestsMock(assert_all_requests_are_fired=False) as own,
    ):
        own.add(responses.GET, ENDPOINT, json={"answered_by": "the test's own mock"})

        answer = requests.get(ENDPOINT, auth=signer(), timeout=5)

    assert answer.status_code == 400
    assert answer.json() == {
        "__type": "UnknownOperationException",
        "message": "Missing X-Amz-Target header: name an operation.",
    }
    assert [(c.operation, c.error_code) for c in stub.calls] == [(None, "UnknownOperationException")]


def test_a_misspelled_target_to_a_real_host_is_answered_and_reported(no_sockets: list[Any]) -> None:
    with (
        pytest.raises(AssertionError, match="UnknownOperationException: Unknown operation") as report,
        mock_thingsgraph() as stub,
    ):
        answer = poll("u", **{"X-Amz-Target": "IotThingsGraphFrontEndService.GetUploadStatuss"})

    assert answer.status_code == 400
    assert answer.json()["__type"] == "UnknownOperationException"
    assert "These requests were invalid" in str(report.value)
    assert [c.error_code for c in stub.calls] == ["UnknownOperationException"]
    assert no_sockets == []


def test_an_unsigned_call_is_refused_as_the_service_refuses_it(no_sockets: list[Any]) -> None:
    with pytest.raises(AssertionError, match="MissingAuthenticationTokenException"), mock_thingsgraph() as stub:
        stub.add_upload("u", ["SUCCEEDED"])
        answer = requests.post(ENDPOINT, data=json.dumps({"uploadId": "u"}), headers=HEADERS, timeout=5)

    assert answer.status_code == 403
    assert answer.json() == {"__type": "MissingAuthenticationTokenException", "message": "Missing Authentication Token"}
    assert [c.error_code for c in stub.calls] == ["MissingAuthenticationTokenException"]
    assert no_sockets == []


@pytest.mark.parametrize(
    ("url", "region"),
    [
        ("https://iotthingsgraph.us-west-2.amazonaws.com/", "us-west-2"),
        ("https://IOTTHINGSGRAPH.AP-NORTHEAST-2.amazonaws.com./", "ap-northeast-2"),
    ],
)
def test_every_host_where_the_service_ran_is_answered(
    thingsgraph_stub: ThingsGraphStub, no_sockets: list[Any], url: str, region: str
) -> None:
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"], region=region)

    answer = poll("u", url=url, region=region)

    assert answer.json()["uploadStatus"] == "SUCCEEDED"
    assert [(c.upload_id, c.region) for c in thingsgraph_stub.calls] == [("u", region)]
    assert no_sockets == []


@pytest.mark.parametrize(
    ("url", "region"),
    [
        ("https://iotthingsgraph.us-east-1.api.aws/", "us-east-1"),
        ("https://iotthingsgraph-fips.us-west-2.amazonaws.com/", "us-west-2"),
        ("https://iotthingsgraph-fips.us-east-1.api.aws/", "us-east-1"),
        ("https://iotthingsgraph.cn-north-1.amazonaws.com.cn/", "cn-north-1"),
        ("https://iotthingsgraph.us-gov-west-1.amazonaws.com/", "us-gov-west-1"),
    ],
)
def test_every_other_host_form_fails_to_connect_with_nothing_sent(
    thingsgraph_stub: ThingsGraphStub, no_sockets: list[Any], url: str, region: str
) -> None:
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"], region=region)

    with pytest.raises(requests.exceptions.ConnectionError, match=f"^Could not connect to {url}: No Things Graph"):
        poll("u", url=url, region=region)

    assert [(c.operation, c.region, c.status_code, c.error_code) for c in thingsgraph_stub.calls] == [
        ("GetUploadStatus", region, 0, "EndpointConnectionError")
    ]
    assert no_sockets == []
    thingsgraph_stub.reset()  # the script is unpolled on purpose


def test_a_requests_call_to_a_china_endpoint_cannot_connect(thingsgraph_stub: ThingsGraphStub) -> None:
    """Things Graph never ran in the aws-cn partition: the call fails as the network would, nothing sent."""
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"], region="cn-north-1")
    auth = AWS4Auth("AKIDEXAMPLE", "example-secret", "cn-north-1", "iotthingsgraph")

    with pytest.raises(requests.exceptions.ConnectionError, match=r"\(region cn-north-1\)"):
        requests.post(
            "https://iotthingsgraph.cn-north-1.amazonaws.com.cn/",
            data=json.dumps({"uploadId": "u"}),
            headers={
                "X-Amz-Target": "IotThingsGraphFrontEndService.GetUploadStatus",
                "Content-Type": "application/x-amz-json-1.1",
            },
            auth=auth,
            timeout=5,
        )

    (call,) = thingsgraph_stub.calls
    assert (call.region, call.upload_id, call.status_code) == ("cn-north-1", None, 0)
    thingsgraph_stub.reset()  # its script is never polled: the endpoint does not exist


def _retrying_session(**retry: Any) -> requests.Session:
    session = requests.Session()
    options: dict[str, Any] = {"allowed_methods": None, "status_forcelist": [500], **retry}
    session.mount("https://", HTTPAdapter(max_retries=Retry(**options)))
    return session


def test_a_mounted_retry_retries_a_scripted_500(thingsgraph_stub: ThingsGraphStub, no_sockets: list[Any]) -> None:
    thingsgraph_stub.add_upload("u", [ServiceError("InternalFailureException")] * 2 + ["SUCCEEDED"])
    session = _retrying_session(total=3, backoff_factor=0.5)

    answer = session.post(ENDPOINT, data=json.dumps({"uploadId": "u"}), headers=HEADERS, auth=signer(), timeout=5)

    assert answer.status_code == 200
    assert answer.json()["uploadStatus"] == "SUCCEEDED"
    assert [c.status_code for c in thingsgraph_stub.calls] == [500, 500, 200]
    assert thingsgraph_stub.retry_delays == [0.0, 1.0]  # urllib3: no wait before the first retry, then 0.5 * 2
    assert no_sockets == []


def test_without_a_retry_the_500_comes_back(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("u", [ServiceError("InternalFailureException", "oops"), "SUCCEEDED"])

    first, second = poll("u"), poll("u")

    assert (first.status_code, first.json()["__type"]) == (500, "InternalFailureException")
    assert second.json()["uploadStatus"] == "SUCCEEDED"
    assert thingsgraph_stub.retry_delays == []


def test_retries_run_out_as_urllib3_says(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("u", [ServiceError("InternalFailureException")] * 3 + ["SUCCEEDED"])
    raising = _retrying_session(total=1)
    returning = _retrying_session(total=1, raise_on_status=False)

    with pytest.raises(RetryError):
        raising.post(ENDPOINT, data=json.dumps({"uploadId": "u"}), headers=HEADERS, auth=signer(), timeout=5)
    last = returning.post(ENDPOINT, data=json.dumps({"uploadId": "u"}), headers=HEADERS, auth=signer(), timeout=5)

    assert last.status_code == 200  # the third and fourth items: one retry left it at the SUCCEEDED
    assert [c.status_code for c in thingsgraph_stub.calls] == [500, 500, 500, 200]


def test_retries_that_run_out_raise_a_retry_error_naming_the_url_the_cause_and_the_request(
    thingsgraph_stub: ThingsGraphStub,
) -> None:
    thingsgraph_stub.add_upload("u", [ServiceError("InternalFailureException")] * 2 + ["SUCCEEDED"])
    session = _retrying_session(total=None, status=1, status_forcelist=[500], allowed_methods=["POST"])

    with pytest.raises(RetryError) as raised:
        poll("u", session=session)

    message = str(raised.value)
    assert f"Max retries exceeded with url: {ENDPOINT} " in message
    assert "(Caused by ResponseError('too many 500 error responses'))" in message
    request = raised.value.request
    assert isinstance(request, PreparedRequest)
    assert (request.method, request.url) == ("POST", ENDPOINT)
    assert [call.status_code for call in thingsgraph_stub.calls] == [500, 500]
    assert poll("u").json()["uploadStatus"] == "SUCCEEDED"


def test_a_retry_allowing_post_only_retries_the_post(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("u", [ServiceError("InternalFailureException"), "SUCCEEDED"])
    thingsgraph_stub.add_upload("v", [ServiceError("InternalFailureException"), "SUCCEEDED"])
    posting = _retrying_session(total=2, status_forcelist=[500], allowed_methods=["POST"])
    getting = _retrying_session(total=2, status_forcelist=[500], allowed_methods=["GET"])

    assert poll("u", session=posting).json()["uploadStatus"] == "SUCCEEDED"
    refused = poll("v", session=getting)

    assert refused.status_code == 500
    assert poll("v", session=getting).json()["uploadStatus"] == "SUCCEEDED"
    assert [call.status_code for call in thingsgraph_stub.calls] == [500, 200, 500, 200]


def test_a_503_without_retry_after_is_not_retried_unless_listed(thingsgraph_stub: ThingsGraphStub) -> None:
    unavailable = ServiceError("ServiceUnavailableException", status_code=503)
    thingsgraph_stub.add_upload("u", [unavailable, "SUCCEEDED"])
    session = _retrying_session(total=3, status_forcelist=None)

    first = poll("u", session=session)

    assert (first.status_code, first.json()["__type"]) == (503, "ServiceUnavailableException")
    assert "Retry-After" not in first.headers
    assert poll("u", session=session).json()["uploadStatus"] == "SUCCEEDED"


def test_without_instant_retries_requests_waits_urllib3s_backoff_but_no_zero_delay(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slept: list[object] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    session = _retrying_session(total=3, status_forcelist=[500], allowed_methods=None, backoff_factor=0.25)

    with mock_thingsgraph(instant_retries=False) as stub:
        stub.add_upload("u", [ServiceError("InternalFailureException")] * 2 + ["SUCCEEDED"])
        assert poll("u", session=session).json()["uploadStatus"] == "SUCCEEDED"

    assert slept == [0.5]  # urllib3: no wait before the first retry, then 0.25 * 2
    assert stub.retry_delays == []


def test_a_mock_started_before_the_stub_keeps_its_urls(local_server: str) -> None:
    with responses.RequestsMock() as own:
        own.add(responses.GET, "https://api.example.invalid/items", json=["one"])
        own.add_passthru(local_server)
        with mock_thingsgraph() as stub:
            stub.add_upload("u", ["SUCCEEDED"])

            assert requests.get("https://api.example.invalid/items", timeout=5).json() == ["one"]
            assert poll("u").json()["uploadStatus"] == "SUCCEEDED"
            assert requests.get(f"{local_server}/x", timeout=5).json()["served_by"] == "local server"

    assert len(stub.calls) == 1


def test_a_mock_started_inside_the_stub_still_leaves_things_graph_to_it() -> None:
    with mock_thingsgraph() as stub:
        stub.add_upload("u", ["SUCCEEDED"])
        with responses.RequestsMock() as own:
            own.add(responses.GET, "https://api.example.invalid/items", json=["two"])

            assert requests.get("https://api.example.invalid/items", timeout=5).json() == ["two"]
            assert poll("u").json()["uploadStatus"] == "SUCCEEDED"

    assert len(stub.calls) == 1


@pytest.mark.usefixtures("unguarded")
def test_with_no_stub_active_and_no_guard_things_graph_calls_go_where_they_went() -> None:
    with responses.RequestsMock() as own:
        own.add(responses.POST, ENDPOINT, json={"answered_by": "the test's own mock"})

        assert poll("u").json() == {"answered_by": "the test's own mock"}


class _PlainAdapter(BaseAdapter):
    """A transport adapter of the caller's own, without urllib3's ``max_retries``."""

    def send(self, request: PreparedRequest, *args: Any, **kwargs: Any) -> Response:
        raise AssertionError(f"sent to the network: {request.url}")  # pragma: no cover

    def close(self) -> None:
        pass


def test_a_session_whose_adapter_has_no_max_retries_is_answered(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"])
    session = requests.Session()
    session.mount("https://", _PlainAdapter())

    assert poll("u", session=session).json()["uploadStatus"] == "SUCCEEDED"


class _RecordingAdapter(BaseAdapter):
    """The session's own adapter for the endpoint: records what it was asked to send."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str | None, dict[str, Any]]] = []

    def send(self, request: PreparedRequest, *args: Any, **kwargs: Any) -> Response:
        self.sent.append((request.url, kwargs))
        response = Response()
        response.status_code = 204
        response.request = request
        return response

    def close(self) -> None:
        pass


@pytest.mark.usefixtures("unguarded")
def test_with_no_stub_and_no_guard_the_sessions_adapter_gets_every_keyword_requests_gave() -> None:
    own = _RecordingAdapter()
    session = requests.Session()
    session.trust_env = False
    session.mount(ENDPOINT, own)
    proxies = {"https": "http://proxy.example.invalid:3128"}

    with mock_thingsgraph() as stub:  # the adapter is in place while a stub runs; the call comes after it
        pass
    session.post(ENDPOINT, data=BODY, headers=HEADERS, timeout=7, verify=False, cert="/c.pem", proxies=proxies,
                 stream=True)  # fmt: skip

    assert own.sent == [
        (ENDPOINT, {"stream": True, "timeout": 7, "verify": False, "cert": "/c.pem", "proxies": proxies})
    ]
    assert stub.calls == []


def test_a_url_no_host_can_be_read_from_keeps_the_sessions_adapter(thingsgraph_stub: ThingsGraphStub) -> None:
    session = requests.Session()

    assert session.get_adapter("http://[iotthingsgraph.us-east-1.amazonaws.com/") is session.adapters["http://"]
    assert session.get_adapter(ENDPOINT) is not session.adapters["https://"]  # the stub's, for a Things Graph host


LAZY = """
import sys
import pytest_thingsgraph
from pytest_thingsgraph import mock_thingsgraph
with mock_thingsgraph():
    pass
print("requests" in sys.modules, "responses" in sys.modules)
import requests
original = requests.Session.get_adapter
with mock_thingsgraph():
    print(requests.Session.get_adapter is original)
    requests.Session().get_adapter("https://example.invalid/")
    print("responses" in sys.modules)
print(requests.Session.get_adapter is original)
"""


def test_requests_is_patched_only_while_a_stub_runs() -> None:
    result = subprocess.run([sys.executable, "-c", LAZY], capture_output=True, text=True, timeout=60, check=False)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "False", "False", "True"]


IMPORTED_BETWEEN_STUBS = """
from pytest_thingsgraph import mock_thingsgraph
with mock_thingsgraph():
    pass
import requests  # after a stub ran, while none runs
print(requests.Session.get_adapter.__module__)
with mock_thingsgraph():
    print(requests.Session.get_adapter.__module__)
print(requests.Session.get_adapter.__module__)
"""


def test_requests_imported_between_stubs_is_left_alone_until_the_next_one() -> None:
    result = subprocess.run(
        [sys.executable, "-c", IMPORTED_BETWEEN_STUBS], capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["requests.sessions", "pytest_thingsgraph._requests", "requests.sessions"]

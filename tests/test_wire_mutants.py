"""The wire adapters' documented behaviour, pinned where mutation testing found it unpinned.

Covers what a caller of each adapter sees: the SigV4 checks' exact limits and wording
(``X-Amz-Expires`` of one second, blank or absent, a span shown in seconds, values cut at 40
characters, a terminator ending in a letter, blank query parameters beside a header, ``?`` in a
query value and fragments), the region a call is recorded with (a credential scope, or the host
read from every URL form); the requests adapter's retries as urllib3 runs them (the
``RetryError`` that names the URL and the cause, the methods a ``Retry`` allows, a 503
without ``Retry-After``, the waits of ``instant_retries=False``), a session's own adapter
(without ``max_retries``, or the one used while no stub runs, with every keyword requests
gave it); aiobotocore's retry waits and adaptive token bucket, with and without
``instant_retries``; botocore's endpoint templates read afresh, and the HTTP response a
botocore event handler sees; and, in a fresh
interpreter, libraries imported before the package, after it (botocore) or while a stub
runs (requests) reaching the stub, and put back when the last stub stops.

The waits are observed where they would happen (``time.sleep``, ``asyncio.sleep``,
``asyncio.wait_for``), never timed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from helpers import make_client
from requests.adapters import BaseAdapter, HTTPAdapter
from requests.exceptions import RetryError
from requests.models import PreparedRequest, Response
from requests_aws4auth import AWS4Auth  # type: ignore[import-untyped]
from urllib3.util.retry import Retry

import pytest_thingsgraph
from pytest_thingsgraph import ServiceError, ThingsGraphStub, mock_thingsgraph
from pytest_thingsgraph._endpoints import things_graph_region, url_templates
from pytest_thingsgraph._sigv4 import check_signature, scope_region

CREDENTIALS = Credentials("AKIDWIREMUTANTS00000", "wire-mutants-secret")
URL = "https://iotthingsgraph.us-east-1.amazonaws.com/"
ENDPOINT = "https://iotthingsgraph.eu-west-1.amazonaws.com/"
HEADERS = {
    "X-Amz-Target": "IotThingsGraphFrontEndService.GetUploadStatus",
    "Content-Type": "application/x-amz-json-1.1",
}
BODY = json.dumps({"uploadId": "u"})


# --- SigV4: exact limits and wording ------------------------------------------------------------


def _epoch(amz_date: str) -> int:
    return int(time.mktime(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))) - time.timezone


def _presigned(expires: int) -> tuple[str, int]:
    """A URL presigned by botocore's SigV4QueryAuth, and its signing time in epoch seconds."""
    request = AWSRequest("GET", URL)
    SigV4QueryAuth(CREDENTIALS, "iotthingsgraph", "us-east-1", expires=expires).add_auth(request)
    url: str = request.prepare().url
    return url, _epoch(dict(parse_qsl(urlsplit(url).query))["X-Amz-Date"])


def _with_query(url: str, **changes: str | None) -> str:
    """``url`` with query parameters replaced (``None`` drops one)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    for name, value in changes.items():
        name = name.replace("_", "-")
        if value is None:
            query.pop(name)
        else:
            query[name] = value
    return parts._replace(query=urlencode(query)).geturl()


def test_a_presigned_url_without_an_expiry_lives_for_the_fifteen_minutes_of_skew() -> None:
    url, signed_at = _presigned(3600)
    bare = _with_query(url, X_Amz_Expires=None)

    assert check_signature(bare, {}, signed_at + 900) is None
    expired = check_signature(bare, {}, signed_at + 901)
    assert expired is not None
    assert (expired.error_code, expired.status_code) == ("InvalidSignatureException", 403)
    assert expired.message.endswith(" - 15 min.)")


@pytest.mark.parametrize(("expires", "accepted"), [("0", False), ("1", True), ("2", True)])
def test_an_expiry_of_one_second_is_the_shortest_accepted(expires: str, accepted: bool) -> None:
    url, signed_at = _presigned(3600)
    rejection = check_signature(_with_query(url, X_Amz_Expires=expires), {}, signed_at)

    if accepted:
        assert rejection is None
    else:
        assert rejection is not None
        assert (rejection.error_code, rejection.status_code) == ("IncompleteSignatureException", 400)
        assert rejection.message == (
            "X-Amz-Expires must be a whole number of seconds from 1 to 604800 (seven days), got '0'. "
        )


def test_an_expiry_of_no_whole_minutes_is_named_in_seconds() -> None:
    url, signed_at = _presigned(1000)

    assert check_signature(url, {}, signed_at + 1000) is None
    expired = check_signature(url, {}, signed_at + 1001)
    assert expired is not None
    assert expired.message.endswith(" - 1000 sec.)")


@pytest.mark.parametrize("tail", ["&note=why?", "#part", "#a#b"])
def test_a_question_mark_in_a_query_value_or_a_fragment_leaves_a_presigned_url_valid(tail: str) -> None:
    url, signed_at = _presigned(3600)

    assert check_signature(url + tail, {}, signed_at) is None


def test_a_blank_expiry_is_refused_and_named() -> None:
    url, signed_at = _presigned(3600)

    rejection = check_signature(_with_query(url, X_Amz_Expires=""), {}, signed_at)

    assert rejection is not None
    assert rejection.message == (
        "X-Amz-Expires must be a whole number of seconds from 1 to 604800 (seven days), got ''. "
    )


def _header_signed() -> dict[str, str]:
    request = AWSRequest("POST", URL, data=BODY, headers=HEADERS)
    SigV4Auth(CREDENTIALS, "iotthingsgraph", "us-east-1").add_auth(request)
    return {name.lower(): value for name, value in request.prepare().headers.items()}


@pytest.mark.parametrize(
    ("length", "shown"),
    [(39, None), (40, None), (41, "AWS4-" + "X" * 34 + "…"), (42, "AWS4-" + "X" * 34 + "…")],
)
def test_an_unsupported_algorithm_is_named_whole_up_to_40_characters(length: int, shown: str | None) -> None:
    headers = _header_signed()
    algorithm = "AWS4-" + "X" * (length - 5)
    headers["authorization"] = headers["authorization"].replace("AWS4-HMAC-SHA256", algorithm)

    rejection = check_signature(URL, headers, _epoch(headers["x-amz-date"]))

    assert rejection is not None
    assert rejection.message == f"Unsupported AWS 'algorithm': '{shown or algorithm}' (only AWS4-HMAC-SHA256 for now). "


HOST_FORMS = [
    "https://iotthingsgraph.eu-west-1.amazonaws.com/",
    "https://iotthingsgraph.eu-west-1.amazonaws.com",
    "https://iotthingsgraph.eu-west-1.amazonaws.com:443/",
    "https://IOTTHINGSGRAPH.EU-WEST-1.AMAZONAWS.COM/",
    "https://AKIDX:secret@iotthingsgraph.eu-west-1.amazonaws.com/",
    "https://iotthingsgraph.eu-west-1.amazonaws.com/a/b",
    "https://iotthingsgraph.eu-west-1.amazonaws.com?next=https://example.com/",
    "https://iotthingsgraph.eu-west-1.amazonaws.com#part",
]


@pytest.mark.parametrize("url", HOST_FORMS)
def test_the_region_of_an_unsigned_call_is_the_one_its_host_names_in_every_url_form(url: str) -> None:
    assert things_graph_region(urlsplit(url).hostname or "") == "eu-west-1"  # what the URL means

    assert scope_region({}, url) == "eu-west-1"


@pytest.mark.parametrize("url", HOST_FORMS)
def test_a_signature_scoped_to_another_region_than_the_hosts_is_refused_in_every_url_form(url: str) -> None:
    headers = _header_signed()  # scoped to us-east-1

    rejection = check_signature(url, headers, _epoch(headers["x-amz-date"]))

    assert rejection is not None
    assert rejection.message == "Credential should be scoped to a valid region. "


@pytest.mark.parametrize(
    ("authorization", "region"),
    [
        ("AWS4-HMAC-SHA256 Cred=AKID/20240101/eu-west-1/iotthingsgraph/aws4_request", "us-east-1"),
        ("Credential=AKID/20240101/eu-west-1/iotthingsgraph/aws4_request", "eu-west-1"),
    ],
)
def test_a_calls_region_is_its_credential_scopes_else_its_hosts(authorization: str, region: str) -> None:
    assert scope_region({"authorization": authorization}, URL) == region


def test_a_presigned_calls_region_is_its_query_credentials_scope() -> None:
    request = AWSRequest("GET", URL)
    SigV4QueryAuth(CREDENTIALS, "iotthingsgraph", "eu-west-1", expires=60).add_auth(request)

    assert scope_region({}, request.prepare().url) == "eu-west-1"  # not the host's us-east-1


def test_a_blank_x_amz_algorithm_in_the_query_beside_an_authorization_header_is_refused() -> None:
    headers = _header_signed()

    rejection = check_signature(URL + "?X-Amz-Algorithm=", headers, _epoch(headers["x-amz-date"]))

    assert rejection is not None
    assert (
        rejection.message == "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
    )


def test_a_wrong_terminator_ending_in_a_letter_is_named_whole() -> None:
    headers = _header_signed()
    headers["authorization"] = headers["authorization"].replace("/aws4_request,", "/aws4_requestX,")

    rejection = check_signature(URL, headers, _epoch(headers["x-amz-date"]))

    assert rejection is not None
    assert (
        rejection.message
        == "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_requestX'. "
    )


# --- the requests adapter: retries as urllib3 runs them -----------------------------------------


def _signer() -> AWS4Auth:
    return AWS4Auth("AKIDEXAMPLE", "example-secret", "eu-west-1", "iotthingsgraph")


def _session(**retry: Any) -> requests.Session:
    session = requests.Session()
    session.mount("https://", HTTPAdapter(max_retries=Retry(**retry)))
    return session


def _poll(session: requests.Session | None = None) -> requests.Response:
    return (session or requests.Session()).post(ENDPOINT, data=BODY, headers=HEADERS, auth=_signer(), timeout=5)


def test_retries_that_run_out_raise_a_retry_error_naming_the_url_the_cause_and_the_request(
    thingsgraph_stub: ThingsGraphStub,
) -> None:
    thingsgraph_stub.add_upload("u", [ServiceError("InternalFailureException")] * 2 + ["SUCCEEDED"])
    session = _session(total=None, status=1, status_forcelist=[500], allowed_methods=["POST"])

    with pytest.raises(RetryError) as raised:
        _poll(session)

    message = str(raised.value)
    assert f"Max retries exceeded with url: {ENDPOINT} " in message
    assert "(Caused by ResponseError('too many 500 error responses'))" in message
    request = raised.value.request
    assert isinstance(request, PreparedRequest)
    assert (request.method, request.url) == ("POST", ENDPOINT)
    assert [call.status_code for call in thingsgraph_stub.calls] == [500, 500]
    assert _poll().json()["uploadStatus"] == "SUCCEEDED"


def test_a_retry_allowing_post_only_retries_the_post(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("u", [ServiceError("InternalFailureException"), "SUCCEEDED"])
    thingsgraph_stub.add_upload("v", [ServiceError("InternalFailureException"), "SUCCEEDED"])
    posting = _session(total=2, status_forcelist=[500], allowed_methods=["POST"])
    getting = _session(total=2, status_forcelist=[500], allowed_methods=["GET"])

    assert _poll(posting).json()["uploadStatus"] == "SUCCEEDED"
    refused = getting.post(ENDPOINT, data=json.dumps({"uploadId": "v"}), headers=HEADERS, auth=_signer(), timeout=5)

    assert refused.status_code == 500
    assert (
        getting.post(ENDPOINT, data=json.dumps({"uploadId": "v"}), headers=HEADERS, auth=_signer(), timeout=5).json()[
            "uploadStatus"
        ]
        == "SUCCEEDED"
    )
    assert [call.status_code for call in thingsgraph_stub.calls] == [500, 200, 500, 200]


def test_a_503_without_retry_after_is_not_retried_unless_listed(thingsgraph_stub: ThingsGraphStub) -> None:
    unavailable = ServiceError("ServiceUnavailableException", status_code=503)
    thingsgraph_stub.add_upload("u", [unavailable, "SUCCEEDED"])
    session = _session(total=3, allowed_methods=None)

    first = _poll(session)

    assert (first.status_code, first.json()["__type"]) == (503, "ServiceUnavailableException")
    assert "Retry-After" not in first.headers
    assert _poll(session).json()["uploadStatus"] == "SUCCEEDED"


def test_without_instant_retries_requests_waits_urllib3s_backoff_but_no_zero_delay(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slept: list[object] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    session = _session(total=3, status_forcelist=[500], allowed_methods=None, backoff_factor=0.25)

    with mock_thingsgraph(instant_retries=False) as stub:
        stub.add_upload("u", [ServiceError("InternalFailureException")] * 2 + ["SUCCEEDED"])
        assert _poll(session).json()["uploadStatus"] == "SUCCEEDED"

    assert slept == [0.5]  # urllib3: no wait before the first retry, then 0.25 * 2
    assert stub.retry_delays == []


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

    assert _poll(session).json()["uploadStatus"] == "SUCCEEDED"


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
    assert session.get_adapter(URL) is not session.adapters["https://"]  # the stub's, for a Things Graph host


# --- botocore: endpoint templates, and the handlers in every client ------------------------------


def test_the_endpoint_templates_and_every_host_form_they_make() -> None:
    templates = url_templates()

    assert templates
    assert all(template.startswith("https://") and "{Region}" in template for template in templates)
    assert len(set(templates)) == len(templates)
    for host, region in [
        ("iotthingsgraph.us-east-1.amazonaws.com", "us-east-1"),
        ("iotthingsgraph-fips.eu-west-1.amazonaws.com", "eu-west-1"),
        ("iotthingsgraph.ap-south-1.api.aws", "ap-south-1"),
        ("iotthingsgraph-fips.us-west-2.api.aws", "us-west-2"),
        ("iotthingsgraph.cn-north-1.amazonaws.com.cn", "cn-north-1"),
    ]:
        assert things_graph_region(host) == region
    assert things_graph_region("iotthingsgraph.us-east-1.example.com") is None


def test_a_boto3_call_is_answered_and_recorded(thingsgraph_stub: ThingsGraphStub, no_sockets: list[Any]) -> None:
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"])

    assert make_client("eu-west-1").get_upload_status(uploadId="u")["uploadStatus"] == "SUCCEEDED"
    assert [(call.upload_id, call.region) for call in thingsgraph_stub.calls] == [("u", "eu-west-1")]
    assert no_sockets == []


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

    assert seen == [(ENDPOINT, 200)]


# --- aiobotocore: retry waits and the adaptive token bucket --------------------------------------


@dataclass
class _AsyncWaits:
    sleeps: list[object] = field(default_factory=list)
    timed_waits: list[float] = field(default_factory=list)
    skipped: float = 0.0


@pytest.fixture
def async_waits(monkeypatch: pytest.MonkeyPatch) -> _AsyncWaits:
    """Record, instead of waiting, every ``asyncio.sleep`` and every ``asyncio.wait_for`` with a timeout."""
    seen = _AsyncWaits()
    real_wait_for = asyncio.wait_for
    real_time = time.time

    async def sleep(seconds: float, result: Any = None) -> Any:
        seen.sleeps.append(seconds)
        seen.skipped += seconds if isinstance(seconds, (int, float)) else 0
        return result

    async def wait_for(awaitable: Any, timeout: float | None) -> Any:
        if timeout is None:
            return await real_wait_for(awaitable, timeout)
        seen.timed_waits.append(timeout)
        seen.skipped += timeout
        if asyncio.iscoroutine(awaitable):
            awaitable.close()
        raise asyncio.TimeoutError  # as if the timeout passed

    monkeypatch.setattr(time, "time", lambda: real_time() + seen.skipped)
    monkeypatch.setattr(asyncio, "sleep", sleep)
    monkeypatch.setattr(asyncio, "wait_for", wait_for)
    return seen


@pytest.fixture
def asked_delays() -> Iterator[list[float]]:
    """The retry delays aiobotocore's endpoint asked for, from its debug log (botocore's logger), as the test runs."""
    delays: list[float] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage().startswith("Response received to retry, sleeping for"):
                delays.append(float(record.args[0]))  # type: ignore[index,arg-type]

    handler = _Collect(logging.DEBUG)
    logger = logging.getLogger("botocore.endpoint")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield delays
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _aio_client(mode: str) -> Any:
    session_module = pytest.importorskip("aiobotocore.session", reason="the aio extra is tested by tox -e aio")
    from aiobotocore.config import AioConfig

    config = AioConfig(retries={"mode": mode, "total_max_attempts": 4})
    return session_module.get_session().create_client("iotthingsgraph", region_name="us-east-1", config=config)


THROTTLES = [ServiceError("ThrottlingException", "Rate exceeded")] * 2


@pytest.mark.asyncio
@pytest.mark.parametrize("mode", ["standard", "adaptive"])
async def test_aiobotocore_retry_waits_of_stubbed_calls_are_recorded_not_waited(
    mode: str, async_waits: _AsyncWaits, asked_delays: list[float], no_sockets: list[Any]
) -> None:
    with mock_thingsgraph() as stub:
        stub.add_upload("u", [*THROTTLES, "SUCCEEDED"])
        async with _aio_client(mode) as client:
            response = await client.get_upload_status(uploadId="u")

    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert len(asked_delays) == 2
    assert stub.retry_delays == asked_delays
    assert async_waits.sleeps == []
    assert async_waits.timed_waits == []  # in adaptive mode, the throttled token bucket held nothing back


@pytest.mark.asyncio
@pytest.mark.parametrize("mode", ["standard", "adaptive"])
async def test_aiobotocore_without_instant_retries_waits_what_it_asked(
    mode: str, async_waits: _AsyncWaits, asked_delays: list[float], no_sockets: list[Any]
) -> None:
    with mock_thingsgraph(instant_retries=False) as stub:
        stub.add_upload("u", [*THROTTLES, "SUCCEEDED"])
        async with _aio_client(mode) as client:
            response = await client.get_upload_status(uploadId="u")

    assert response["uploadStatus"] == "SUCCEEDED"
    assert len(asked_delays) == 2
    assert async_waits.sleeps == asked_delays
    assert stub.retry_delays == []
    if mode == "adaptive":
        assert async_waits.timed_waits != []  # the token bucket waited for capacity


# --- a fresh interpreter: libraries imported after the package, or while a stub runs ------------

FRESH = """
import json, socket, sys
def refuse(self, address):
    raise OSError(f"refused a connection to {address!r}")
socket.socket.connect = socket.socket.connect_ex = refuse
{imports}
from pytest_thingsgraph import mock_thingsgraph
import boto3
with mock_thingsgraph() as stub:
    stub.add_upload("b", ["SUCCEEDED"])
    stub.add_upload("r", ["SUCCEEDED"])
    client = boto3.client("iotthingsgraph", region_name="us-east-1")
    boto = client.get_upload_status(uploadId="b")["uploadStatus"]
    import requests
    from requests_aws4auth import AWS4Auth
    answer = requests.post(
        "https://iotthingsgraph.eu-west-1.amazonaws.com/",
        data=json.dumps({"uploadId": "r"}),
        headers={"X-Amz-Target": "IotThingsGraphFrontEndService.GetUploadStatus",
                 "Content-Type": "application/x-amz-json-1.1"},
        auth=AWS4Auth("AKIDEXAMPLE", "example-secret", "eu-west-1", "iotthingsgraph"),
        timeout=5,
    )
print(boto, answer.status_code, answer.json()["uploadStatus"], [call.upload_id for call in stub.calls])
import time, botocore.endpoint, botocore.retries.bucket
# the last stub gone, every library is as it was
print(requests.Session.get_adapter.__module__, botocore.endpoint.time is time,
      botocore.retries.bucket.TokenBucket.acquire.__module__)
"""


@pytest.mark.parametrize(
    "imports",
    [
        pytest.param(
            'import pytest_thingsgraph\nassert "botocore" not in sys.modules and "requests" not in sys.modules',
            id="botocore-after-the-package-requests-during-a-stub",
        ),
        pytest.param("import boto3, requests\nimport pytest_thingsgraph", id="both-before-the-package"),
    ],
)
def test_libraries_imported_before_after_or_during_reach_the_stub_and_are_put_back(imports: str) -> None:
    package_root = Path(pytest_thingsgraph.__file__).resolve().parent.parent
    env: Mapping[str, str] = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_MAX_ATTEMPTS": "1",
    }

    script = FRESH.replace("{imports}", imports)

    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False, cwd=package_root,
        env=dict(env),
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "SUCCEEDED 200 SUCCEEDED ['b', 'r']",
        "requests.sessions True botocore.retries.bucket",
    ]

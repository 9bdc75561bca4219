"""Signature checks: requests signed by real signers pass, each malformed part is refused in AWS's words, exactly at
each limit; and the region a call is recorded with (its credential scope, else the host of every URL form)."""

from __future__ import annotations

import calendar
import json
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from requests_aws4auth import AWS4Auth

from pytest_thingsgraph import mock_thingsgraph
from pytest_thingsgraph._endpoints import things_graph_region
from pytest_thingsgraph._sigv4 import check_signature, scope_region
from pytest_thingsgraph._wire import Rejection

KEY = "AKIDSIGNATURETEST000"
SECRET = "signature-test-secret-never-shown"
TOKEN = "signature-test-session-token"
CREDENTIALS = Credentials(KEY, SECRET, TOKEN)
URL = "https://iotthingsgraph.us-east-1.amazonaws.com/"
LOOPBACK = "http://127.0.0.1:4566/"
BODY = json.dumps({"uploadId": "u"})
TARGET = "IotThingsGraphFrontEndService.GetUploadStatus"


class _Captured(Exception):
    def __init__(self, request: Any) -> None:
        super().__init__("captured")
        self.request = request


def _lower(headers: Any) -> dict[str, str]:
    return {name.lower(): value.decode() if isinstance(value, bytes) else value for name, value in headers.items()}


def epoch(amz_date: str) -> int:
    """Seconds since the epoch of an X-Amz-Date."""
    return calendar.timegm(
        (int(amz_date[:4]), int(amz_date[4:6]), int(amz_date[6:8]), int(amz_date[9:11]), int(amz_date[11:13]),
         int(amz_date[13:15]), 0, 0, 0)
    )  # fmt: skip


def botocore_signed(region: str = "us-east-1", url: str = URL, service: str = "iotthingsgraph") -> dict[str, str]:
    """Headers of a request signed by botocore's SigV4Auth, lower-case names."""
    request = AWSRequest(
        "POST", url, data=BODY, headers={"X-Amz-Target": TARGET, "Content-Type": "application/x-amz-json-1.1"}
    )
    SigV4Auth(CREDENTIALS, service, region).add_auth(request)
    return _lower(request.prepare().headers)


def boto3_sent(region: str = "us-east-1", endpoint_url: str | None = None) -> tuple[str, dict[str, str]]:
    """The URL and headers a real boto3 client sends for GetUploadStatus (caught before it leaves)."""
    client = boto3.client(
        "iotthingsgraph",
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
        aws_session_token=TOKEN,
    )

    def capture(request: Any, **_: Any) -> None:
        raise _Captured(request)

    client.meta.events.register_first("before-send.iotthingsgraph", capture)
    # a stub that lets the client sign with its own credentials: the request is caught before the stub sees it
    with pytest.raises(_Captured) as caught, mock_thingsgraph(fake_credentials=False) as stub:
        client.get_upload_status(uploadId="u")
    assert stub.calls == []
    return caught.value.request.url, _lower(caught.value.request.headers)


def aws4auth_signed(region: str = "us-east-1", url: str = URL) -> dict[str, str]:
    """Headers of a request signed by requests-aws4auth."""
    prepared = requests.Request(
        "POST", url, data=BODY, headers={"X-Amz-Target": TARGET, "Content-Type": "application/x-amz-json-1.1"}
    ).prepare()
    signed = AWS4Auth(KEY, SECRET, region, "iotthingsgraph", session_token=TOKEN)(prepared)
    return _lower(signed.headers)


def presigned(url: str = URL, region: str = "us-east-1", expires: int = 3600) -> str:
    """A URL presigned by botocore's SigV4QueryAuth."""
    request = AWSRequest("GET", url)
    SigV4QueryAuth(CREDENTIALS, "iotthingsgraph", region, expires=expires).add_auth(request)
    url_signed: str = request.prepare().url
    return url_signed


def query_date(url: str) -> str:
    return url.split("X-Amz-Date=", 1)[1][:16]


def presigned_and_time(expires: int = 3600) -> tuple[str, int]:
    """A URL presigned by botocore's SigV4QueryAuth, and its signing time in epoch seconds."""
    url = presigned(expires=expires)
    return url, epoch(query_date(url))


def with_query(url: str, **changes: str | None) -> str:
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


def check(headers: dict[str, str], url: str = URL, *, after: int = 0) -> Rejection | None:
    """Check as the service would ``after`` seconds from the signing time."""
    date = headers.get("x-amz-date") or "20240101T000000Z"
    return check_signature(url, headers, epoch(date) + after)


def with_authorization(headers: dict[str, str], old: str, new: str) -> dict[str, str]:
    assert old in headers["authorization"]
    return {**headers, "authorization": headers["authorization"].replace(old, new)}


def assert_no_secret(rejection: Rejection | None, *secrets: str) -> None:
    assert rejection is not None
    for secret in (KEY, SECRET, TOKEN, *secrets):
        assert secret not in rejection.message


# --- real signers pass ---------------------------------------------------------------------


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "cn-north-1"])
def test_a_boto3_request_passes(region: str) -> None:
    url, headers = boto3_sent(region)

    assert check(headers, url) is None
    assert scope_region(headers, url) == region


def test_a_boto3_request_to_a_loopback_endpoint_passes_in_any_region() -> None:
    url, headers = boto3_sent("ap-southeast-2", endpoint_url=LOOPBACK)

    assert url.startswith(LOOPBACK)
    assert check(headers, url) is None
    assert scope_region(headers, url) == "ap-southeast-2"


def test_botocore_sigv4auth_and_requests_aws4auth_pass() -> None:
    assert check(botocore_signed()) is None
    assert check(aws4auth_signed()) is None
    assert scope_region(aws4auth_signed("eu-central-1", LOOPBACK), LOOPBACK) == "eu-central-1"


def test_a_presigned_url_passes() -> None:
    url = presigned()

    assert check_signature(url, {}, epoch(query_date(url))) is None
    assert scope_region({}, url) == "us-east-1"


@pytest.mark.parametrize("tail", ["&note=why?", "#part", "#a#b"])
def test_a_question_mark_in_a_query_value_or_a_fragment_leaves_a_presigned_url_valid(tail: str) -> None:
    url, signed_at = presigned_and_time(3600)

    assert check_signature(url + tail, {}, signed_at) is None


# --- missing authentication ----------------------------------------------------------------


def test_an_unsigned_request_is_missing_its_token() -> None:
    rejection = check_signature(URL, {"x-amz-date": "20240101T000000Z"}, epoch("20240101T000000Z"))

    assert rejection == Rejection("MissingAuthenticationTokenException", "Missing Authentication Token", 403)


def test_an_unrelated_query_is_not_a_presigned_url() -> None:
    rejection = check_signature(URL + "?X-Amz-Whatever=1&a=b", {}, 0)

    assert rejection is not None
    assert rejection.error_code == "MissingAuthenticationTokenException"


def test_a_presigned_url_missing_parameters_names_each() -> None:
    url = presigned()
    cut = url.replace("X-Amz-Signature=", "X-Amz-Nothing=").replace("X-Amz-SignedHeaders=host&", "")

    rejection = check_signature(cut, {}, epoch(query_date(url)))

    assert rejection == Rejection(
        "IncompleteSignatureException",
        "AWS query-string parameters must include 'X-Amz-Signature'. "
        "AWS query-string parameters must include 'X-Amz-SignedHeaders'. "
        "Re-examine the query-string parameters.",
        400,
    )


def test_a_header_and_a_presigned_query_together_are_refused() -> None:
    url = presigned()

    rejection = check_signature(url, botocore_signed(), epoch(query_date(url)))

    assert rejection == Rejection(
        "InvalidSignatureException",
        "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
        403,
    )


def test_a_blank_x_amz_algorithm_in_the_query_beside_an_authorization_header_is_refused() -> None:
    headers = botocore_signed()

    rejection = check_signature(URL + "?X-Amz-Algorithm=", headers, epoch(headers["x-amz-date"]))

    assert rejection is not None
    assert (
        rejection.message == "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
    )


def test_a_header_signature_with_other_x_amz_query_parameters_is_checked_as_a_header_signature() -> None:
    headers = botocore_signed()

    assert check(headers, URL + "?X-Amz-Expires=5&X-Amz-Credential=x") is None


# --- incomplete signatures -----------------------------------------------------------------


def test_missing_parameters_are_named_in_one_message() -> None:
    headers = botocore_signed()
    signature_part = headers["authorization"].split(", Signature=")[1]
    cut = {
        "authorization": "AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, Signature=" + signature_part,
    }

    rejection = check(cut)

    assert rejection == Rejection(
        "IncompleteSignatureException",
        "Authorization header requires 'Credential' parameter. "
        "Authorization header requires existence of a 'X-Amz-Date' header. ",
        400,
    )
    assert_no_secret(rejection, signature_part)


def test_every_parameter_missing_is_named() -> None:
    rejection = check({"authorization": "AWS4-HMAC-SHA256 ", "x-amz-date": "20240101T000000Z"})

    assert rejection is not None
    assert rejection.message == (
        "Authorization header requires 'Credential' parameter. "
        "Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. "
    )


def test_an_authorization_that_is_not_sigv4_is_refused_without_echoing_it() -> None:
    rejection = check({"authorization": "Bearer sk-live-abcdef", "x-amz-date": "20240101T000000Z"})

    assert rejection is not None
    assert rejection.error_code == "IncompleteSignatureException"
    assert rejection.message.startswith("Authorization header is not AWS Signature Version 4: it must read ")
    assert "sk-live" not in rejection.message
    assert "Bearer" not in rejection.message


def test_another_sigv4_algorithm_is_unsupported() -> None:
    rejection = check(with_authorization(botocore_signed(), "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512"))

    assert rejection == Rejection(
        "IncompleteSignatureException",
        "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). ",
        400,
    )


@pytest.mark.parametrize(
    ("length", "shown"),
    [(39, None), (40, None), (41, "AWS4-" + "X" * 34 + "…"), (42, "AWS4-" + "X" * 34 + "…")],
)
def test_an_unsupported_algorithm_is_named_whole_up_to_40_characters(length: int, shown: str | None) -> None:
    headers = botocore_signed()
    algorithm = "AWS4-" + "X" * (length - 5)
    headers["authorization"] = headers["authorization"].replace("AWS4-HMAC-SHA256", algorithm)

    rejection = check_signature(URL, headers, epoch(headers["x-amz-date"]))

    assert rejection is not None
    assert rejection.message == f"Unsupported AWS 'algorithm': '{shown or algorithm}' (only AWS4-HMAC-SHA256 for now). "


@pytest.mark.parametrize(
    "date", ["20240101T000000", "2024-01-01T00:00:00Z", "20241301T000000Z", "20240230T000000Z", "2024010\uff11T000000Z"]
)
def test_a_date_not_in_basic_format_is_refused(date: str) -> None:
    headers = {**botocore_signed(), "x-amz-date": date}

    rejection = check_signature(URL, headers, 1_704_067_200)

    assert rejection == Rejection(
        "IncompleteSignatureException",
        f"Date must be in ISO-8601 'basic format'. Got '{date}'. See http://en.wikipedia.org/wiki/ISO_8601",
        400,
    )


@pytest.mark.parametrize(
    ("signed", "message"),
    [
        ("content-type;x-amz-date;x-amz-target", "'Host' must be a 'SignedHeader' in the AWS Authorization. "),
        ("content-type;host;x-amz-target", "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization. "),
        (
            "content-type",
            "'Host' must be a 'SignedHeader' in the AWS Authorization. "
            "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization. ",
        ),
    ],
)
def test_signed_headers_must_include_host_and_date(signed: str, message: str) -> None:
    headers = botocore_signed()
    listed = headers["authorization"].split("SignedHeaders=")[1].split(",")[0]

    rejection = check(with_authorization(headers, listed, signed))

    assert rejection == Rejection("IncompleteSignatureException", message, 400)


def test_signed_headers_with_host_and_date_in_any_case_pass() -> None:
    headers = botocore_signed()
    listed = headers["authorization"].split("SignedHeaders=")[1].split(",")[0]

    assert check(with_authorization(headers, listed, "Host;X-Amz-Date")) is None


def test_a_presigned_url_need_not_sign_its_date_header() -> None:
    url = presigned()

    assert "X-Amz-SignedHeaders=host&" in url
    assert check_signature(url, {}, epoch(query_date(url))) is None


@pytest.mark.parametrize(
    ("length", "valid"), [(63, False), (64, True), (65, False)], ids=["63 hex", "64 hex", "65 hex"]
)
def test_a_signature_has_64_hex_digits(length: int, valid: bool) -> None:
    headers = botocore_signed()
    signature = headers["authorization"].split("Signature=")[1]
    changed = ("0123456789abcdef" * 5)[:length]

    rejection = check(with_authorization(headers, signature, changed))

    if valid:
        assert rejection is None
    else:
        assert rejection == Rejection(
            "IncompleteSignatureException",
            f"Signature must be 64 lower-case hexadecimal digits (an HMAC-SHA256), got {length} characters. ",
            400,
        )
        assert_no_secret(rejection, changed)


def test_a_signature_in_upper_case_is_refused() -> None:
    headers = botocore_signed()
    signature = headers["authorization"].split("Signature=")[1]

    rejection = check(with_authorization(headers, signature, signature.upper()))

    assert rejection is not None
    assert rejection.message == (
        "Signature must be 64 lower-case hexadecimal digits (an HMAC-SHA256), got 64 characters, "
        "not all of them lower-case hexadecimal digits. "
    )
    assert_no_secret(rejection, signature.upper())


@pytest.mark.parametrize(
    ("scope", "elements"),
    [
        ("{key}/{date}/us-east-1/iotthingsgraph", 4),
        ("{key}/{date}/us-east-1/iotthingsgraph/aws4_request/extra", 6),
        ("{key}", 1),
    ],
)
def test_a_credential_has_five_elements(scope: str, elements: int) -> None:
    headers = botocore_signed()
    date = headers["x-amz-date"][:8]
    credential = headers["authorization"].split("Credential=")[1].split(",")[0]

    rejection = check(with_authorization(headers, credential, scope.format(key=KEY, date=date)))

    assert rejection == Rejection(
        "IncompleteSignatureException",
        "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
        f"got {elements}. ",
        400,
    )
    assert_no_secret(rejection)


def test_a_trailing_slash_in_the_credential_is_ignored() -> None:
    headers = botocore_signed()

    assert check(with_authorization(headers, "/aws4_request,", "/aws4_request/,")) is None


def test_a_credential_without_a_key_is_refused() -> None:
    rejection = check(with_authorization(botocore_signed(), f"Credential={KEY}/", "Credential=/"))

    assert rejection is not None
    assert rejection.message == ("Credential must start with an access key ID, e.g. keyid/date/region/service/term. ")


# --- invalid signatures: the credential scope ---------------------------------------------


def test_a_scope_for_another_service_is_refused() -> None:
    rejection = check(botocore_signed(service="iot"))

    assert rejection == Rejection(
        "InvalidSignatureException", "Credential should be scoped to correct service: 'iotthingsgraph'. ", 403
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://iotthingsgraph.us-east-1.amazonaws.com/",
        "https://iotthingsgraph-fips.us-east-1.amazonaws.com/",
        "https://iotthingsgraph.us-east-1.api.aws/",
        "https://user@iotthingsgraph.us-east-1.amazonaws.com:443/?x=1",
    ],
)
def test_a_scope_for_another_region_than_the_hosts_is_refused(url: str) -> None:
    rejection = check(botocore_signed("eu-west-1", url), url)

    assert rejection == Rejection("InvalidSignatureException", "Credential should be scoped to a valid region. ", 403)


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
def test_a_signature_scoped_to_another_region_than_the_hosts_is_refused_in_every_url_form(url: str) -> None:
    headers = botocore_signed()  # scoped to us-east-1

    rejection = check_signature(url, headers, epoch(headers["x-amz-date"]))

    assert rejection is not None
    assert rejection.message == "Credential should be scoped to a valid region. "


@pytest.mark.parametrize("url", [LOOPBACK, "http://localhost:8080/", "https://proxy.example.internal/things"])
def test_a_host_naming_no_region_takes_the_scopes_region(url: str) -> None:
    headers = botocore_signed("eu-west-1", url)

    assert check(headers, url) is None
    assert scope_region(headers, url) == "eu-west-1"


def test_a_scope_region_that_is_no_region_is_refused_even_on_loopback() -> None:
    rejection = check(with_authorization(botocore_signed(url=LOOPBACK), "/us-east-1/", "/US_EAST/"), LOOPBACK)

    assert rejection == Rejection(
        "InvalidSignatureException", "Credential should be scoped to a valid region, not 'US_EAST'. ", 403
    )


def test_every_scope_problem_is_named_in_one_message() -> None:
    headers = botocore_signed()
    date = headers["x-amz-date"]
    credential = headers["authorization"].split("Credential=")[1].split(",")[0]

    rejection = check(with_authorization(headers, credential, f"{KEY}/20000101/eu-west-1/iot/aws5_request"))

    assert rejection == Rejection(
        "InvalidSignatureException",
        "Credential should be scoped to a valid region. "
        "Credential should be scoped to correct service: 'iotthingsgraph'. "
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. "
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
        f"'20000101' != '{date[:8]}', from '{date}'.",
        403,
    )
    assert_no_secret(rejection)


def test_a_scope_date_other_than_the_requests_is_refused() -> None:
    headers = {**botocore_signed(), "x-amz-date": "20240102T000000Z"}
    scoped = headers["authorization"].split("Credential=")[1].split("/")[1]

    rejection = check_signature(URL, headers, epoch("20240102T000000Z"))

    assert rejection == Rejection(
        "InvalidSignatureException",
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
        f"'{scoped}' != '20240102', from '20240102T000000Z'.",
        403,
    )


def test_a_wrong_terminator_ending_in_a_letter_is_named_whole() -> None:
    headers = botocore_signed()
    headers["authorization"] = headers["authorization"].replace("/aws4_request,", "/aws4_requestX,")

    rejection = check_signature(URL, headers, epoch(headers["x-amz-date"]))

    assert rejection is not None
    assert (
        rejection.message
        == "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_requestX'. "
    )


# --- the clock ----------------------------------------------------------------------------


SIGNERS = [
    pytest.param(botocore_signed, id="botocore SigV4Auth"),
    pytest.param(aws4auth_signed, id="requests-aws4auth"),
    pytest.param(lambda: boto3_sent()[1], id="boto3 client"),
]


@pytest.mark.parametrize("sign", SIGNERS)
def test_fifteen_minutes_old_is_still_fine_one_second_more_is_expired(sign: Any) -> None:
    headers = sign()
    date = headers["x-amz-date"]

    assert check(headers, after=15 * 60) is None
    rejection = check(headers, after=15 * 60 + 1)

    limit = _basic(epoch(date) + 1)
    now = _basic(epoch(date) + 15 * 60 + 1)
    assert rejection == Rejection(
        "InvalidSignatureException", f"Signature expired: {date} is now earlier than {limit} ({now} - 15 min.)", 403
    )


@pytest.mark.parametrize("sign", SIGNERS)
def test_fifteen_minutes_ahead_is_still_fine_one_second_more_is_not_yet_current(sign: Any) -> None:
    headers = sign()
    date = headers["x-amz-date"]

    assert check(headers, after=-15 * 60) is None
    rejection = check(headers, after=-15 * 60 - 1)

    limit = _basic(epoch(date) - 1)
    now = _basic(epoch(date) - 15 * 60 - 1)
    assert rejection == Rejection(
        "InvalidSignatureException",
        f"Signature not yet current: {date} is still later than {limit} ({now} + 15 min.)",
        403,
    )


def test_a_fraction_of_a_second_past_the_limit_is_still_within_it() -> None:
    headers = botocore_signed()

    assert check_signature(URL, headers, epoch(headers["x-amz-date"]) + 15 * 60 + 0.999) is None


def test_a_presigned_url_lives_until_it_expires() -> None:
    url = presigned(expires=3600)
    date = query_date(url)

    assert check_signature(url, {}, epoch(date) + 3600) is None
    rejection = check_signature(url, {}, epoch(date) + 3601)

    assert rejection == Rejection(
        "InvalidSignatureException",
        f"Signature expired: {date} is now earlier than {_basic(epoch(date) + 1)} "
        f"({_basic(epoch(date) + 3601)} - 60 min.)",
        403,
    )


def test_a_presigned_url_shorter_than_fifteen_minutes_still_gets_the_skew() -> None:
    url = presigned(expires=60)
    date = query_date(url)

    assert check_signature(url, {}, epoch(date) + 15 * 60) is None
    assert check_signature(url, {}, epoch(date) + 15 * 60 + 1) is not None


def test_a_presigned_url_signed_ahead_of_the_clock_is_not_yet_current_within_its_expiry() -> None:
    url = presigned(expires=3600)
    date = query_date(url)

    assert check_signature(url, {}, epoch(date) - 15 * 60) is None
    rejection = check_signature(url, {}, epoch(date) - 15 * 60 - 1)  # still an hour before it expires

    assert rejection == Rejection(
        "InvalidSignatureException",
        f"Signature not yet current: {date} is still later than {_basic(epoch(date) - 1)} "
        f"({_basic(epoch(date) - 15 * 60 - 1)} + 15 min.)",
        403,
    )


@pytest.mark.parametrize("expires", ["0", "604801", "soon", "-5"])
def test_a_presigned_url_with_a_wrong_expiry_is_refused(expires: str) -> None:
    url = presigned().replace("X-Amz-Expires=3600", f"X-Amz-Expires={expires}")

    rejection = check_signature(url, {}, epoch(query_date(url)))

    assert rejection == Rejection(
        "IncompleteSignatureException",
        f"X-Amz-Expires must be a whole number of seconds from 1 to 604800 (seven days), got '{expires}'. ",
        400,
    )


@pytest.mark.parametrize(("expires", "accepted"), [("0", False), ("1", True), ("2", True)])
def test_an_expiry_of_one_second_is_the_shortest_accepted(expires: str, accepted: bool) -> None:
    url, signed_at = presigned_and_time(3600)
    rejection = check_signature(with_query(url, X_Amz_Expires=expires), {}, signed_at)

    if accepted:
        assert rejection is None
    else:
        assert rejection is not None
        assert (rejection.error_code, rejection.status_code) == ("IncompleteSignatureException", 400)
        assert rejection.message == (
            "X-Amz-Expires must be a whole number of seconds from 1 to 604800 (seven days), got '0'. "
        )


def test_a_blank_expiry_is_refused_and_named() -> None:
    url, signed_at = presigned_and_time(3600)

    rejection = check_signature(with_query(url, X_Amz_Expires=""), {}, signed_at)

    assert rejection is not None
    assert rejection.message == (
        "X-Amz-Expires must be a whole number of seconds from 1 to 604800 (seven days), got ''. "
    )


def test_a_presigned_url_of_seven_days_is_accepted() -> None:
    url = presigned(expires=604800)

    assert check_signature(url, {}, epoch(query_date(url)) + 604800) is None


def test_a_presigned_url_without_an_expiry_lives_for_the_fifteen_minutes_of_skew() -> None:
    url, signed_at = presigned_and_time(3600)
    bare = with_query(url, X_Amz_Expires=None)

    assert check_signature(bare, {}, signed_at + 900) is None
    expired = check_signature(bare, {}, signed_at + 901)
    assert expired is not None
    assert (expired.error_code, expired.status_code) == ("InvalidSignatureException", 403)
    assert expired.message.endswith(" - 15 min.)")


def test_an_expiry_of_no_whole_minutes_is_named_in_seconds() -> None:
    url, signed_at = presigned_and_time(1000)

    assert check_signature(url, {}, signed_at + 1000) is None
    expired = check_signature(url, {}, signed_at + 1001)
    assert expired is not None
    assert expired.message.endswith(" - 1000 sec.)")


# --- regions for routing --------------------------------------------------------------------


def test_scope_region_prefers_the_signature_then_the_host() -> None:
    assert scope_region(botocore_signed("eu-west-1"), URL) == "eu-west-1"
    assert scope_region({}, "https://iotthingsgraph-fips.us-gov-west-1.amazonaws.com/") == "us-gov-west-1"
    assert scope_region({}, LOOPBACK) is None
    assert scope_region({"authorization": "AWS4-HMAC-SHA256 Credential=short"}, URL) == "us-east-1"


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


@pytest.mark.parametrize("url", HOST_FORMS)
def test_the_region_of_an_unsigned_call_is_the_one_its_host_names_in_every_url_form(url: str) -> None:
    assert things_graph_region(urlsplit(url).hostname or "") == "eu-west-1"  # what the URL means

    assert scope_region({}, url) == "eu-west-1"


def _basic(seconds: int) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(seconds))

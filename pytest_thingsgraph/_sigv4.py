"""Signature Version 4 checks on the wire, as the service makes them before any operation runs.

Headers only: no signature is recomputed (the stub holds no caller's secret), so a call costs
a few string operations. What is checked, and the order, follow AWS's own answers (JSON
services, ``__type`` names ending in ``Exception``):

1. no ``Authorization`` header and no presigned query: ``MissingAuthenticationTokenException``;
2. the parameters a signature needs, missing: ``IncompleteSignatureException``, one sentence
   per missing part, as AWS says them;
3. ``X-Amz-Date`` not in ISO 8601 basic format (``IncompleteSignatureException``), or more than
   15 minutes from now either way (``InvalidSignatureException``, "Signature expired" / "not
   yet current"); a presigned URL's ``X-Amz-Expires`` widens the past side;
4. ``SignedHeaders`` without ``host`` (and, in the header form, ``x-amz-date``), an algorithm
   other than ``AWS4-HMAC-SHA256``, a credential that is not ``key/date/region/service/term``,
   a signature that is not 64 lower-case hex digits: ``IncompleteSignatureException``;
5. the credential scope: a region other than the endpoint's (where the host names one), a
   service other than ``iotthingsgraph``, a terminator other than ``aws4_request``, a date other
   than ``X-Amz-Date``'s: ``InvalidSignatureException``, every failed part in one message.

The wording is AWS's where AWS's is known: the answers of DynamoDB and Kinesis that
architect/dynalite (``index.js``) and mhart/kinesalite record verbatim in their comments
("Authorization header requires 'Credential' parameter. ", "Date must be in ISO-8601 'basic
format'. Got '201'. ...", "Signature expired: 20130301T000000Z is now earlier than
20130609T094515Z (20130609T100015Z - 15 min.)", "'Host' must be a 'SignedHeader' in the AWS
Authorization.", "Unsupported AWS 'algorithm': ...", "Credential must have exactly 5
slash-delimited elements, e.g. keyid/date/region/service/term, got ...", "Credential should be
scoped to a valid region, not 'c'. Credential should be scoped to correct service: 'dynamodb'.
Credential should be scoped with a valid terminator: 'aws4_request', not 'e'. Date in
Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: 'b' !=
'20130609', from '20130609T095204Z'.", "AWS query-string parameters must include
'X-Amz-Algorithm'. ... Re-examine the query-string parameters.", "Found both 'X-Amz-Algorithm'
as a query-string param and 'Authorization' as HTTP header."); "Missing Authentication Token"
is API Gateway's (the AWS common errors reference lists MissingAuthenticationToken as 403);
"Credential should be scoped to a valid region. " (a valid region, but not the endpoint's) is
STS's. Where AWS echoes a secret or the whole ``Authorization`` header, these messages do not:
they name what is wrong (a count, a length), never a key ID or a signature.
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
import time
from collections.abc import Mapping
from urllib.parse import parse_qsl

from ._endpoints import things_graph_region
from ._service import SERVICE_NAME
from ._wire import Rejection

ALGORITHM = "AWS4-HMAC-SHA256"
TERMINATOR = "aws4_request"
#: How far X-Amz-Date may be from the service's clock, either way, in seconds (exactly this is still fine).
SKEW = 15 * 60
#: The longest X-Amz-Expires a presigned URL may carry (seven days), in seconds.
EXPIRES_MAX = 7 * 24 * 60 * 60

_QUERY_PARAMETERS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date")
_HEADER_PARAMETERS = ("Credential", "Signature", "SignedHeaders")
#: What SignedHeaders must name: in the header form, the date header too (the query form signs its date).
_HEADER_SIGNED = ("host", "x-amz-date")
_QUERY_SIGNED = ("host",)
_HEX = "0123456789abcdef"
_LABEL_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789-"
#: The fake credentials stubbed calls and a server's child processes sign with (never a machine's own).
FAKE_ACCESS_KEY_ID = "ASIATHINGSGRAPHSTUB0"
FAKE_SECRET_ACCESS_KEY = "thingsgraph-stub-fake-secret"
FAKE_SESSION_TOKEN = "thingsgraph-stub-fake-token"


def _incomplete(message: str) -> Rejection:
    return Rejection("IncompleteSignatureException", message, 400)


def _invalid(message: str) -> Rejection:
    return Rejection("InvalidSignatureException", message, 403)


MISSING_TOKEN = Rejection("MissingAuthenticationTokenException", "Missing Authentication Token", 403)


def check_signature(url: str, headers: Mapping[str, str], now: float) -> Rejection | None:
    """Why the service would refuse this request's signature, or ``None`` if it is well-formed and current.

    ``headers`` is read with lower-case names (``authorization``, ``x-amz-date``): a plain dict
    with lower-case keys, or any case-insensitive mapping. ``now`` is the service's clock, in
    seconds since the epoch. No check needs the method: the signature is not recomputed.
    """
    authorization = headers.get("authorization")
    query = _query(url)
    presigned = "X-Amz-" in query
    if authorization is not None:
        if presigned and "X-Amz-Algorithm" in dict(parse_qsl(query, keep_blank_values=True)):
            return _invalid("Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.")
        # the service's clock to the second, as X-Amz-Date is: a client polling within one second sends the
        # same header again, and the check is a pure function of these four
        return _check_header(authorization, headers.get("x-amz-date"), url, int(now))
    if presigned:
        parameters = dict(parse_qsl(query, keep_blank_values=True))
        if any(name in parameters for name in _QUERY_PARAMETERS):
            return _check_query(parameters, url, now)
    return MISSING_TOKEN


@functools.lru_cache(maxsize=1024)
def _check_header(authorization: str, date: str | None, url: str, now: int) -> Rejection | None:
    algorithm, _, rest = authorization.strip().partition(" ")
    if not algorithm.startswith("AWS4-"):
        return _incomplete(
            "Authorization header is not AWS Signature Version 4: it must read "
            f"'{ALGORITHM} Credential=<key>/<date>/<region>/{SERVICE_NAME}/{TERMINATOR}, "
            "SignedHeaders=<names>, Signature=<hex>'. "
        )
    parameters: dict[str, str] = {}
    for part in rest.split(","):
        name, _, value = part.strip().partition("=")
        parameters[name] = value
    credential, signature, signed_headers = (
        parameters.get("Credential"),
        parameters.get("Signature"),
        parameters.get("SignedHeaders"),
    )
    if not (credential and signature and signed_headers and date):
        missing = "".join(
            f"Authorization header requires '{name}' parameter. "
            for name in _HEADER_PARAMETERS
            if not parameters.get(name)
        )
        if not date:
            missing += "Authorization header requires existence of a 'X-Amz-Date' header. "
        return _incomplete(missing)
    return _check_parts(algorithm, credential, signature, signed_headers, date, url, now, _HEADER_SIGNED, 0)


def _check_query(parameters: dict[str, str], url: str, now: float) -> Rejection | None:
    missing = "".join(
        f"AWS query-string parameters must include '{name}'. " for name in _QUERY_PARAMETERS if not parameters.get(name)
    )
    if missing:
        return _incomplete(missing + "Re-examine the query-string parameters.")
    expires_text = parameters.get("X-Amz-Expires")
    expires = 0
    if expires_text is not None:
        if not (expires_text.isascii() and expires_text.isdigit() and 1 <= int(expires_text) <= EXPIRES_MAX):
            return _incomplete(
                f"X-Amz-Expires must be a whole number of seconds from 1 to {EXPIRES_MAX} (seven days), "
                f"got '{_short(expires_text)}'. "
            )
        expires = int(expires_text)
    return _check_parts(
        parameters["X-Amz-Algorithm"],
        parameters["X-Amz-Credential"],
        parameters["X-Amz-Signature"],
        parameters["X-Amz-SignedHeaders"],
        parameters["X-Amz-Date"],
        url,
        now,
        _QUERY_SIGNED,
        expires,
    )


def _check_parts(
    algorithm: str,
    credential: str,
    signature: str,
    signed_headers: str,
    date: str,
    url: str,
    now: float,
    required_signed: tuple[str, ...],
    expires: int,
) -> Rejection | None:
    signed_at = _epoch(date)
    if signed_at is None:
        return _incomplete(
            f"Date must be in ISO-8601 'basic format'. Got '{_short(date)}'. See http://en.wikipedia.org/wiki/ISO_8601"
        )
    clock = int(now)  # the service's clock, to the second, as X-Amz-Date is
    past = max(SKEW, expires)
    if signed_at < clock - past:
        return _invalid(
            f"Signature expired: {date} is now earlier than {_basic(clock - past)} ({_basic(clock)} - {_span(past)})"
        )
    if signed_at > clock + SKEW:
        return _invalid(
            f"Signature not yet current: {date} is still later than {_basic(clock + SKEW)} "
            f"({_basic(clock)} + {_span(SKEW)})"
        )
    names = signed_headers.lower().split(";")
    if "host" not in names or (len(required_signed) > 1 and "x-amz-date" not in names):
        return _incomplete(
            "".join(
                f"'{_header_title(name)}' must be a 'SignedHeader' in the AWS Authorization. "
                for name in required_signed
                if name not in names
            )
        )
    if algorithm != ALGORITHM:
        return _incomplete(f"Unsupported AWS 'algorithm': '{_short(algorithm)}' (only {ALGORITHM} for now). ")
    scope = credential.rstrip("/").split("/")  # AWS ignores trailing slashes
    if len(scope) != 5:
        return _incomplete(
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
            f"got {len(scope)}. "
        )
    if not scope[0]:
        return _incomplete("Credential must start with an access key ID, e.g. keyid/date/region/service/term. ")
    if len(signature) != 64 or signature.strip(_HEX):
        return _incomplete(
            f"Signature must be 64 lower-case hexadecimal digits (an HMAC-SHA256), got {len(signature)} characters"
            f"{'' if not signature.strip(_HEX) else ', not all of them lower-case hexadecimal digits'}. "
        )
    _, scope_date, region, service, terminator = scope
    problems = ""
    if not _is_region(region):
        problems += f"Credential should be scoped to a valid region, not '{_short(region)}'. "
    else:
        endpoint_region = _endpoint_region(url)
        if endpoint_region is not None and region != endpoint_region:
            problems += "Credential should be scoped to a valid region. "
    if service != SERVICE_NAME:
        problems += f"Credential should be scoped to correct service: '{SERVICE_NAME}'. "
    if terminator != TERMINATOR:
        problems += f"Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{_short(terminator)}'. "
    if scope_date != date[:8]:
        problems += (
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            f"'{_short(scope_date)}' != '{date[:8]}', from '{date}'."
        )
    return _invalid(problems) if problems else None


def scope_region(headers: Mapping[str, str], url: str) -> str | None:
    """The region a request was signed for (its credential scope's), else the one its host names, else ``None``."""
    authorization = headers.get("authorization")
    if authorization:
        region = _header_scope_region(authorization)
        return _endpoint_region(url) if region is None else region
    credential: str | None = None
    query = _query(url)
    if "X-Amz-Credential" in query:
        credential = dict(parse_qsl(query, keep_blank_values=True)).get("X-Amz-Credential")
    return _credential_region(credential) or _endpoint_region(url)


@functools.lru_cache(maxsize=256)  # a header repeats for every call of one body signed in the same second
def _header_scope_region(authorization: str) -> str | None:
    """The region of an ``Authorization`` header's credential scope, or ``None``."""
    start = authorization.find("Credential=")
    if start == -1:
        return None
    return _credential_region(authorization[start + len("Credential=") :].split(",", 1)[0].strip())


def _credential_region(credential: str | None) -> str | None:
    """The region of a credential ``key/date/region/service/term``, or ``None``."""
    if credential:
        scope = credential.rstrip("/").split("/")
        if len(scope) == 5 and scope[2]:
            return sys.intern(scope[2])  # one string per region, shared by the calls recorded
    return None


@functools.lru_cache(maxsize=256)
def _endpoint_region(url: str) -> str | None:
    """The region a URL's host names (a client sends to one URL, again and again: remembered)."""
    return things_graph_region(_hostname(url))


def _query(url: str) -> str:
    start = url.find("?")
    return "" if start == -1 else url[start + 1 :].split("#", 1)[0]


def _hostname(url: str) -> str:
    """The host of a URL, without user, port or brackets; ``urlsplit(url).hostname`` for the URLs clients send."""
    authority = url.partition("://")[2]
    for end in "/?#":
        authority = authority.split(end, 1)[0]
    authority = authority.rpartition("@")[2]
    if authority.startswith("["):
        return authority[1:].split("]", 1)[0].lower()
    return authority.partition(":")[0].lower()


@functools.lru_cache(maxsize=64)  # a date repeats for every call made in the same second
def _epoch(date: str) -> int | None:
    """Seconds since the epoch of an ISO 8601 basic-format UTC time (``20240101T000000Z``), or ``None``."""
    if len(date) != 16 or date[8] != "T" or date[15] != "Z":
        return None
    digits = date[:8] + date[9:15]
    if not (digits.isascii() and digits.isdigit()):
        return None
    try:
        moment = dt.datetime(
            int(date[:4]), int(date[4:6]), int(date[6:8]), int(date[9:11]), int(date[11:13]), int(date[13:15]),
            tzinfo=dt.timezone.utc,
        )  # fmt: skip
    except ValueError:  # month 13, 30 February, hour 24...
        return None
    return int(moment.timestamp())


def _basic(seconds: int) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(seconds))


def _span(seconds: int) -> str:
    return f"{seconds // 60} min." if seconds % 60 == 0 else f"{seconds} sec."


def _header_title(name: str) -> str:
    return "-".join(word[:1].upper() + word[1:] for word in name.split("-"))


@functools.lru_cache(maxsize=256)
def _is_region(region: str) -> bool:
    """A DNS label in lower case, as every region is (``us-east-1``)."""
    return (
        0 < len(region) <= 63
        and not region.strip(_LABEL_CHARACTERS)
        and not region.startswith("-")
        and not region.endswith("-")
    )


def _short(text: str, limit: int = 40) -> str:
    """A value for a message, cut when long (a header may carry anything)."""
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


__all__ = ["MISSING_TOKEN", "check_signature", "scope_region"]

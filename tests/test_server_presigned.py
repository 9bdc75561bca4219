"""Server mode with query-string (presigned) authentication.

botocore's ``generate_presigned_url`` does not apply to a JSON POST, so the request is signed as
tests/test_signatures.py signs one for the in-process stub: ``SigV4QueryAuth`` on an ``AWSRequest``
POST with the JSON body. It goes over real HTTP to the running server, which checks it as AWS would.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from server_helpers import CONTENT_TYPE, CREDENTIALS, TARGET, connect

from pytest_thingsgraph import ThingsGraphServer, ThingsGraphStub


class _SignedAt(SigV4QueryAuth):
    """botocore's query signer for a JSON POST, its clock set back ``seconds_ago`` seconds.

    Left alone, it moves a body's members into the query (the query protocol's way); here the JSON
    body stays the body, and its hash is what the signature covers.
    """

    def __init__(self, region: str, *, expires: int, seconds_ago: int) -> None:
        super().__init__(CREDENTIALS, "iotthingsgraph", region, expires=expires)
        self.seconds_ago = seconds_ago

    def _modify_request_before_signing(self, request: AWSRequest) -> None:
        signed_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=self.seconds_ago)
        request.context["timestamp"] = signed_at.strftime("%Y%m%dT%H%M%SZ")
        body, request.data = request.data, b""
        try:
            super()._modify_request_before_signing(request)
        finally:
            request.data = body


def send_presigned(
    server: ThingsGraphServer, document: dict[str, Any], *, region: str, expires: int = 300, seconds_ago: int = 0
) -> tuple[int, dict[str, Any], str]:
    """A presigned GetUploadStatus POST; the status, the JSON answer, and the URL's X-Amz-Date."""
    body = json.dumps(document).encode()
    request = AWSRequest(
        method="POST",
        url=server.endpoint_url + "/",
        data=body,
        headers={"X-Amz-Target": TARGET + "GetUploadStatus", "Content-Type": CONTENT_TYPE},
    )
    _SignedAt(region, expires=expires, seconds_ago=seconds_ago).add_auth(request)
    prepared = request.prepare()
    parts = urlsplit(prepared.url)
    query = parse_qs(parts.query)
    assert "Authorization" not in prepared.headers  # the signature travels in the query alone
    assert sorted(query) == [
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-Signature",
        "X-Amz-SignedHeaders",
    ]
    assert prepared.body == body
    connection = connect(server.endpoint_url)
    try:
        connection.request("POST", f"{parts.path}?{parts.query}", body=body, headers=dict(prepared.headers.items()))
        response = connection.getresponse()
        return response.status, json.loads(response.read()), query["X-Amz-Date"][0]
    finally:
        connection.close()


def test_a_presigned_call_is_answered(thingsgraph_server: ThingsGraphServer, thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("presigned", ["SUCCEEDED"], namespace_version=4)

    status, answer, _ = send_presigned(thingsgraph_server, {"uploadId": "presigned"}, region="eu-west-1")

    assert status == 200
    assert (answer["uploadId"], answer["uploadStatus"], answer["namespaceVersion"]) == ("presigned", "SUCCEEDED", 4)
    assert [(c.operation, c.upload_id, c.region, c.status_code) for c in thingsgraph_stub.calls] == [
        ("GetUploadStatus", "presigned", "eu-west-1", 200)
    ]


@pytest.mark.thingsgraph_stub(allow_invalid_requests=True)
def test_an_expired_presigned_call_is_refused_with_the_services_error(
    thingsgraph_server: ThingsGraphServer, thingsgraph_stub: ThingsGraphStub
) -> None:
    thingsgraph_stub.add_upload("presigned", ["SUCCEEDED"])

    # signed an hour ago for 60 s: past its expiry and the 15 minutes of clock skew AWS allows
    status, answer, date = send_presigned(
        thingsgraph_server, {"uploadId": "presigned"}, region="eu-west-1", expires=60, seconds_ago=3600
    )

    assert status == 403
    assert answer["__type"] == "InvalidSignatureException"
    stamp = r"\d{8}T\d{6}Z"
    match = re.fullmatch(
        rf"Signature expired: ({stamp}) is now earlier than ({stamp}) \(({stamp}) - 15 min\.\)", answer["message"]
    )
    assert match, answer["message"]
    assert match.group(1) == date
    now, limit = (dt.datetime.strptime(match.group(n), "%Y%m%dT%H%M%SZ") for n in (3, 2))
    assert now - limit == dt.timedelta(minutes=15)
    assert [(c.operation, c.region, c.status_code, c.error_code) for c in thingsgraph_stub.calls] == [
        ("GetUploadStatus", "eu-west-1", 403, "InvalidSignatureException")
    ]
    thingsgraph_stub.reset()  # the unused script was the point

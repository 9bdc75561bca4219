"""Type-checked by tests/test_script_order.py with ``mypy --strict``: what boto3 returned, scripted as it is.

A value typed as mypy-boto3-iotthingsgraph's ``GetUploadStatusResponseTypeDef``
(a pasted ``get_upload_status`` response) is a valid script item.
"""

from __future__ import annotations

import datetime as dt

from mypy_boto3_iotthingsgraph.type_defs import GetUploadStatusResponseTypeDef

from pytest_thingsgraph import ScriptItem, ThingsGraphStub

PASTED: GetUploadStatusResponseTypeDef = {
    "uploadId": "u",
    "uploadStatus": "SUCCEEDED",
    "namespaceArn": "arn:aws:iotthingsgraph:us-east-1:123456789012:Namespace/example",
    "namespaceName": "example",
    "namespaceVersion": 3,
    "failureReason": [],
    "createdDate": dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.timezone.utc),
    "ResponseMetadata": {
        "RequestId": "0f4c5bd5-62b8-4d4b-a1c1-000000000000",
        "HTTPStatusCode": 200,
        "HTTPHeaders": {"content-type": "application/x-amz-json-1.1"},
        "RetryAttempts": 0,
    },
}


def script_the_pasted_response(stub: ThingsGraphStub, pasted: GetUploadStatusResponseTypeDef) -> None:
    """Poll once IN_PROGRESS, then answer what boto3 returned, for good."""
    stub.add_upload(pasted["uploadId"], ["IN_PROGRESS", pasted])


def items_of(pasted: GetUploadStatusResponseTypeDef) -> list[ScriptItem]:
    return [pasted, pasted]

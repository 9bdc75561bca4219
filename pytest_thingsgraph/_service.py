"""What AWS IoT Things Graph is, as far as the stub answers it: every fact in one place.

Each constant is checked against botocore's own model of the service
(``botocore/data/iotthingsgraph/``) by ``tests/test_models.py``. Nothing here
imports botocore or pydantic: the plugin's load reads some of it.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

#: The endpoint prefix, signing name and botocore event name of the service.
SERVICE_NAME = "iotthingsgraph"
#: ``X-Amz-Target`` is this prefix and an operation name.
TARGET_PREFIX = "IotThingsGraphFrontEndService."
CONTENT_TYPE = "application/x-amz-json-1.1"

GET_UPLOAD_STATUS = "GetUploadStatus"
UPLOAD_ENTITY_DEFINITIONS = "UploadEntityDefinitions"
#: The operations the stub answers.
STUBBED_OPERATIONS = (GET_UPLOAD_STATUS, UPLOAD_ENTITY_DEFINITIONS)

#: Every operation of the service.
OPERATIONS: frozenset[str] = frozenset(
    {
        "AssociateEntityToThing", "CreateFlowTemplate", "CreateSystemInstance",
        "CreateSystemTemplate", "DeleteFlowTemplate", "DeleteNamespace",
        "DeleteSystemInstance", "DeleteSystemTemplate", "DeploySystemInstance",
        "DeprecateFlowTemplate", "DeprecateSystemTemplate", "DescribeNamespace",
        "DissociateEntityFromThing", "GetEntities", "GetFlowTemplate",
        "GetFlowTemplateRevisions", "GetNamespaceDeletionStatus", "GetSystemInstance",
        "GetSystemTemplate", "GetSystemTemplateRevisions", "GetUploadStatus",
        "ListFlowExecutionMessages", "ListTagsForResource", "SearchEntities",
        "SearchFlowExecutions", "SearchFlowTemplates", "SearchSystemInstances",
        "SearchSystemTemplates", "SearchThings", "TagResource", "UndeploySystemInstance",
        "UntagResource", "UpdateFlowTemplate", "UpdateSystemTemplate",
        "UploadEntityDefinitions",
    }
)  # fmt: skip

#: The operations ``add_response`` answers: every other one, in alphabetical order.
ANSWERED_OPERATIONS: tuple[str, ...] = tuple(sorted(OPERATIONS - set(STUBBED_OPERATIONS)))

UploadStatus = Literal["IN_PROGRESS", "SUCCEEDED", "FAILED"]
#: The ``uploadStatus`` enum, in the model's order.
UPLOAD_STATUSES: tuple[UploadStatus, ...] = ("IN_PROGRESS", "SUCCEEDED", "FAILED")
#: An upload that reached one of these keeps answering it.
TERMINAL_STATUSES: frozenset[str] = frozenset({"SUCCEEDED", "FAILED"})

#: ``UploadId``: 1 to 40 characters.
UPLOAD_ID_MIN, UPLOAD_ID_MAX = 1, 40
#: ``NamespaceName``: at most 128 characters.
NAMESPACE_NAME_MAX = 128
#: ``Version`` is a long.
VERSION_MIN, VERSION_MAX = -(2**63), 2**63 - 1
#: ``DefinitionText``: at most 1 MiB of characters.
DEFINITION_TEXT_MAX = 1_048_576
#: ``DefinitionLanguage`` enum.
DEFINITION_LANGUAGES: tuple[str, ...] = ("GRAPHQL",)

#: The members of each request shape.
GET_UPLOAD_STATUS_MEMBERS: tuple[str, ...] = ("uploadId",)
UPLOAD_ENTITY_DEFINITIONS_MEMBERS: tuple[str, ...] = (
    "document",
    "syncWithPublicNamespace",
    "deprecateExistingEntities",
)
DEFINITION_DOCUMENT_MEMBERS: tuple[str, ...] = ("language", "text")
#: The members of a GetUploadStatus response, in the model's order.
RESPONSE_MEMBERS: tuple[str, ...] = (
    "uploadId",
    "uploadStatus",
    "namespaceArn",
    "namespaceName",
    "namespaceVersion",
    "failureReason",
    "createdDate",
)

#: The service's errors (the model's seven) and the HTTP status the service sent with each. The model gives
#: none (no ``httpStatusCode``). The first four are the upload operations' documented errors, with the statuses
#: of their API reference pages ("Errors"). For the last three no reference reachable when they were added gives
#: a status: they are 400, the status of every other client error of this service but ResourceNotFoundException,
#: and a test that needs another passes ``status_code=``.
DOCUMENTED_ERRORS: dict[str, int] = {
    "InvalidRequestException": 400,
    "ResourceNotFoundException": 404,
    "InternalFailureException": 500,
    "ThrottlingException": 400,
    "LimitExceededException": 400,
    "ResourceAlreadyExistsException": 400,
    "ResourceInUseException": 400,
}
#: The errors GetUploadStatus documents (UploadEntityDefinitions lists three of them).
UPLOAD_ERRORS: tuple[str, ...] = tuple(DOCUMENTED_ERRORS)[:4]

#: botocore reads ``createdDate`` as float epoch seconds: within these bounds (the stub's,
#: not the service's) it comes back to the microsecond.
CREATED_DATE_MIN = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
CREATED_DATE_END = dt.datetime(2200, 1, 1, tzinfo=dt.timezone.utc)

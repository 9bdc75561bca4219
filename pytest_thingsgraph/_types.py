"""The public types of script items: what a type checker sees ``add_upload`` take."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeAlias

from typing_extensions import ReadOnly, TypedDict

from ._errors import ServiceError
from ._service import UploadStatus


class ResponseMembers(TypedDict, total=False):
    """A dict script item: GetUploadStatus response members (camelCase, all optional).

    What boto3 returned fits as it is: ``ResponseMetadata`` is ignored, and
    mypy-boto3-iotthingsgraph's ``GetUploadStatusResponseTypeDef`` type-checks.
    """

    uploadId: ReadOnly[str]
    uploadStatus: ReadOnly[UploadStatus]
    namespaceArn: ReadOnly[str | None]
    namespaceName: ReadOnly[str | None]
    namespaceVersion: ReadOnly[int | None]
    failureReason: ReadOnly[Sequence[str] | None]
    createdDate: ReadOnly[dt.datetime]
    ResponseMetadata: ReadOnly[Mapping[str, Any]]


#: One item of a script: an upload status, a dict of response members, or a service error.
ScriptItem: TypeAlias = UploadStatus | ResponseMembers | ServiceError


#: The API name of every operation ``add_response`` answers (all but the two upload operations).
OperationApiName: TypeAlias = Literal[
    "AssociateEntityToThing",
    "CreateFlowTemplate",
    "CreateSystemInstance",
    "CreateSystemTemplate",
    "DeleteFlowTemplate",
    "DeleteNamespace",
    "DeleteSystemInstance",
    "DeleteSystemTemplate",
    "DeploySystemInstance",
    "DeprecateFlowTemplate",
    "DeprecateSystemTemplate",
    "DescribeNamespace",
    "DissociateEntityFromThing",
    "GetEntities",
    "GetFlowTemplate",
    "GetFlowTemplateRevisions",
    "GetNamespaceDeletionStatus",
    "GetSystemInstance",
    "GetSystemTemplate",
    "GetSystemTemplateRevisions",
    "ListFlowExecutionMessages",
    "ListTagsForResource",
    "SearchEntities",
    "SearchFlowExecutions",
    "SearchFlowTemplates",
    "SearchSystemInstances",
    "SearchSystemTemplates",
    "SearchThings",
    "TagResource",
    "UndeploySystemInstance",
    "UntagResource",
    "UpdateFlowTemplate",
    "UpdateSystemTemplate",
]
#: The client's method name of each of them.
OperationMethodName: TypeAlias = Literal[
    "associate_entity_to_thing",
    "create_flow_template",
    "create_system_instance",
    "create_system_template",
    "delete_flow_template",
    "delete_namespace",
    "delete_system_instance",
    "delete_system_template",
    "deploy_system_instance",
    "deprecate_flow_template",
    "deprecate_system_template",
    "describe_namespace",
    "dissociate_entity_from_thing",
    "get_entities",
    "get_flow_template",
    "get_flow_template_revisions",
    "get_namespace_deletion_status",
    "get_system_instance",
    "get_system_template",
    "get_system_template_revisions",
    "list_flow_execution_messages",
    "list_tags_for_resource",
    "search_entities",
    "search_flow_executions",
    "search_flow_templates",
    "search_system_instances",
    "search_system_templates",
    "search_things",
    "tag_resource",
    "undeploy_system_instance",
    "untag_resource",
    "update_flow_template",
    "update_system_template",
]
#: What ``add_response`` takes as its operation: the API name or the client's method name.
OperationName: TypeAlias = OperationApiName | OperationMethodName

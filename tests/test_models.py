"""The pydantic models and the wire constants stay in step with botocore's service model."""

from __future__ import annotations

import datetime as dt
from typing import Any, get_args

import botocore.session
import pytest
from pydantic import BaseModel, ValidationError

from pytest_thingsgraph import _service as service
from pytest_thingsgraph import models
from pytest_thingsgraph._model import method_name
from pytest_thingsgraph._service import DOCUMENTED_ERRORS, OPERATIONS, TARGET_PREFIX, UPLOAD_ID_MAX
from pytest_thingsgraph._types import OperationApiName, OperationMethodName

SERVICE = botocore.session.get_session().get_service_model("iotthingsgraph")
OPERATION = SERVICE.operation_model("GetUploadStatus")

PYTHON_TYPES = {
    "string": "string",
    "long": "integer",
    "integer": "integer",
    "timestamp": "string",
    "list": "array",
    "boolean": "boolean",
    "structure": "object",
}
UPLOAD = SERVICE.operation_model("UploadEntityDefinitions")


def describe_model(model: type[BaseModel]) -> dict[str, dict[str, Any]]:
    """Members of a model as JSON schema sees them: type, bounds, enum, required."""
    schema = model.model_json_schema()
    described = {}
    for name, prop in schema["properties"].items():
        options = prop.get("anyOf", [prop])
        (present,) = [option for option in options if option.get("type") != "null"]
        described[name] = {
            "type": "object" if "$ref" in present else present.get("type", "string"),
            "enum": present.get("enum") or ([present["const"]] if "const" in present else None),
            "min": present.get("minLength"),
            "max": present.get("maxLength"),
            "required": name in schema.get("required", []),
            "items": present.get("items", {}).get("type"),
        }
    return described


def describe_shape(shape: Any) -> dict[str, dict[str, Any]]:
    described = {}
    for name, member in shape.members.items():
        described[name] = {
            "type": PYTHON_TYPES[member.type_name],
            "enum": list(member.enum) if getattr(member, "enum", None) else None,
            "min": member.metadata.get("min"),
            "max": member.metadata.get("max"),
            "required": name in shape.required_members,
            "items": PYTHON_TYPES[member.member.type_name] if member.type_name == "list" else None,
        }
    return described


def test_the_response_model_matches_botocores_shape() -> None:
    assert describe_model(models.GetUploadStatusResponse) == describe_shape(OPERATION.output_shape)
    assert tuple(OPERATION.output_shape.members) == service.RESPONSE_MEMBERS


def test_the_response_model_forbids_unknown_members_and_coercion() -> None:
    valid = {
        "uploadId": "u",
        "uploadStatus": "SUCCEEDED",
        "createdDate": dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc),
    }
    models.GetUploadStatusResponse.model_validate(valid)
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        models.GetUploadStatusResponse.model_validate({**valid, "upload_status": "FAILED"})
    with pytest.raises(ValidationError, match="Input should be a valid integer"):
        models.GetUploadStatusResponse.model_validate({**valid, "namespaceVersion": "3"})


def test_the_request_shapes_match_botocores() -> None:
    upload_id = OPERATION.input_shape.members["uploadId"]
    assert (upload_id.metadata["min"], upload_id.metadata["max"]) == (service.UPLOAD_ID_MIN, service.UPLOAD_ID_MAX)
    assert tuple(OPERATION.input_shape.members) == service.GET_UPLOAD_STATUS_MEMBERS
    assert tuple(UPLOAD.input_shape.members) == service.UPLOAD_ENTITY_DEFINITIONS_MEMBERS
    document = UPLOAD.input_shape.members["document"]
    assert tuple(document.members) == service.DEFINITION_DOCUMENT_MEMBERS
    assert tuple(document.members["language"].enum) == service.DEFINITION_LANGUAGES
    assert document.members["text"].metadata["max"] == service.DEFINITION_TEXT_MAX
    assert OPERATION.output_shape.members["namespaceName"].metadata["max"] == service.NAMESPACE_NAME_MAX
    assert tuple(UPLOAD.output_shape.members) == ("uploadId",)


def test_long_bounds_match_the_long_shape() -> None:
    schema = models.GetUploadStatusResponse.model_json_schema()["properties"]["namespaceVersion"]["anyOf"][0]
    assert (schema["minimum"], schema["maximum"]) == (-(2**63), 2**63 - 1)
    assert OPERATION.output_shape.members["namespaceVersion"].type_name == "long"


def test_statuses_match_the_enum() -> None:
    enum = list(OPERATION.output_shape.members["uploadStatus"].enum)
    assert list(models.UPLOAD_STATUSES) == enum == list(get_args(models.UploadStatus))


def test_wire_constants_match_the_service_model() -> None:
    assert set(SERVICE.operation_names) == OPERATIONS
    assert SERVICE.metadata["targetPrefix"] + "." == TARGET_PREFIX
    assert SERVICE.metadata["jsonVersion"] == "1.1"
    assert OPERATION.input_shape.members["uploadId"].metadata["max"] == UPLOAD_ID_MAX


def test_documented_errors_match_the_model() -> None:
    assert [shape.name for shape in OPERATION.error_shapes] == list(service.UPLOAD_ERRORS)
    assert OPERATION.deprecated
    assert {shape.name for shape in UPLOAD.error_shapes} < set(service.UPLOAD_ERRORS)
    every = {
        shape.name: shape for name in SERVICE.operation_names for shape in SERVICE.operation_model(name).error_shapes
    }
    assert sorted(every) == sorted(DOCUMENTED_ERRORS)
    assert [shape.metadata.get("error", {}).get("httpStatusCode") for shape in every.values()] == [None] * 7


def test_the_operations_add_response_answers_are_every_other_one_and_their_names_as_typed() -> None:
    import botocore

    assert list(service.ANSWERED_OPERATIONS) == sorted(set(SERVICE.operation_names) - set(service.STUBBED_OPERATIONS))
    assert list(get_args(OperationApiName)) == list(service.ANSWERED_OPERATIONS)
    methods = [botocore.xform_name(name) for name in service.ANSWERED_OPERATIONS]
    assert list(get_args(OperationMethodName)) == methods == list(map(method_name, service.ANSWERED_OPERATIONS))


def test_the_service_names_match_the_model() -> None:
    assert SERVICE.endpoint_prefix == SERVICE.signing_name == service.SERVICE_NAME
    assert SERVICE.service_id.hyphenize() == service.SERVICE_NAME  # botocore's event name
    assert f"application/x-amz-json-{SERVICE.metadata['jsonVersion']}" == service.CONTENT_TYPE
    assert set(service.STUBBED_OPERATIONS) <= OPERATIONS
    assert OPERATION.output_shape.members["namespaceVersion"].type_name == "long"
    assert (service.VERSION_MIN, service.VERSION_MAX) == (-(2**63), 2**63 - 1)

"""The pydantic models and the wire constants stay in step with botocore's service model."""

from __future__ import annotations

from typing import Any, get_args

import botocore.session
import pytest
from pydantic import BaseModel

from pytest_thingsgraph import models
from pytest_thingsgraph._errors import DOCUMENTED_ERRORS
from pytest_thingsgraph._wire import OPERATIONS, TARGET_PREFIX, UPLOAD_ID_MAX

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


@pytest.mark.parametrize(
    ("model", "shape"),
    [
        (models.GetUploadStatusRequest, OPERATION.input_shape),
        (models.GetUploadStatusResponse, OPERATION.output_shape),
        (models.UploadEntityDefinitionsRequest, UPLOAD.input_shape),
        (models.DefinitionDocument, UPLOAD.input_shape.members["document"]),
        (models.UploadEntityDefinitionsResponse, UPLOAD.output_shape),
    ],
    ids=["request", "response", "upload-request", "upload-document", "upload-response"],
)
def test_models_match_botocore_shapes(model: type[BaseModel], shape: Any) -> None:
    assert describe_model(model) == describe_shape(shape)


def test_models_forbid_unknown_members_and_coercion() -> None:
    for model in (
        models.GetUploadStatusRequest,
        models.GetUploadStatusResponse,
        models.UploadEntityDefinitionsRequest,
        models.DefinitionDocument,
        models.UploadEntityDefinitionsResponse,
    ):
        assert model.model_config.get("extra") == "forbid"
        assert model.model_config.get("strict") is True


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


def test_documented_errors_match_the_operation() -> None:
    assert [shape.name for shape in OPERATION.error_shapes] == list(DOCUMENTED_ERRORS)
    assert OPERATION.deprecated

"""Requests of every operation add_response answers, checked on the wire against botocore's model.

A member of the wrong JSON type is the service's SerializationException; a
broken constraint (required, unknown, length, value, enum, pattern) is one
violation of its InvalidRequestException, both sides of each limit. Clients
with botocore's own validation off send what the service would have refused.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers import SYSTEM_URN, example_answer, example_request, make_client, signed_wire

from pytest_thingsgraph import _patterns, mock_thingsgraph
from pytest_thingsgraph._service import ANSWERED_OPERATIONS, TARGET_PREFIX

URN_PATTERN = (
    r"^urn:tdm:(([a-z]{2}-(gov-)?[a-z]{4,9}-[0-9]{1,3}/[0-9]+/)*[\p{Alnum}_]+(/[\p{Alnum}_]+)*):([\p{Alpha}]*):"
    r"([\p{Alnum}_]+(/[\p{Alnum}_]+)*)$"
)
ARN = "arn:aws:iotthingsgraph:us-east-1:123456789012:System/default/Lamps"


def sent(operation: str, document: Any) -> tuple[int, dict[str, Any]]:
    """The status and JSON answer of one signed request of ``operation`` with body ``document``."""
    with mock_thingsgraph(allow_invalid_requests=True, assert_all_consumed=False) as stub:
        stub.add_response(operation, example_answer(operation))
        body = json.dumps(document, default=lambda instant: instant.timestamp()).encode()  # as botocore sends them
        response = stub.answer(signed_wire(body, target=TARGET_PREFIX + operation))
        [call] = stub.calls
    answer = json.loads(response.body)
    assert (call.operation, call.status_code, call.error_code) == (
        operation,
        response.status_code,
        answer.get("__type"),
    )
    return response.status_code, answer


def refused(operation: str, document: Any) -> str:
    """The message of the InvalidRequestException a request gets."""
    status, answer = sent(operation, document)
    assert (status, answer["__type"]) == (400, "InvalidRequestException"), answer
    message: str = answer["message"]
    return message


def one_violation(value: str, path: str, rule: str) -> str:
    return f"1 validation error detected: Value {value} at '{path}' failed to satisfy constraint: Member must {rule}"


@pytest.mark.parametrize("operation", ANSWERED_OPERATIONS)
def test_every_operation_accepts_its_valid_requests(operation: str) -> None:
    for every_member in (False, True):
        status, answer = sent(operation, example_request(operation, every_member=every_member))
        assert (status, answer) == (
            200,
            json.loads(json.dumps(example_answer(operation), default=lambda instant: instant.timestamp())),
        )


@pytest.mark.parametrize("operation", ANSWERED_OPERATIONS)
def test_every_operation_refuses_members_it_does_not_have(operation: str) -> None:
    message = refused(operation, {**example_request(operation), "uploadId": "u"})

    assert message.startswith(f"1 validation error detected: Member 'uploadId' is not part of {operation}Request: ")


@pytest.mark.parametrize("operation", [operation for operation in ANSWERED_OPERATIONS if example_request(operation)])
def test_every_required_member_is_required(operation: str) -> None:
    request = example_request(operation)

    message = refused(operation, {})

    assert message == (
        f"{len(request)} validation error{'s' if len(request) > 1 else ''} detected: "
        + "; ".join(f"Value null at '{name}' failed to satisfy constraint: Member must not be null" for name in request)
    )


@pytest.mark.parametrize(
    ("operation", "document", "message"),
    [
        ("GetSystemInstance", {"id": 5}, "Value 5 at 'id' is a number: send a JSON string."),
        (
            "SearchEntities",
            {"entityTypes": "DEVICE"},
            "Value \"DEVICE\" at 'entityTypes' is a string: send a JSON array.",
        ),
        (
            "SearchEntities",
            {"entityTypes": ["DEVICE"], "maxResults": 5.5},
            "Value 5.5 at 'maxResults' is a number: send a JSON integer.",
        ),
        (
            "SearchEntities",
            {"entityTypes": ["DEVICE"], "maxResults": True},
            "Value true at 'maxResults' is a boolean: send a JSON integer.",
        ),
        (
            "CreateSystemInstance",
            {"definition": [], "target": "CLOUD"},
            "Value [] at 'definition' is an array: send a JSON object.",
        ),
        ("DeleteNamespace", [], "Request body must be a JSON object, not an array."),
        (
            "SearchFlowExecutions",
            {"systemInstanceId": SYSTEM_URN, "startTime": "2024-01-01"},
            "Value \"2024-01-01\" at 'startTime' is a string: send a JSON number (epoch seconds).",
        ),
        (
            "CreateFlowTemplate",
            {"definition": {"language": "GRAPHQL", "text": "{}"}, "compatibleNamespaceVersion": "1"},
            "Value \"1\" at 'compatibleNamespaceVersion' is a string: send a JSON integer.",
        ),
        (
            "TagResource",
            {"resourceArn": ARN, "tags": [{"key": "team", "value": ["a"]}]},
            "Value [\"a\"] at 'tags[0].value' is an array: send a JSON string.",
        ),
    ],
)
def test_a_member_of_the_wrong_json_type_is_a_serialization_exception(
    operation: str, document: Any, message: str
) -> None:
    status, answer = sent(operation, document)

    assert (status, answer) == (400, {"__type": "SerializationException", "message": message})


@pytest.mark.parametrize(
    ("operation", "document", "violation"),
    [
        (
            "SearchEntities",
            {"entityTypes": ["DEVICE"], "maxResults": 0},
            ("'0'", "maxResults", "have value greater than or equal to 1"),
        ),
        (
            "SearchEntities",
            {"entityTypes": ["DEVICE"], "maxResults": 251},
            ("'251'", "maxResults", "have value less than or equal to 250"),
        ),
        (
            "UntagResource",
            {"resourceArn": ARN, "tagKeys": []},
            ("'[]'", "tagKeys", "have length greater than or equal to 1"),
        ),
        (
            "UntagResource",
            {"resourceArn": ARN, "tagKeys": ["k"] * 51},
            ("'" + json.dumps(["k"] * 51)[:59] + "…'", "tagKeys", "have length less than or equal to 50"),
        ),
        ("ListTagsForResource", {"resourceArn": ""}, ("''", "resourceArn", "have length greater than or equal to 1")),
        (
            "CreateSystemInstance",
            {"definition": {"language": "GRAPHQL", "text": ""}, "target": "cloud"},
            ("'cloud'", "target", "satisfy enum value set: [GREENGRASS, CLOUD]"),
        ),
        (
            "CreateSystemInstance",
            {"definition": {"language": "GRAPHQL", "text": ""}, "target": "CLOUD", "flowActionsRoleArn": "a" * 19},
            ("'aaaaaaaaaaaaaaaaaaa'", "flowActionsRoleArn", "have length greater than or equal to 20"),
        ),
        (
            "GetSystemInstance",
            {"id": "urn:tdm:aws/examples:System:Lämps"},
            ("'urn:tdm:aws/examples:System:Lämps'", "id", f"satisfy regular expression pattern: {URN_PATTERN}"),
        ),
        (
            "SearchThings",
            {"entityId": SYSTEM_URN[:-1] + "/"},
            (repr(SYSTEM_URN[:-1] + "/"), "entityId", f"satisfy regular expression pattern: {URN_PATTERN}"),
        ),
        (
            "AssociateEntityToThing",
            {"thingName": "!!!", "entityId": SYSTEM_URN},
            ("'!!!'", "thingName", "satisfy regular expression pattern: [a-zA-Z0-9:_-]+"),
        ),
        (
            "UntagResource",
            {"resourceArn": ARN, "tagKeys": ["team!"]},
            (
                "'team!'",
                "tagKeys[0]",
                "satisfy regular "
                r"expression pattern: ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$",
            ),
        ),
        (
            "TagResource",
            {"resourceArn": ARN, "tags": [{"key": "team", "value": "v" * 257}]},
            (repr("v" * 257)[:59] + "… (257 characters)", "tags[0].value", "have length less than or equal to 256"),
        ),
    ],
)
def test_a_broken_constraint_is_an_invalid_request_exception(
    operation: str, document: Any, violation: tuple[str, str, str]
) -> None:
    assert refused(operation, document) == one_violation(*violation)


@pytest.mark.parametrize(
    ("operation", "document"),
    [
        ("SearchEntities", {"entityTypes": ["DEVICE"], "maxResults": 1}),
        ("SearchEntities", {"entityTypes": ["DEVICE"], "maxResults": 250}),
        ("UntagResource", {"resourceArn": ARN, "tagKeys": ["k"] * 50}),
        ("UntagResource", {"resourceArn": "a", "tagKeys": ["é Ω ٣ _.:/=+-@", "k"]}),  # Unicode letters, spaces, numbers
        ("GetSystemInstance", {"id": "urn:tdm:" + "a" * 139 + ":System:Lamps"}),  # 160 characters: Urn's maximum
        ("AssociateEntityToThing", {"thingName": "lamp 1!", "entityId": SYSTEM_URN}),  # unanchored: holds a match
        (
            "CreateSystemInstance",
            {"definition": {"language": "GRAPHQL", "text": ""}, "target": "CLOUD", "flowActionsRoleArn": "a" * 20},
        ),
        ("SearchFlowExecutions", {"systemInstanceId": SYSTEM_URN, "startTime": 1.5e9, "endTime": 1700000000}),
        ("DeleteNamespace", {}),
        ("DescribeNamespace", {"namespaceName": None}),  # null is an absent member, as the service reads it
    ],
)
def test_requests_at_the_limits_are_answered(operation: str, document: Any) -> None:
    assert sent(operation, document)[0] == 200


def test_a_request_over_a_limit_at_161_characters_is_refused() -> None:
    message = refused("GetSystemInstance", {"id": "urn:tdm:" + "a" * 140 + ":System:Lamps"})

    assert message.endswith(
        "… (161 characters) at 'id' failed to satisfy constraint: Member must have length less than or equal to 160"
    )


def test_a_client_without_botocores_validation_gets_the_services_error_and_the_test_fails() -> None:
    from pytest_thingsgraph import StubError

    client = make_client(parameter_validation=False)
    with (
        pytest.raises(StubError) as at_exit,
        mock_thingsgraph(),
        pytest.raises(client.exceptions.InvalidRequestException) as caught,
    ):
        client.search_entities(entityTypes=["DEVICES"], maxResults=0)

    assert caught.value.response["Error"]["Message"] == (
        "2 validation errors detected: Value 'DEVICES' at 'entityTypes[0]' failed to satisfy constraint: Member "
        "must satisfy enum value set: [DEVICE, SERVICE, DEVICE_MODEL, CAPABILITY, STATE, ACTION, EVENT, PROPERTY, "
        "MAPPING, ENUM]; Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than "
        "or equal to 1"
    )
    assert str(at_exit.value).startswith(
        "These requests were invalid and were answered with the service's error:\n"
        "- request 1 (SearchEntities in us-east-1): InvalidRequestException: 2 validation errors detected: "
    )


def test_a_call_whose_body_is_not_json_is_listed_without_a_subject() -> None:
    with mock_thingsgraph(allow_invalid_requests=True) as stub:
        response = stub.answer(signed_wire(b'{"id": ', target=TARGET_PREFIX + "GetSystemInstance"))

        assert (response.status_code, json.loads(response.body)["__type"]) == (400, "SerializationException")
        assert stub.calls_report() == "   1 GetSystemInstance - us-east-1 400 SerializationException"


@pytest.mark.parametrize(
    ("java", "translated"),
    [
        (r"^\p{Alpha}\p{Digit}$", "^[a-zA-Z][0-9]$"),  # a POSIX class on its own is a class
        (r"^[\p{Alnum}_]+$", "^[a-zA-Z0-9_]+$"),  # inside a class: its ranges
        (r"[a-z]\p{Digit}", "[a-z][0-9]"),  # after a class is closed: a class again
        (r"[[a-f]\p{Digit}]", "[[a-f]0-9]"),  # inside a class that holds another
        (r"[\-\]\p{Punct}]\p{XDigit}", r"[\-\]!-/:-@\[-`{-~][0-9a-fA-F]"),  # escaped brackets open and close nothing
        (r"\[\p{Lower}\]", r"\[[a-z]\]"),
        (r"x]\p{Upper}", "x][A-Z]"),  # a lone ] closes nothing
        (r"^[a-zA-Z0-9:_-]+$", "^[a-zA-Z0-9:_-]+$"),  # no POSIX class: as written
    ],
)
def test_javas_posix_classes_are_read_as_ascii_inside_and_outside_a_class(java: str, translated: str) -> None:
    assert _patterns.translate(java) == translated


@pytest.mark.parametrize(
    ("java", "fits", "does_not_fit"),
    [
        (r"^\p{Alpha}\p{Digit}$", ["a1", "Z9"], ["1a", "é1", "a\u0661"]),
        (r"^[\p{Alnum}_]+$", ["a_1"], ["a-1", "Lämps"]),
    ],
)
def test_a_posix_class_fits_only_its_ascii_characters(java: str, fits: list[str], does_not_fit: list[str]) -> None:
    assert [value for value in fits if _patterns.fits(java, value)] == fits
    assert [value for value in does_not_fit if _patterns.fits(java, value)] == []


def test_a_member_of_a_request_without_members_and_a_nested_null_are_named_whole() -> None:
    assert refused("DeleteNamespace", {"namespaceName": "acme"}) == (
        "1 validation error detected: Member 'namespaceName' is not part of DeleteNamespaceRequest: send nothing"
    )
    assert refused("CreateFlowTemplate", {"definition": {"language": "GRAPHQL"}}) == (
        "1 validation error detected: Value null at 'definition.text' failed to satisfy constraint: "
        "Member must not be null"
    )

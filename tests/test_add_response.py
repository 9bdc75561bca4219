"""add_response: the answers of every operation but the two upload ones, chosen by match=, held to expected=.

Each HTTP attempt takes the first answer queued for its operation whose match
fits; answers are checked against botocore's model when added; a call nothing
fits is a StubError listing why each answer did not fit; answers never taken,
and calls that differ from expected=, fail the test at teardown.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import pickle
import sys
import threading
import unittest.mock
from typing import Any

import pytest
from helpers import EXAMPLE_TIME, SYSTEM_URN, example_answer, example_request, make_client

from pytest_thingsgraph import ANY, ServiceError, StubError, ThingsGraphStub, UsageError, _shapes, mock_thingsgraph
from pytest_thingsgraph._model import method_name
from pytest_thingsgraph._service import ANSWERED_OPERATIONS

OTHER_URN = "urn:tdm:us-east-1/123456789012/default:System:Doors"


def instance(urn: str, status: str) -> dict[str, Any]:
    """A GetSystemInstance answer: the instance's summary with its deployment status."""
    return {"description": {"summary": {"id": urn, "status": status, "createdAt": EXAMPLE_TIME}}}


def status_of(response: dict[str, Any]) -> str:
    status: str = response["description"]["summary"]["status"]
    return status


# Naming the operation


@pytest.mark.parametrize("name", ["GetSystemInstance", "get_system_instance"])
def test_the_api_name_and_the_clients_method_name_both_name_the_operation(
    thingsgraph_stub: ThingsGraphStub, name: Any
) -> None:
    thingsgraph_stub.add_response(name, instance(SYSTEM_URN, "DEPLOYED_IN_TARGET"))

    response = make_client().get_system_instance(id=SYSTEM_URN)

    assert status_of(response) == "DEPLOYED_IN_TARGET"
    assert [call.operation for call in thingsgraph_stub.calls] == ["GetSystemInstance"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "SearchEntity",
            "add_response('SearchEntity'): 'SearchEntity' is not a Things Graph operation add_response answers: "
            "name it as the API does ('SearchEntities') or as the client's method ('search_entities'). "
            "Did you mean 'SearchEntities'?",
        ),
        (
            "get_system_instances",
            "add_response('get_system_instances'): 'get_system_instances' is not a Things Graph operation "
            "add_response answers: name it as the API does ('SearchEntities') or as the client's method "
            "('search_entities'). Did you mean 'get_system_instance'?",
        ),
        (
            "Frobnicate",
            "add_response('Frobnicate'): 'Frobnicate' is not a Things Graph operation add_response answers: name it "
            "as the API does ('SearchEntities') or as the client's method ('search_entities').",
        ),
        (
            3,
            "add_response(3): 3 is not a Things Graph operation add_response answers: name it as the API does "
            "('SearchEntities') or as the client's method ('search_entities').",
        ),
        (
            "GetUploadStatus",
            "add_response('GetUploadStatus'): GetUploadStatus is scripted with stub.add_upload(upload_id, script), "
            "not add_response: use that method.",
        ),
        (
            "upload_entity_definitions",
            "add_response('upload_entity_definitions'): UploadEntityDefinitions is scripted with "
            "stub.on_upload_entity_definitions(...), not add_response: use that method.",
        ),
    ],
)
def test_an_unknown_or_upload_operation_is_refused_with_what_to_use(name: Any, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        ThingsGraphStub().add_response(name, {})

    assert str(caught.value) == message


# Answers checked against the model when added


@pytest.mark.parametrize(
    ("operation", "answer", "message"),
    [
        (
            "SearchEntities",
            {"descriptions": [{"type": "DEVICES"}]},
            "descriptions[0].type is 'DEVICES', not one of DEVICE, SERVICE, DEVICE_MODEL, CAPABILITY, STATE, "
            "ACTION, EVENT, PROPERTY, MAPPING, ENUM",
        ),
        (
            "SearchEntities",
            {"descriptions": [{"id": SYSTEM_URN, "arn": 5}]},
            "descriptions[0].arn is 5: pass a str",
        ),
        (
            "SearchEntities",
            {"description": []},
            "description is not a member of SearchEntitiesResponse: use descriptions, nextToken",
        ),
        (
            "SearchEntities",
            {"descriptions": {"id": SYSTEM_URN}},
            "descriptions is {'id': 'urn:tdm:us-east-1/123456789012/default:System:Lamps…: pass a list",
        ),
        (
            "GetSystemInstance",
            {"description": {"summary": {"id": "urn:tdm:aws/examples:System:Lämps"}}},
            "description.summary.id is 'urn:tdm:aws/examples:System:Lämps', which does not match Urn's pattern "
            r"^urn:tdm:(([a-z]{2}-(gov-)?[a-z]{4,9}-[0-9]{1,3}/[0-9]+/)*[\p{Alnum}_]+(/[\p{Alnum}_]+)*):"
            r"([\p{Alpha}]*):([\p{Alnum}_]+(/[\p{Alnum}_]+)*)$",
        ),
        (
            "GetSystemInstance",
            {"description": {"summary": {"id": "urn:tdm:aws/examples:System:" + "L" * 133}}},
            "description.summary.id has 161 characters: Urn allows at most 160",
        ),
        (
            "ListTagsForResource",
            {"tags": [{"key": "team"}]},
            "tags[0].value is missing: Tag requires it",
        ),
        (
            "ListTagsForResource",
            {"tags": [{"key": "team", "value": ""}]},
            "tags[0].value has 0 characters: TagValue needs at least 1",
        ),
        (
            "ListTagsForResource",
            {"tags": [{"key": "team", "value": "v" * 257}]},
            "tags[0].value has 257 characters: TagValue allows at most 256",
        ),
        (
            "ListTagsForResource",
            {"tags": [{"key": f"k{index}", "value": "v"} for index in range(51)]},
            "tags has 51 items: TagList allows at most 50",
        ),
        (
            "ListTagsForResource",
            {"tags": [{"key": "team!", "value": "v"}]},
            r"tags[0].key is 'team!', which does not match TagKey's pattern ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$",
        ),
        (
            "DeploySystemInstance",
            {"greengrassDeploymentId": "d-1"},
            "summary is missing: DeploySystemInstanceResponse requires it",
        ),
        (
            "GetSystemInstance",
            {"description": {"summary": {"createdAt": dt.datetime(2024, 1, 1)}}},  # naive: the point
            "description.summary.createdAt is datetime.datetime(2024, 1, 1, 0, 0): pass a datetime with a "
            "timezone, such as datetime.now(timezone.utc)",
        ),
        (
            "GetSystemInstance",
            {"description": {"summary": {"createdAt": dt.datetime(2200, 1, 1, tzinfo=dt.timezone.utc)}}},
            "description.summary.createdAt is datetime.datetime(2200, 1, 1, 0, 0, tzinfo=datetime.timezone.utc), "
            "outside 1970-2199: botocore reads timestamps as float epoch seconds, exact to the microsecond only "
            "there; pass a date in that range",
        ),
        (
            "GetFlowTemplate",
            {"description": {"summary": {"revisionNumber": 2**63}}},
            "description.summary.revisionNumber is 9223372036854775808: Version is from -9223372036854775808 to "
            "9223372036854775807",
        ),
        (
            "GetFlowTemplate",
            {"description": {"summary": {"revisionNumber": True}}},
            "description.summary.revisionNumber is True: pass an int",
        ),
        (
            "GetFlowTemplate",
            {"description": {"summary": {"id": "urn:tdm:aws/examples:Workflow:\ud800"}}},
            "description.summary.id is 'urn:tdm:aws/examples:Workflow:\\ud800', which has a lone surrogate no "
            "UTF-8 JSON can carry: pass text",
        ),
        (
            "GetSystemInstance",
            {"description": {"metricsConfiguration": {"cloudMetricEnabled": "yes"}}},
            "description.metricsConfiguration.cloudMetricEnabled is 'yes': pass True or False",
        ),
        (
            "GetSystemInstance",
            {"description": {"metricsConfiguration": {"cloudMetricEnabled": 1}}},
            "description.metricsConfiguration.cloudMetricEnabled is 1: pass True or False",
        ),
        (
            "DeleteNamespace",
            ["namespaceArn"],
            "the answer is ['namespaceArn']: pass a dict of DeleteNamespaceResponse members",
        ),
        (
            "DeleteFlowTemplate",
            {"deleted": True},
            "deleted is not a member of DeleteFlowTemplateResponse: use no members",
        ),
    ],
)
def test_an_answer_the_service_could_never_send_is_refused_naming_the_path(
    operation: Any, answer: Any, message: str
) -> None:
    with pytest.raises(UsageError) as caught:
        ThingsGraphStub().add_response(operation, answer)

    assert str(caught.value) == f"add_response({operation!r}): {message}."


@pytest.mark.parametrize(
    "answer",
    [
        {"tags": [{"key": f"k{index}", "value": "v" * 256} for index in range(50)]},  # both at their maximum
        {"tags": [{"key": "é Ω 5_.:/=+-@", "value": "v"}]},  # TagKey's Unicode letters, spaces and numbers
        {"tags": [], "ResponseMetadata": {"HTTPStatusCode": 200}},  # as boto3 returned it
    ],
)
def test_an_answer_at_the_limits_comes_back_as_it_was_added(thingsgraph_stub: ThingsGraphStub, answer: Any) -> None:
    thingsgraph_stub.add_response("ListTagsForResource", answer)

    response = make_client().list_tags_for_resource(resourceArn="arn:aws:iotthingsgraph:us-east-1:1:System/a")

    assert response["tags"] == answer["tags"]


def test_timestamps_come_back_as_the_same_instants(thingsgraph_stub: ThingsGraphStub) -> None:
    instants = [
        dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc),
        dt.datetime(2199, 12, 31, 23, 59, 59, 999999, tzinfo=dt.timezone.utc),
        dt.datetime(2024, 6, 1, 12, 0, 0, 1, tzinfo=dt.timezone(dt.timedelta(hours=-7))),
    ]
    for instant in instants:
        thingsgraph_stub.add_response("GetSystemInstance", {"description": {"summary": {"createdAt": instant}}})
    client = make_client()

    answered = [client.get_system_instance(id=SYSTEM_URN)["description"]["summary"]["createdAt"] for _ in instants]

    assert answered == instants


# Errors


def test_a_documented_error_is_raised_with_the_status_the_service_sent(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_response("DeleteFlowTemplate", ServiceError("ResourceInUseException", "In use by Lamps"))
    client = make_client()

    with pytest.raises(client.exceptions.ResourceInUseException) as caught:
        client.delete_flow_template(id="urn:tdm:aws/examples:Workflow:Flow")

    assert caught.value.response["Error"] == {"Code": "ResourceInUseException", "Message": "In use by Lamps"}
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert thingsgraph_stub.calls_report().endswith("400 ResourceInUseException")


def test_an_error_the_model_does_not_list_for_the_operation_is_refused() -> None:
    with pytest.raises(UsageError) as caught:
        ThingsGraphStub().add_response("GetFlowTemplate", ServiceError("ResourceInUseException"))

    assert str(caught.value) == (
        "add_response('GetFlowTemplate'): GetFlowTemplate never answered ResourceInUseException: its documented "
        "errors are InvalidRequestException, ThrottlingException, InternalFailureException, "
        "ResourceNotFoundException. Script one of them (an error the model does not list needs status_code=)."
    )


def test_an_error_of_no_model_with_its_status_is_answered(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_response("GetFlowTemplate", ServiceError("AccessDeniedException", "No", status_code=403))
    client = make_client()

    with pytest.raises(client.exceptions.ClientError) as caught:
        client.get_flow_template(id="urn:tdm:aws/examples:Workflow:Flow")

    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_each_attempt_takes_one_answer_so_the_clients_retries_meet_the_script(
    thingsgraph_stub: ThingsGraphStub,
) -> None:
    thingsgraph_stub.add_response("GetSystemInstance", ServiceError("ThrottlingException", "Rate exceeded"))
    thingsgraph_stub.add_response("GetSystemInstance", ServiceError("InternalFailureException"))
    thingsgraph_stub.add_response("GetSystemInstance", instance(SYSTEM_URN, "DEPLOYED_IN_TARGET"))

    response = make_client(attempts=3).get_system_instance(id=SYSTEM_URN)

    assert status_of(response) == "DEPLOYED_IN_TARGET"
    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert [call.status_code for call in thingsgraph_stub.calls] == [400, 500, 200]
    assert len(thingsgraph_stub.retry_delays) == 2  # asked for, not waited


# match=: which answer a call takes


def test_two_systems_polled_in_turn_each_follow_their_own_answers(thingsgraph_stub: ThingsGraphStub) -> None:
    for urn in (SYSTEM_URN, OTHER_URN):
        for status in ("DEPLOY_IN_PROGRESS", "DEPLOYED_IN_TARGET"):
            thingsgraph_stub.add_response("GetSystemInstance", instance(urn, status), match={"id": urn})
    client = make_client()

    polled = [status_of(client.get_system_instance(id=urn)) for urn in (OTHER_URN, SYSTEM_URN, SYSTEM_URN, OTHER_URN)]

    assert polled == ["DEPLOY_IN_PROGRESS", "DEPLOY_IN_PROGRESS", "DEPLOYED_IN_TARGET", "DEPLOYED_IN_TARGET"]


def test_the_first_answer_added_that_fits_is_taken_and_no_match_fits_every_request(
    thingsgraph_stub: ThingsGraphStub,
) -> None:
    thingsgraph_stub.add_response("SearchEntities", {"nextToken": "devices"}, match={"entityTypes": ["DEVICE"]})
    thingsgraph_stub.add_response("SearchEntities", {"nextToken": "any-1"})
    thingsgraph_stub.add_response("SearchEntities", {"nextToken": "any-2"})
    client = make_client()

    tokens = [
        client.search_entities(entityTypes=["SERVICE"])["nextToken"],
        client.search_entities(entityTypes=["DEVICE"])["nextToken"],
        client.search_entities(entityTypes=["DEVICE"])["nextToken"],
    ]

    assert tokens == ["any-1", "devices", "any-2"]


def test_nested_matches_and_any_fit_a_member_with_any_value_but_not_one_that_is_missing(
    thingsgraph_stub: ThingsGraphStub,
) -> None:
    filtered = {"filters": [{"name": "NAMESPACE", "value": ANY}], "namespaceVersion": unittest.mock.ANY}
    thingsgraph_stub.add_response("SearchEntities", {"nextToken": "filtered"}, match=filtered)
    thingsgraph_stub.add_response("SearchEntities", {"nextToken": "versioned"}, match={"namespaceVersion": ANY})
    thingsgraph_stub.add_response("SearchEntities", {"nextToken": "plain"})
    client = make_client()

    tokens = [
        client.search_entities(entityTypes=["DEVICE"])["nextToken"],
        client.search_entities(entityTypes=["DEVICE"], namespaceVersion=0)["nextToken"],
        client.search_entities(
            entityTypes=["DEVICE"], namespaceVersion=3, filters=[{"name": "NAMESPACE", "value": ["acme"]}]
        )["nextToken"],
    ]

    assert tokens == ["plain", "versioned", "filtered"]


def test_none_in_match_fits_an_absent_member_and_the_others_are_still_checked(
    thingsgraph_stub: ThingsGraphStub,
) -> None:
    thingsgraph_stub.add_response("SearchEntities", {"nextToken": "wrong"}, match={"nextToken": None, "maxResults": 9})
    thingsgraph_stub.add_response("SearchEntities", {"nextToken": "right"}, match={"nextToken": None, "maxResults": 5})

    answer = make_client().search_entities(entityTypes=["DEVICE"], maxResults=5)

    assert answer["nextToken"] == "right"
    thingsgraph_stub.reset()  # the other answer is left on purpose


def test_none_in_match_does_not_fit_a_request_that_carries_the_member_at_any_depth(
    thingsgraph_stub: ThingsGraphStub,
) -> None:
    thingsgraph_stub.add_response("SearchEntities", {"nextToken": "unversioned"}, match={"namespaceVersion": None})
    thingsgraph_stub.add_response(
        "SearchEntities", {"nextToken": "no value"}, match={"filters": [{"name": "NAMESPACE", "value": None}]}
    )
    client = make_client()

    with pytest.raises(StubError) as caught:
        client.search_entities(
            entityTypes=["DEVICE"], namespaceVersion=3, filters=[{"name": "NAMESPACE", "value": ["acme"]}]
        )

    assert str(caught.value) == (
        "No answer queued for SearchEntities fits request 1: answer 1 (match={'namespaceVersion': None}): "
        "namespaceVersion is 3, not null; answer 2 (match={'filters': [{'name': 'NAMESPACE', 'value': None}]}): "
        'filters[0].value is ["acme"], not null. Give one a match= that fits this request, or add one with '
        "stub.add_response('SearchEntities', {...}) (thingsgraph-server: POST /_thingsgraph/responses, or a script "
        'file\'s "responses").'
    )
    thingsgraph_stub.reset()  # the stub error and the answers left are this test's point


@pytest.mark.parametrize("any_value", [ANY, unittest.mock.ANY], ids=["ANY", "unittest.mock.ANY"])
@pytest.mark.parametrize("enabled", [True, False])
def test_any_fits_a_boolean_member(thingsgraph_stub: ThingsGraphStub, any_value: Any, enabled: bool) -> None:
    thingsgraph_stub.add_response(
        "CreateSystemInstance",
        {"summary": {"id": SYSTEM_URN}},
        match={"metricsConfiguration": {"cloudMetricEnabled": any_value}},
    )

    response = make_client().create_system_instance(
        definition={"language": "GRAPHQL", "text": "{}"},
        target="CLOUD",
        metricsConfiguration={"cloudMetricEnabled": enabled},
    )

    assert response["summary"]["id"] == SYSTEM_URN


def test_match_chooses_the_answer_where_unittest_mock_was_never_imported(
    thingsgraph_stub: ThingsGraphStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sys.modules, "unittest.mock")
    thingsgraph_stub.add_response(
        "GetSystemInstance", instance(OTHER_URN, "DEPLOYED_IN_TARGET"), match={"id": OTHER_URN}
    )
    thingsgraph_stub.add_response("GetSystemInstance", instance(SYSTEM_URN, "NOT_DEPLOYED"), match={"id": ANY})

    response = make_client().get_system_instance(id=SYSTEM_URN)

    assert status_of(response) == "NOT_DEPLOYED"
    assert "unittest.mock" not in sys.modules
    thingsgraph_stub.reset()  # the other system's answer is left on purpose


def test_any_is_itself_once_copied_or_pickled() -> None:
    assert copy.deepcopy({"id": ANY})["id"] is ANY
    assert pickle.loads(pickle.dumps(ANY)) is ANY
    assert repr(ANY) == "ANY"


def test_a_call_no_answer_fits_is_a_stub_error_listing_each_answer_and_why(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_response(
        "GetSystemInstance", instance(OTHER_URN, "DEPLOYED_IN_TARGET"), match={"id": OTHER_URN}
    )
    thingsgraph_stub.add_response("SearchEntities", {}, match={"entityTypes": ["DEVICE"], "namespaceVersion": ANY})
    client = make_client()

    with pytest.raises(StubError) as on_id:
        client.get_system_instance(id=SYSTEM_URN)
    with pytest.raises(StubError) as on_missing:
        client.search_entities(entityTypes=["DEVICE"])

    assert str(on_id.value) == (
        "No answer queued for GetSystemInstance fits request 1, id='urn:tdm:us-east-1/123456789012/default:System:"
        "Lamps': answer 1 (match={'id': 'urn:tdm:us-east-1/123456789012/default:System:Doors'}): id is "
        '"urn:tdm:us-east-1/123456789012/default:System:Lamps", not "urn:tdm:us-east-1/123456789012/default:System:'
        "Doors\". Give one a match= that fits this request, or add one with stub.add_response('GetSystemInstance', "
        '{...}) (thingsgraph-server: POST /_thingsgraph/responses, or a script file\'s "responses").'
    )
    assert "answer 1 (match={'entityTypes': ['DEVICE'], 'namespaceVersion': ANY}): namespaceVersion is missing" in str(
        on_missing.value
    )
    thingsgraph_stub.reset()  # the stub errors and the answers left are this test's point


# expected=: what the call must carry


def test_a_call_that_differs_from_expected_is_answered_then_reported_side_by_side() -> None:
    with pytest.raises(StubError) as at_exit, mock_thingsgraph() as stub:
        stub.add_response(
            "CreateSystemInstance",
            {"summary": {"id": SYSTEM_URN}},
            expected={"target": "CLOUD", "definition": {"language": "GRAPHQL", "text": ANY}, "flowActionsRoleArn": ANY},
        )
        response = make_client().create_system_instance(
            definition={"language": "GRAPHQL", "text": "{}"}, target="GREENGRASS", greengrassGroupName="lamps"
        )
        assert response["summary"]["id"] == SYSTEM_URN

    assert str(at_exit.value) == (
        "These CreateSystemInstance calls did not carry what their answers expected:\n"
        '- request 1: target: expected "CLOUD", got "GREENGRASS"; flowActionsRoleArn: expected any value, got nothing\n'
        "Fix the code that sent them, or the expected= of add_response."
    )


def test_expected_names_nested_members_by_their_path_and_shows_long_values_cut() -> None:
    long_role = "arn:aws:iam::123456789012:role/things-graph-flow-actions-for-the-lamps"
    with pytest.raises(StubError) as at_exit, mock_thingsgraph() as stub:
        stub.add_response(
            "CreateSystemInstance",
            {"summary": {"id": SYSTEM_URN}},
            expected={
                "definition": {"language": "GRAPHQL", "text": "{ lamps }"},
                "metricsConfiguration": ANY,
                "tags": [{"key": "team", "value": ANY}],
                "flowActionsRoleArn": long_role,
            },
        )
        make_client().create_system_instance(
            definition={"language": "GRAPHQL", "text": "{ doors }"},
            target="CLOUD",
            metricsConfiguration={"cloudMetricEnabled": True},
        )

    assert len(json.dumps(long_role)) == 72
    assert str(at_exit.value) == (
        "These CreateSystemInstance calls did not carry what their answers expected:\n"
        '- request 1: definition.text: expected "{ lamps }", got "{ doors }"; '
        "tags: expected [{'key': 'team', 'value': ANY}], got nothing; "
        'flowActionsRoleArn: expected "arn:aws:iam::123456789012:role/things-graph-flow-actions-f…, got nothing\n'
        "Fix the code that sent them, or the expected= of add_response."
    )


def _botocore_sends(start: dt.datetime) -> Any:
    """The startTime this botocore puts on the wire: older botocore sends whole seconds, newer microseconds."""
    client = make_client()
    operation = client.meta.service_model.operation_model("SearchFlowExecutions")
    body = client._serializer.serialize_to_request({"systemInstanceId": SYSTEM_URN, "startTime": start}, operation)
    return json.loads(body["body"])["startTime"]


def test_a_timestamp_fits_the_same_instant_in_whatever_precision_botocore_sends(
    thingsgraph_stub: ThingsGraphStub,
) -> None:
    start = dt.datetime(2024, 3, 5, 7, 9, 11, 999999, tzinfo=dt.timezone.utc)
    later = start + dt.timedelta(seconds=1)
    thingsgraph_stub.add_response("SearchFlowExecutions", {"nextToken": "late"}, match={"startTime": start})
    thingsgraph_stub.add_response("SearchFlowExecutions", {"nextToken": "any"}, expected={"startTime": start})
    client = make_client()

    first = client.search_flow_executions(systemInstanceId=SYSTEM_URN, startTime=later)
    second = client.search_flow_executions(systemInstanceId=SYSTEM_URN, startTime=start)

    assert (first["nextToken"], second["nextToken"]) == ("any", "late")
    assert [call.request["startTime"] for call in thingsgraph_stub.calls] == [
        _botocore_sends(later),
        _botocore_sends(start),
    ]
    assert thingsgraph_stub.failures() == [
        "These SearchFlowExecutions calls did not carry what their answers expected:\n"
        f"- request 1: startTime: expected 1709622551.999999, got {_botocore_sends(later)}\n"
        "Fix the code that sent them, or the expected= of add_response."
    ]
    thingsgraph_stub.reset()  # the mismatch was the point


@pytest.mark.parametrize(
    ("sent", "fits"),
    [
        (1709622551.999999, True),  # newer botocore: microseconds
        (1709622551, True),  # older botocore: whole seconds
        (1709622551.999, True),  # the JavaScript SDK v3: milliseconds
        (1709622551.998, False),
        (1709622552, False),
        (1709622550, False),
    ],
)
def test_a_timestamp_in_match_fits_each_precision_of_the_same_instant(sent: float, fits: bool) -> None:
    assert _shapes.Seconds(1709622551.999999).fits(sent) is fits


@pytest.mark.parametrize(
    ("keyword", "value", "message"),
    [
        ("match", {"ids": SYSTEM_URN}, "match: ids is not a member of GetSystemInstanceRequest: use id"),
        ("expected", {"id": 5}, "expected: id is 5: pass a str"),
        ("expected", {"id": "lamps"}, "expected: id is 'lamps', which does not match Urn's pattern "),
        ("match", ["id"], "match=['id'] is not a dict of request members"),
    ],
)
def test_match_and_expected_are_checked_against_the_request_shape(keyword: str, value: Any, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        ThingsGraphStub().add_response("GetSystemInstance", {}, **{keyword: value})

    assert str(caught.value).startswith(f"add_response('GetSystemInstance'): {message}")


@pytest.mark.parametrize(
    ("max_results", "message"),
    [
        (0, "maxResults is 0: MaxResults is from 1 to 250"),
        (251, "maxResults is 251: MaxResults is from 1 to 250"),
    ],
)
def test_an_integer_in_match_outside_its_shapes_range_is_refused(max_results: int, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        ThingsGraphStub().add_response("SearchEntities", {}, match={"maxResults": max_results})

    assert str(caught.value) == f"add_response('SearchEntities'): match: {message}."


@pytest.mark.parametrize("max_results", [1, 250])
def test_an_integer_in_match_at_either_end_of_its_range_is_taken(
    thingsgraph_stub: ThingsGraphStub, max_results: int
) -> None:
    thingsgraph_stub.add_response("SearchEntities", {"nextToken": "edge"}, match={"maxResults": max_results})

    response = make_client().search_entities(entityTypes=["DEVICE"], maxResults=max_results)

    assert response["nextToken"] == "edge"


@pytest.mark.parametrize("sent", [True, False, "1", None, [1]])
def test_a_timestamp_in_match_fits_only_a_json_number(sent: Any) -> None:
    assert _shapes.Seconds(1.0).fits(1) is True
    assert _shapes.Seconds(1.0).fits(sent) is False


# Teardown and the calls report


def test_answers_never_taken_fail_the_test_unless_assert_all_consumed_is_off() -> None:
    with pytest.raises(StubError) as at_exit, mock_thingsgraph() as stub:
        stub.add_response("GetSystemInstance", instance(SYSTEM_URN, "DEPLOYED_IN_TARGET"), match={"id": SYSTEM_URN})
        stub.add_response("DeleteNamespace", ServiceError("ThrottlingException"))
    with mock_thingsgraph(assert_all_consumed=False) as quiet:
        quiet.add_response("DeleteNamespace", {})

    assert str(at_exit.value) == (
        "These DeleteNamespace answers were never taken:\n"
        "- answer 1: ServiceError('ThrottlingException')\n"
        "Make the calls that take them, or remove them; if some are optional, set assert_all_consumed=False "
        "(see 'Options and teardown' in the README of pytest-thingsgraph)\n"
        "\n"
        "These GetSystemInstance answers were never taken:\n"
        "- answer 1 (match={'id': 'urn:tdm:us-east-1/123456789012/default:System:Lamps'}): {'description': "
        "{'summary': {'id': 'urn:tdm:us-east-1/123456789012/default:System:Lamps', 'status':…\n"
        "Make the calls that take them, or remove them; if some are optional, set assert_all_consumed=False "
        "(see 'Options and teardown' in the README of pytest-thingsgraph)"
    )


def test_an_answer_never_taken_shows_its_match_cut_at_100_characters(thingsgraph_stub: ThingsGraphStub) -> None:
    urn = "urn:tdm:us-east-1/123456789012/default:System:" + "Lamps" * 12
    thingsgraph_stub.add_response("GetSystemInstance", {}, match={"id": urn})

    (section,) = thingsgraph_stub.failures()

    assert len(repr({"id": urn})) == 116
    assert section.splitlines()[1] == (
        "- answer 1 (match={'id': 'urn:tdm:us-east-1/123456789012/default:System:LampsLampsLampsLampsLampsLampsLamps"
        "LampsLamps…): {}"
    )
    thingsgraph_stub.reset()  # the answer left is this test's point


def test_the_calls_report_shows_each_calls_identifying_member_status_and_code(
    thingsgraph_stub: ThingsGraphStub,
) -> None:
    thingsgraph_stub.add_response("GetSystemInstance", instance(SYSTEM_URN, "DEPLOYED_IN_TARGET"))
    thingsgraph_stub.add_response("SearchEntities", ServiceError("ThrottlingException"))
    thingsgraph_stub.add_response("DeleteNamespace", example_answer("DeleteNamespace"))
    client = make_client()
    client.get_system_instance(id=SYSTEM_URN)
    with pytest.raises(client.exceptions.ThrottlingException):
        client.search_entities(entityTypes=["DEVICE"])
    client.delete_namespace()

    assert thingsgraph_stub.calls_report() == (
        "   1 GetSystemInstance 'urn:tdm:us-east-1/123456789012/default:System:Lamps' us-east-1 200 "
        "DEPLOYED_IN_TARGET\n"
        "   2 SearchEntities - us-east-1 400 ThrottlingException\n"
        "   3 DeleteNamespace - us-east-1 200"
    )


#: Each operation's line in the calls report: the request member it shows (the first string member but nextToken;
#: ``None``: the request has none, so the line shows ``-``) and the ``status`` its example answer carries, if any.
REPORT_LINES: dict[str, tuple[str | None, str | None]] = {
    "AssociateEntityToThing": ("thingName", None),
    "CreateFlowTemplate": (None, None),
    "CreateSystemInstance": ("target", "NOT_DEPLOYED"),
    "CreateSystemTemplate": (None, None),
    "DeleteFlowTemplate": ("id", None),
    "DeleteNamespace": (None, None),
    "DeleteSystemInstance": ("id", None),
    "DeleteSystemTemplate": ("id", None),
    "DeploySystemInstance": ("id", "NOT_DEPLOYED"),
    "DeprecateFlowTemplate": ("id", None),
    "DeprecateSystemTemplate": ("id", None),
    "DescribeNamespace": ("namespaceName", None),
    "DissociateEntityFromThing": ("thingName", None),
    "GetEntities": (None, None),
    "GetFlowTemplate": ("id", None),
    "GetFlowTemplateRevisions": ("id", None),
    "GetNamespaceDeletionStatus": (None, "IN_PROGRESS"),
    "GetSystemInstance": ("id", "NOT_DEPLOYED"),
    "GetSystemTemplate": ("id", None),
    "GetSystemTemplateRevisions": ("id", None),
    "ListFlowExecutionMessages": ("flowExecutionId", None),
    "ListTagsForResource": ("resourceArn", None),
    "SearchEntities": (None, None),
    "SearchFlowExecutions": ("systemInstanceId", None),
    "SearchFlowTemplates": (None, None),
    "SearchSystemInstances": (None, None),
    "SearchSystemTemplates": (None, None),
    "SearchThings": ("entityId", None),
    "TagResource": ("resourceArn", None),
    "UndeploySystemInstance": ("id", "NOT_DEPLOYED"),
    "UntagResource": ("resourceArn", None),
    "UpdateFlowTemplate": ("id", None),
    "UpdateSystemTemplate": ("id", None),
}


@pytest.mark.parametrize("operation", ANSWERED_OPERATIONS)
def test_every_operations_call_has_a_line_with_its_identifying_member_and_status(
    thingsgraph_stub: ThingsGraphStub, operation: str
) -> None:
    member, status = REPORT_LINES[operation]
    request = example_request(operation, every_member=True)
    thingsgraph_stub.add_response(operation, example_answer(operation))

    getattr(make_client(), method_name(operation))(**request)

    shown = repr(request[member]) if member else "-"
    assert thingsgraph_stub.calls_report() == f"   1 {operation} {shown} us-east-1 200" + (
        f" {status}" if status else ""
    )


def test_a_stopped_stub_refuses_answers_and_reset_forgets_them() -> None:
    with mock_thingsgraph() as stub:
        stub.add_response("DeleteNamespace", {})
        stub.reset()
    with pytest.raises(UsageError, match=r"^add_response\('DeleteNamespace'\): this stub has stopped"):
        stub.add_response("DeleteNamespace", {})


def test_threads_racing_for_answers_take_each_exactly_once(thingsgraph_stub: ThingsGraphStub) -> None:
    tokens = [f"token-{index}" for index in range(40)]
    for token in tokens:
        thingsgraph_stub.add_response("SearchThings", {"nextToken": token})
    client = make_client()
    taken: list[str] = []
    start = threading.Barrier(8)

    def poll() -> None:
        start.wait()
        for _ in range(5):
            taken.append(client.search_things(entityId=SYSTEM_URN)["nextToken"])

    threads = [threading.Thread(target=poll) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(taken) == sorted(tokens)
    assert thingsgraph_stub.failures() == []

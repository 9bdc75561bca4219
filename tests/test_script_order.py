"""Scripts: only orders the service can produce, and what boto3 returned pasted in as it is."""

from __future__ import annotations

import datetime as dt
import importlib
import os
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from botocore.exceptions import ClientError
from helpers import make_client

from pytest_thingsgraph import ScriptItem, ServiceError, ThingsGraphStub, UsageError, mock_thingsgraph

TESTS = Path(__file__).parent
ROOT = TESTS.parent


def after_terminal(where: str, number: int, label: str, final: str) -> str:
    return (
        f"{where}: script item {number} {label} comes after the upload ended {final}: "
        f"an upload that reached {final} stays {final}. End the script there, "
        "or give the upload a second script under another upload ID."
    )


REFUSED = [
    (["SUCCEEDED", "IN_PROGRESS"], 1, "'IN_PROGRESS'", "SUCCEEDED"),
    (["FAILED", "SUCCEEDED"], 1, "'SUCCEEDED'", "FAILED"),
    (["SUCCEEDED", {"uploadStatus": "FAILED"}], 1, "{'uploadStatus': 'FAILED'}", "SUCCEEDED"),
    (
        ["IN_PROGRESS", "FAILED", ServiceError("ThrottlingException"), "FAILED", "IN_PROGRESS"],
        4,
        "'IN_PROGRESS'",
        "FAILED",
    ),
    ([{"uploadStatus": "SUCCEEDED", "namespaceVersion": 2}, "FAILED"], 1, "'FAILED'", "SUCCEEDED"),
]
REFUSED_IDS = ["succeeded-in-progress", "failed-succeeded", "succeeded-dict-failed", "late-in-progress", "dict-first"]


@pytest.mark.parametrize(("script", "number", "label", "final"), REFUSED, ids=REFUSED_IDS)
def test_a_status_after_a_terminal_one_is_refused_at_add_time(
    thingsgraph_stub: ThingsGraphStub, script: list[ScriptItem], number: int, label: str, final: str
) -> None:
    with pytest.raises(UsageError) as caught:
        thingsgraph_stub.add_upload("u", script)

    assert str(caught.value) == after_terminal("add_upload('u')", number, label, final)
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"])  # the refused script left nothing behind
    assert make_client().get_upload_status(uploadId="u")["uploadStatus"] == "SUCCEEDED"


@pytest.mark.parametrize(("script", "number", "label", "final"), REFUSED, ids=REFUSED_IDS)
def test_the_same_orders_are_refused_by_on_upload_entity_definitions(
    thingsgraph_stub: ThingsGraphStub, script: list[ScriptItem], number: int, label: str, final: str
) -> None:
    with pytest.raises(UsageError) as caught:
        thingsgraph_stub.on_upload_entity_definitions(script, upload_id="x")

    assert str(caught.value) == after_terminal("on_upload_entity_definitions(upload_id='x')", number, label, final)
    assert thingsgraph_stub.failures() == []  # nothing was queued


@pytest.mark.parametrize(("length", "shown"), [(80, None), (81, 79)], ids=["80-whole", "81-shortened"])
def test_an_item_label_is_shortened_past_80_characters(length: int, shown: int | None) -> None:
    item = {"uploadStatus": "FAILED", "failureReason": ["x" * (length - 49)]}
    text = repr(item)
    assert len(text) == length

    with pytest.raises(UsageError) as caught:
        ThingsGraphStub().add_upload("u", ["SUCCEEDED", item])

    label = text if shown is None else text[:shown] + "…"
    assert str(caught.value) == (
        f"add_upload('u'): script item 1 {label} comes after the upload ended SUCCEEDED: an upload that reached "
        "SUCCEEDED stays SUCCEEDED. End the script there, or give the upload a second script under another upload ID."
    )


ACCEPTED: list[list[ScriptItem]] = [
    ["SUCCEEDED", ServiceError("ThrottlingException"), "SUCCEEDED"],
    ["IN_PROGRESS", "IN_PROGRESS", "FAILED", "FAILED"],
    ["IN_PROGRESS", ServiceError("InternalFailureException"), "IN_PROGRESS", "SUCCEEDED"],
    ["FAILED", {"uploadStatus": "FAILED", "failureReason": ["a later answer says more"]}],
    [ServiceError("ResourceNotFoundException"), "IN_PROGRESS", "SUCCEEDED"],
]


def _served(client: Any, upload_id: str, count: int) -> list[str]:
    """What ``count`` polls of one attempt each got: a status or an error code."""
    answers = []
    for _ in range(count):
        try:
            answers.append(client.get_upload_status(uploadId=upload_id)["uploadStatus"])
        except ClientError as error:
            answers.append(error.response["Error"]["Code"])
    return answers


def _expected(script: list[ScriptItem]) -> list[str]:
    return [
        item.code if isinstance(item, ServiceError) else item if isinstance(item, str) else item["uploadStatus"]
        for item in script
    ]


@pytest.mark.parametrize("script", ACCEPTED, ids=repr)
def test_orders_the_service_can_produce_are_accepted_and_served(
    thingsgraph_stub: ThingsGraphStub, script: list[ScriptItem]
) -> None:
    thingsgraph_stub.add_upload("u", script)
    upload_id = thingsgraph_stub.on_upload_entity_definitions(script)
    client = make_client()

    assert _served(client, "u", len(script)) == _expected(script)
    assert client.upload_entity_definitions(document={"language": "GRAPHQL", "text": "type A {}"})["uploadId"] == (
        upload_id
    )
    assert _served(client, upload_id, len(script)) == _expected(script)


@pytest.fixture
def returned() -> dict[str, Any]:
    """What boto3's get_upload_status returned for a FAILED upload, every member set."""
    with mock_thingsgraph() as stub:
        stub.add_upload(
            "u",
            ["FAILED"],
            namespace_name="example",
            namespace_arn="arn:aws:iotthingsgraph:us-east-1:123456789012:Namespace/example",
            namespace_version=7,
            created_date=dt.datetime(2024, 5, 1, 12, 30, 15, 250000, tzinfo=dt.timezone.utc),
            failure_reason=["the entity A is invalid", "the entity B is invalid"],
        )
        response: dict[str, Any] = make_client().get_upload_status(uploadId="u")
    return response


def _members(response: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in response.items() if name != "ResponseMetadata"}


def test_what_boto3_returned_is_scripted_as_it_is(returned: dict[str, Any]) -> None:
    assert returned["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert returned["createdDate"].tzinfo is not None  # an aware datetime, as botocore parses it

    with mock_thingsgraph() as stub:
        stub.add_upload("u", [returned])
        again = make_client().get_upload_status(uploadId="u")

    assert _members(again) == _members(returned)
    assert set(_members(again)) == {
        "uploadId",
        "uploadStatus",
        "namespaceArn",
        "namespaceName",
        "namespaceVersion",
        "failureReason",
        "createdDate",
    }
    assert again["ResponseMetadata"]["RequestId"] != returned["ResponseMetadata"]["RequestId"]
    (call,) = stub.calls
    assert "ResponseMetadata" not in call.response  # not a member of the service's answer


def test_members_after_boto3s_response_metadata_are_kept(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload(
        "u", [{"ResponseMetadata": {"HTTPStatusCode": 200}, "uploadStatus": "FAILED", "namespaceName": "n"}]
    )

    response = make_client().get_upload_status(uploadId="u")

    assert (response["uploadStatus"], response["namespaceName"]) == ("FAILED", "n")
    assert "ResponseMetadata" not in thingsgraph_stub.calls[0].response


def test_a_pasted_response_with_another_time_zone_answers_the_same_instant(returned: dict[str, Any]) -> None:
    pasted = {**returned, "createdDate": returned["createdDate"].astimezone(dt.timezone(dt.timedelta(hours=-7)))}

    with mock_thingsgraph() as stub:
        stub.add_upload("u", ["IN_PROGRESS", pasted])
        client = make_client()
        client.get_upload_status(uploadId="u")
        again = client.get_upload_status(uploadId="u")

    assert again["createdDate"] == returned["createdDate"]
    assert stub.calls[1].response["createdDate"] == 1714566615.25  # 2024-05-01T12:30:15.250Z on the wire


def test_a_naive_created_date_is_refused(returned: dict[str, Any]) -> None:
    """The other side of 'aware': a naive datetime names no instant."""
    naive = {**returned, "createdDate": returned["createdDate"].replace(tzinfo=None)}

    with mock_thingsgraph() as stub, pytest.raises(UsageError) as caught:
        stub.add_upload("u", [naive])

    assert str(caught.value) == (
        "add_upload('u'): script item 0 is not a valid GetUploadStatus response: "
        "createdDate=datetime.datetime(2024, 5, 1, 12, 30, 15, 250000): Input should have timezone info."
    )


def _typed_module() -> ModuleType:
    pytest.importorskip("mypy_boto3_iotthingsgraph", reason="mypy-boto3-iotthingsgraph is not installed")
    return importlib.import_module("typed.pasted_response")


def test_a_get_upload_status_response_type_def_passes_add_upload_at_run_time() -> None:
    typed = _typed_module()

    with mock_thingsgraph() as stub:
        typed.script_the_pasted_response(stub, typed.PASTED)
        client = make_client()
        first = client.get_upload_status(uploadId="u")
        second = client.get_upload_status(uploadId="u")
        stub.add_upload("v", typed.items_of({**typed.PASTED, "uploadId": "v"}))
        last = [client.get_upload_status(uploadId="v") for _ in range(2)]

    assert first["uploadStatus"] == "IN_PROGRESS"
    assert _members(second) == _members(typed.PASTED)
    assert [_members(answer) for answer in last] == [{**_members(typed.PASTED), "uploadId": "v"}] * 2


def _mypy_run() -> Any:
    """``mypy.api.run``; without mypy a skip, but a failure under CI=true (where the check must run)."""
    missing = []
    for module in ("mypy.api", "mypy_boto3_iotthingsgraph"):
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(module)
    if missing:
        reason = (
            f"{' and '.join(missing)} not importable: the typed script check needs mypy and mypy-boto3-iotthingsgraph"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (installed in CI by the test extra)", pytrace=False)
        pytest.skip(reason)
    import mypy.api

    return mypy.api.run


def _mypy(*paths: Path) -> tuple[str, int]:
    run = _mypy_run()
    stdout, stderr, status = run(
        ["--config-file", str(ROOT / "pyproject.toml"), "--strict", "--no-error-summary", *map(str, paths)]
    )
    return stdout + stderr, status


def test_a_typed_module_pasting_the_type_def_passes_mypy_strict(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong_item.py"
    wrong.write_text(
        textwrap.dedent(
            """
            from mypy_boto3_iotthingsgraph.type_defs import GetUploadStatusResponseTypeDef

            from pytest_thingsgraph import ThingsGraphStub

            def script(stub: ThingsGraphStub, pasted: GetUploadStatusResponseTypeDef) -> None:
                stub.add_upload("u", [pasted, {"uploadStatus": "DONE"}])
            """
        ),
        encoding="utf-8",
    )

    output, status = _mypy(TESTS / "typed" / "pasted_response.py")
    wrong_output, wrong_status = _mypy(wrong)

    assert (output, status) == ("", 0)
    assert wrong_status == 1  # the other side: mypy does check the items
    assert 'List item 1 has incompatible type "dict[str, str]"' in wrong_output, wrong_output


@pytest.mark.parametrize(("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_without_mypy_the_typed_check_skips_except_under_ci(
    monkeypatch: pytest.MonkeyPatch, ci: str, outcome: type[BaseException]
) -> None:
    monkeypatch.setitem(sys.modules, "mypy.api", None)  # as if mypy were not installed
    monkeypatch.setenv("CI", ci)

    with pytest.raises(outcome) as caught:
        _mypy_run()

    assert str(caught.value).startswith(
        "mypy.api not importable: the typed script check needs mypy and mypy-boto3-iotthingsgraph"
    )

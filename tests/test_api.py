"""The typed, friendly API: what mypy sees, ``start()``/``stop()``, read-only records, ``expected=``."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from helpers import UPLOAD_ENTITY_DEFINITIONS, answered, make_client, mypy_cache

import pytest_thingsgraph
from pytest_thingsgraph import (
    Call,
    ServiceError,
    StubError,
    ThingsGraphStub,
    UsageError,
    active_stub,
    mock_thingsgraph,
)
from pytest_thingsgraph._protocol import freeze
from pytest_thingsgraph._registry import active

UNCONSUMED_U = (
    "These uploads were not polled to the end of their scripts:\n"
    "- 'u': 1 of 2 items served; not served: 'SUCCEEDED'\n"
    "Poll them to the end or shorten their scripts; if some items are optional, set assert_all_consumed=False "
    "(see 'Options and teardown' in the README of pytest-thingsgraph)"
)


# Types that tell the truth: mypy on a user's snippet.


def _mypy_run(arguments: list[str]) -> tuple[str, str, int]:
    try:
        from mypy import api
    except ImportError:  # pragma: no cover - mypy is in the test extra
        if os.environ.get("CI") == "true":
            pytest.fail("mypy is not importable, and CI=true runs every check: install the test extra.")
        pytest.skip("mypy is not importable")
    return api.run(arguments)


def test_mypy_sees_exactly_the_public_names_and_the_overloads(
    tmp_path: Path, pytestconfig: pytest.Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # mypy names the file as given; its cache is shared between runs
    snippet = tmp_path / "snippet.py"
    snippet.write_text(
        textwrap.dedent(
            """\
            from pytest_thingsgraph import ThingsGraphStubb
            from pytest_thingsgraph import ANY, ServiceError, ThingsGraphStub

            def check(stub: ThingsGraphStub) -> None:
                reveal_type(stub.on_upload_entity_definitions(["SUCCEEDED"]))
                reveal_type(stub.on_upload_entity_definitions(ServiceError("ThrottlingException")))
                reveal_type(stub.calls[0].upload_status)
                stub.add_response("SearchEntities", {"descriptions": []}, match={"entityTypes": ANY})
                stub.add_response("get_system_instance", ServiceError("ResourceNotFoundException"))
                stub.add_response("search_entitie", {})
            """
        )
    )
    arguments = ["--strict", "--no-error-summary", "--hide-error-context", "--no-pretty", "snippet.py"]
    arguments += ["--cache-dir", str(mypy_cache(pytestconfig, tmp_path, "mypy"))]
    source_tree = Path(pytest_thingsgraph.__file__).parent.parent
    if (source_tree / "pyproject.toml").exists():  # an editable install: mypy reads the package from its tree
        config = tmp_path / "mypy.ini"
        config.write_text(f"[mypy]\nmypy_path = {source_tree}\n")
        arguments += ["--config-file", str(config)]
    else:
        arguments += ["--config-file", ""]

    stdout, stderr, status = _mypy_run(arguments)

    lines = [line.replace("builtins.", "") for line in stdout.splitlines()]  # mypy 2 leaves the module out
    assert (status, stderr) == (1, "")
    assert lines[0].startswith(
        'snippet.py:1: error: Module "pytest_thingsgraph" has no attribute "ThingsGraphStubb"'
    ), stdout
    assert lines[1:] == [
        'snippet.py:5: note: Revealed type is "str"',
        'snippet.py:6: note: Revealed type is "None"',
        'snippet.py:7: note: Revealed type is "'
        "Literal['IN_PROGRESS'] | Literal['SUCCEEDED'] | Literal['FAILED'] | None\"",
        'snippet.py:10: error: Argument 1 to "add_response" of "ThingsGraphStub" has incompatible type '
        "\"Literal['search_entitie']\"; expected \"Literal['AssociateEntityToThing', 'CreateFlowTemplate', "
        + lines[4].split("'CreateFlowTemplate', ", 1)[-1],
    ], stdout


def test_the_package_lists_exactly_its_public_names() -> None:
    assert sorted(pytest_thingsgraph.__all__) == sorted(
        [
            "ANY",
            "OperationName",
            "Call",
            "ResponseMembers",
            "ScriptItem",
            "ServiceError",
            "StubError",
            "StubOptions",
            "ThingsGraphMock",
            "ThingsGraphPatcher",
            "ThingsGraphServer",
            "ThingsGraphStub",
            "UploadStatus",
            "UsageError",
            "active_stub",
            "mock_thingsgraph",
        ]
    )
    for name in pytest_thingsgraph.__all__:
        getattr(pytest_thingsgraph, name)
    with pytest.raises(AttributeError, match=r"^module 'pytest_thingsgraph' has no attribute 'ThingsGraphStubb'$"):
        pytest_thingsgraph.ThingsGraphStubb  # type: ignore[attr-defined]  # noqa: B018


def test_call_is_public_and_is_what_calls_holds(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"])
    make_client().get_upload_status(uploadId="u")

    (call,) = thingsgraph_stub.calls

    assert type(call) is Call
    assert pytest_thingsgraph.Call is Call
    assert "Call" in pytest_thingsgraph.__all__


# start() and stop().


def test_start_returns_an_active_stub_with_the_options_and_stop_deactivates_it() -> None:
    patcher = mock_thingsgraph(allow_invalid_requests=True)

    stub = patcher.start()
    try:
        assert active_stub() is stub
        assert stub.options.allow_invalid_requests is True
        stub.add_upload("u", ["SUCCEEDED"])
        assert make_client().get_upload_status(uploadId="u")["uploadStatus"] == "SUCCEEDED"
    finally:
        patcher.stop()

    assert active() is None
    assert repr(stub) == "<ThingsGraphStub stopped: 1 uploads, 1 calls>"


def test_a_stub_shows_whether_it_is_active_stopped_or_not_yet_started() -> None:
    stub = ThingsGraphStub()
    assert repr(stub) == "<ThingsGraphStub inactive: 0 uploads, 0 calls>"

    patcher = mock_thingsgraph()
    running = patcher.start()
    try:
        running.add_upload("a", ["SUCCEEDED"])
        running.add_upload("b", ["SUCCEEDED"])
        make_client().get_upload_status(uploadId="a")
        assert repr(running) == "<ThingsGraphStub active: 2 uploads, 1 calls>"
        assert repr(stub) == "<ThingsGraphStub inactive: 0 uploads, 0 calls>"  # another stub is the active one
    finally:
        patcher.stop(check=False)
    assert repr(running) == "<ThingsGraphStub stopped: 2 uploads, 1 calls>"


def test_stop_raises_the_teardown_report_and_still_deactivates() -> None:
    patcher = mock_thingsgraph()
    stub = patcher.start()
    stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
    make_client().get_upload_status(uploadId="u")

    with pytest.raises(StubError) as caught:
        patcher.stop()

    assert str(caught.value) == UNCONSUMED_U
    assert active() is None
    with pytest.raises(UsageError, match=r"^add_upload\('late'\): this stub has stopped"):
        stub.add_upload("late", ["SUCCEEDED"])


@pytest.mark.parametrize("started", [0, 1])
def test_stop_without_a_running_stub_is_a_usage_error(started: int) -> None:
    patcher = mock_thingsgraph()
    for _ in range(started):
        patcher.start()
        patcher.stop()

    with pytest.raises(UsageError) as caught:
        patcher.stop()

    assert str(caught.value) == "mock_thingsgraph().stop() was called with no stub running: call start() first."


def test_one_patcher_is_start_stop_with_block_and_decorator_with_a_fresh_stub_each_time() -> None:
    patcher = mock_thingsgraph()
    stubs: list[ThingsGraphStub] = []

    stubs.append(patcher.start())
    stubs[-1].add_upload("u", ["SUCCEEDED"])
    make_client().get_upload_status(uploadId="u")
    patcher.stop()

    with patcher as stub:
        stubs.append(stub)
        stub.add_upload("u", ["FAILED"])
        assert make_client().get_upload_status(uploadId="u")["uploadStatus"] == "FAILED"

    @patcher
    def decorated() -> str:
        stubs.append(active_stub())
        active_stub().add_upload("u", ["IN_PROGRESS"])
        return str(make_client().get_upload_status(uploadId="u")["uploadStatus"])

    assert decorated() == "IN_PROGRESS"
    assert len({id(stub) for stub in stubs}) == 3
    assert [len(stub.calls) for stub in stubs] == [1, 1, 1]
    assert active() is None


def test_setup_and_add_cleanup_in_a_unittest_test_case(tmp_path: Path) -> None:
    (tmp_path / "test_poll.py").write_text(
        textwrap.dedent(
            """\
            import unittest

            import boto3
            from pytest_thingsgraph import mock_thingsgraph

            class PollTest(unittest.TestCase):
                def setUp(self):
                    patcher = mock_thingsgraph()
                    self.stub = patcher.start()
                    self.addCleanup(patcher.stop)

                def test_consumed(self):
                    self.stub.add_upload("u", ["SUCCEEDED"])
                    things_graph = boto3.client("iotthingsgraph", region_name="us-east-1")
                    self.assertEqual(things_graph.get_upload_status(uploadId="u")["uploadStatus"], "SUCCEEDED")

                def test_left_over(self):
                    self.stub.add_upload("v", ["IN_PROGRESS", "SUCCEEDED"])
            """
        )
    )
    environment = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    environment["AWS_EC2_METADATA_DISABLED"] = "true"

    run = subprocess.run(
        [sys.executable, "-m", "unittest", "-v", "test_poll"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )

    assert run.returncode == 1, run.stderr
    assert "test_consumed (test_poll.PollTest" in run.stderr
    assert ") ... ok\n" in run.stderr
    assert "FAIL: test_left_over (test_poll.PollTest" in run.stderr
    assert (
        "pytest_thingsgraph.StubError: These uploads were not polled to the end of their scripts:\n"
        "- 'v': 0 of 2 items served; not served: 'IN_PROGRESS', 'SUCCEEDED'\n"
    ) in run.stderr
    assert run.stderr.rstrip().endswith("FAILED (failures=1)")


@pytest.mark.parametrize(("polls", "outcomes"), [(2, {"passed": 2}), (1, {"passed": 2, "errors": 1})])
def test_a_module_level_start_with_stop_in_teardown_module(
    pytester: pytest.Pytester, polls: int, outcomes: dict[str, int]
) -> None:
    pytester.makepyfile(
        test_module_stub=f"""
        import boto3
        from botocore.config import Config
        from pytest_thingsgraph import active_stub, mock_thingsgraph

        patcher = mock_thingsgraph()
        stub = patcher.start()
        stub.add_upload("shared", ["IN_PROGRESS", "SUCCEEDED"])

        def teardown_module():
            patcher.stop()

        def poll():
            config = Config(retries={{"total_max_attempts": 1}})
            client = boto3.client("iotthingsgraph", region_name="us-east-1", config=config)
            return client.get_upload_status(uploadId="shared")

        def test_first():
            assert active_stub() is stub
            assert poll()["uploadStatus"] == "IN_PROGRESS"

        def test_second():
            if {polls} == 2:
                assert poll()["uploadStatus"] == "SUCCEEDED"
        """
    )

    result = pytester.runpytest("-p", "no:randomly")

    result.assert_outcomes(**outcomes)
    if "errors" in outcomes:
        result.stdout.fnmatch_lines(
            [
                "*ERROR at teardown of test_second*",
                "E * pytest_thingsgraph.StubError: These uploads were not polled to the end of their scripts:",
                "E * - 'shared': 1 of 2 items served; not served: 'SUCCEEDED'",
            ]
        )


# Records that cannot alias.


def test_recorded_requests_and_responses_are_read_only(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("u", [{"uploadStatus": "FAILED", "failureReason": ["bad"]}])
    make_client().get_upload_status(uploadId="u")
    (call,) = thingsgraph_stub.calls
    assert call.request is not None

    with pytest.raises(TypeError) as on_request:
        call.request["uploadId"] = "other"  # type: ignore[index]
    with pytest.raises(TypeError) as on_response:
        call.response.pop("uploadStatus")  # type: ignore[attr-defined]
    with pytest.raises(TypeError) as on_nested:
        call.response["failureReason"].append("worse")
    with pytest.raises(dataclasses.FrozenInstanceError):
        call.response = {}  # type: ignore[misc]

    message = "this {0} is a record of the stub and read-only: change a copy ({0}(value)) instead"
    assert [str(on_request.value), str(on_response.value), str(on_nested.value)] == [
        message.format("dict"),
        message.format("dict"),
        message.format("list"),
    ]
    assert call.request == {"uploadId": "u"}
    assert call.response["failureReason"] == ["bad"]


def test_a_sticky_terminal_item_gives_records_that_do_not_share_a_changeable_dict(
    thingsgraph_stub: ThingsGraphStub,
) -> None:
    created = dt.datetime(2024, 5, 1, 12, tzinfo=dt.timezone.utc)
    thingsgraph_stub.add_upload("u", [{"uploadStatus": "FAILED", "failureReason": ["bad"], "createdDate": created}])
    client = make_client()
    for _ in range(3):
        client.get_upload_status(uploadId="u")

    calls = thingsgraph_stub.calls
    expected = {"uploadId": "u", "uploadStatus": "FAILED", "failureReason": ["bad"], "createdDate": 1714564800.0}
    assert [call.response for call in calls] == [expected, expected, expected]
    for call in calls:
        with pytest.raises(TypeError, match="is a record of the stub and read-only"):
            call.response["uploadStatus"] = "SUCCEEDED"  # type: ignore[index]
        with pytest.raises(TypeError, match="is a record of the stub and read-only"):
            call.response["failureReason"][0] = "changed"
    changed = copy.deepcopy(calls[0].response)
    changed["failureReason"].append("mine")
    changed["uploadStatus"] = "SUCCEEDED"
    shallow = copy.copy(calls[1].response)
    shallow["uploadId"] = "mine"
    assert [type(changed), type(changed["failureReason"]), type(shallow)] == [dict, list, dict]
    assert [call.response for call in thingsgraph_stub.calls] == [expected, expected, expected]
    thawed = pickle.loads(pickle.dumps(calls[2].response))
    assert thawed == expected
    with pytest.raises(TypeError, match="is a record of the stub and read-only"):
        thawed["failureReason"].append("x")
    thingsgraph_stub.calls.clear()  # a copy
    assert len(thingsgraph_stub.calls) == 3


def test_a_refused_request_is_recorded_read_only_at_every_depth() -> None:
    _, _, call = answered(b'{"uploadId": "u", "x": [{"a": [1, {"b": 2}]}], "t": {"b": {"c": [3]}}}')
    request = call.request

    assert request == {"uploadId": "u", "x": [{"a": [1, {"b": 2}]}], "t": {"b": {"c": [3]}}}
    for inner in (
        request,
        request["x"],
        request["x"][0],
        request["x"][0]["a"],
        request["x"][0]["a"][1],
        request["t"],
        request["t"]["b"],
        request["t"]["b"]["c"],
    ):
        with pytest.raises(TypeError, match=r"is a record of the stub and read-only: change a copy \((dict|list)\("):
            inner.clear()


def test_a_taken_definitions_request_is_recorded_read_only() -> None:
    _, _, call = answered(b'{"document": {"language": "GRAPHQL", "text": "t"}}', UPLOAD_ENTITY_DEFINITIONS)

    assert call.request == {"document": {"language": "GRAPHQL", "text": "t"}}
    with pytest.raises(TypeError, match="read-only"):
        call.request["document"]["text"] = "changed"


def test_copies_of_a_recorded_list_are_plain_and_independent_and_a_pickle_stays_read_only() -> None:
    _, _, call = answered(b'{"uploadId": "u", "x": [[1], {"a": [2]}]}')
    recorded = call.request["x"]

    shallow, deep, thawed = copy.copy(recorded), copy.deepcopy(recorded), pickle.loads(pickle.dumps(recorded))
    deep[0].append(9)
    deep[1]["a"].append(9)
    shallow.append(9)

    assert [type(shallow), type(deep), type(deep[0]), type(deep[1]), type(deep[1]["a"])] == [
        list,
        list,
        list,
        dict,
        list,
    ]
    assert shallow[0] is recorded[0]
    assert recorded == [[1], {"a": [2]}]
    assert deep == [[1, 9], {"a": [2, 9]}]
    assert thawed == [[1], {"a": [2]}]
    with pytest.raises(TypeError, match="read-only"):
        thawed[1]["a"].append(3)


def test_a_deep_copy_of_records_and_their_parts_keeps_what_they_share_shared() -> None:
    _, _, call = answered(b'{"uploadId": "u", "x": [{"a": [1]}]}')
    part = call.request["x"]

    copied_part, copied_request = copy.deepcopy([part, call.request])
    copied_part[0]["a"].append(2)

    assert copied_request["x"] is copied_part
    assert copied_request["x"][0] is copied_part[0]
    inner, outer = copy.deepcopy([part[0], part])
    assert outer[0] is inner
    assert copied_request == {"uploadId": "u", "x": [{"a": [1, 2]}]}
    assert call.request == {"uploadId": "u", "x": [{"a": [1]}]}


def test_freeze_turns_tuples_into_read_only_lists_and_keys_into_text() -> None:
    frozen = freeze({"t": (1, (2, {"k": ()})), 3: "x"})

    assert frozen == {"t": [1, [2, {"k": []}]], "3": "x"}
    assert [type(frozen["t"]).__name__, type(frozen["t"][1]).__name__] == ["ReadOnlyList", "ReadOnlyList"]
    assert freeze({3: "x"}) == {"3": "x"}  # flat, but a key that is not text
    assert freeze(("a", "b")) == ["a", "b"]
    assert type(freeze(("a", "b"))).__name__ == "ReadOnlyList"
    assert freeze("text") == "text"
    with pytest.raises(TypeError, match="read-only"):
        frozen["t"][1][1]["k"].append(1)


SURROGATE = "a\ud800"


@pytest.mark.parametrize(
    ("script", "keywords", "named"),
    [
        pytest.param(["SUCCEEDED"], {"upload_id": SURROGATE}, "upload_id", id="uploadId via on_upload"),
        pytest.param(["SUCCEEDED"], {"namespace_name": SURROGATE}, "namespace_name", id="namespaceName keyword"),
        pytest.param(["SUCCEEDED"], {"namespace_arn": SURROGATE}, "namespace_arn", id="namespaceArn keyword"),
        pytest.param(["FAILED"], {"failure_reason": ["ok", SURROGATE]}, "failure_reason", id="failureReason keyword"),
        pytest.param([{"uploadStatus": "FAILED", "namespaceName": SURROGATE}], {}, "namespaceName", id="namespaceName"),
        pytest.param([{"uploadStatus": "FAILED", "namespaceArn": SURROGATE}], {}, "namespaceArn", id="namespaceArn"),
        pytest.param(
            [{"uploadStatus": "FAILED", "failureReason": ["ok", SURROGATE]}], {}, "failureReason", id="failureReason"
        ),
    ],
)
def test_lone_surrogates_are_refused_by_one_rule_in_every_string_member(
    thingsgraph_stub: ThingsGraphStub, script: list[Any], keywords: dict[str, Any], named: str
) -> None:
    upload_id = keywords.get("upload_id", "u")
    where = "on_upload_entity_definitions" if "upload_id" in keywords else "add_upload"
    with pytest.raises(UsageError) as caught:
        if where == "add_upload":
            thingsgraph_stub.add_upload("u", script, **keywords)
        else:
            thingsgraph_stub.on_upload_entity_definitions(script, **keywords)

    call = f"on_upload_entity_definitions(upload_id={upload_id!r})" if where != "add_upload" else "add_upload('u')"
    item = ": script item 0" if not keywords else ""
    assert str(caught.value) == (
        f"{call}{item}: {named}={SURROGATE!r} has a lone surrogate, which no UTF-8 JSON response can carry: "
        "pass text without one."
    )


def test_a_lone_surrogate_in_the_upload_id_of_add_upload(thingsgraph_stub: ThingsGraphStub) -> None:
    with pytest.raises(UsageError) as caught:
        thingsgraph_stub.add_upload(SURROGATE, [{"uploadStatus": "FAILED", "uploadId": SURROGATE}])

    assert str(caught.value) == (
        "add_upload('a\\ud800'): upload_id='a\\ud800' has a lone surrogate, which no UTF-8 JSON response can carry: "
        "pass text without one."
    )


def test_an_upload_id_with_a_lone_surrogate_is_refused_without_keywords_too() -> None:
    with pytest.raises(UsageError) as caught:
        ThingsGraphStub().add_upload("a\ud800", ["SUCCEEDED"])

    assert str(caught.value) == (
        "add_upload('a\\ud800'): upload_id='a\\ud800' has a lone surrogate, which no UTF-8 JSON response can carry: "
        "pass text without one."
    )


# Expected requests, as Stubber has.

FLAGS = {"syncWithPublicNamespace": True, "deprecateExistingEntities": False}
UNEXPECTED = "These UploadEntityDefinitions calls did not carry what their answers expected:\n"
FIX_EXPECTED = "Fix the code that sent them, or the expected= of on_upload_entity_definitions()."


def test_a_call_that_matches_expected_passes() -> None:
    with mock_thingsgraph() as stub:
        upload_id = stub.on_upload_entity_definitions(["SUCCEEDED"], expected=FLAGS)
        client = make_client()
        assert client.upload_entity_definitions(**FLAGS)["uploadId"] == upload_id
        assert client.get_upload_status(uploadId=upload_id)["uploadStatus"] == "SUCCEEDED"


def test_a_call_that_differs_is_answered_and_reported_side_by_side() -> None:
    document = {"language": "GRAPHQL", "text": "type A {}"}
    with pytest.raises(StubError) as caught, mock_thingsgraph() as stub:
        stub.on_upload_entity_definitions(["SUCCEEDED"], upload_id="up-1", expected=FLAGS)
        stub.on_upload_entity_definitions(["SUCCEEDED"], upload_id="up-2", expected={"document": document})
        client = make_client()
        assert client.upload_entity_definitions(deprecateExistingEntities=True)["uploadId"] == "up-1"
        assert client.get_upload_status(uploadId="up-1")["uploadStatus"] == "SUCCEEDED"
        created = client.upload_entity_definitions(document={"language": "GRAPHQL", "text": "type B {}"})
        assert created["uploadId"] == "up-2"
        assert client.get_upload_status(uploadId="up-2")["uploadStatus"] == "SUCCEEDED"

    assert str(caught.value) == (
        UNEXPECTED + "- request 1: syncWithPublicNamespace: expected true, got nothing; "
        "deprecateExistingEntities: expected false, got true\n"
        '- request 3: document: expected {"language": "GRAPHQL", "text": "type A {}"}, '
        'got {"language": "GRAPHQL", "text": "type B {}"}\n' + FIX_EXPECTED
    )


def test_an_expected_key_that_is_not_a_request_member_is_a_usage_error(thingsgraph_stub: ThingsGraphStub) -> None:
    with pytest.raises(UsageError) as caught:
        thingsgraph_stub.on_upload_entity_definitions(["SUCCEEDED"], upload_id="u", expected={"sync_with_public": 1})
    with pytest.raises(UsageError) as on_error:
        thingsgraph_stub.on_upload_entity_definitions(ServiceError("ThrottlingException"), expected={"uploadId": "u"})

    assert str(caught.value) == (
        "on_upload_entity_definitions(upload_id='u'): expected has 'sync_with_public', which is not a member of "
        "UploadEntityDefinitionsRequest: use document, syncWithPublicNamespace, deprecateExistingEntities "
        "(camelCase, as on the wire)."
    )
    assert str(on_error.value) == (
        "on_upload_entity_definitions(ServiceError('ThrottlingException')): expected has 'uploadId', which is not "
        "a member of UploadEntityDefinitionsRequest: use document, syncWithPublicNamespace, "
        "deprecateExistingEntities (camelCase, as on the wire)."
    )
    assert thingsgraph_stub.failures() == []  # nothing was queued


@pytest.mark.parametrize(
    ("script", "expected", "message"),
    [
        (
            ["SUCCEEDED"],
            [("syncWithPublicNamespace", True)],
            "on_upload_entity_definitions(upload_id='u'): expected=[('syncWithPublicNamespace', True)] "
            "is not a dict of request members.",
        ),
        (
            ServiceError("ThrottlingException"),
            "syncWithPublicNamespace",
            "on_upload_entity_definitions(ServiceError('ThrottlingException')): expected='syncWithPublicNamespace' "
            "is not a dict of request members.",
        ),
    ],
)
def test_an_expected_that_is_not_a_dict_is_refused_with_its_value(
    script: list[str] | ServiceError, expected: object, message: str
) -> None:
    with mock_thingsgraph() as stub:
        kwargs = {} if isinstance(script, ServiceError) else {"upload_id": "u"}
        with pytest.raises(UsageError) as caught:
            stub.on_upload_entity_definitions(script, expected=expected, **kwargs)  # type: ignore[call-overload]
        assert str(caught.value) == message
        assert active_stub() is stub


@pytest.mark.parametrize("matches", [True, False])
def test_expected_with_a_service_error_answer(matches: bool) -> None:
    patcher = mock_thingsgraph()
    stub = patcher.start()
    stub.on_upload_entity_definitions(ServiceError("ThrottlingException", "Rate exceeded"), expected=FLAGS)
    client = make_client()
    with pytest.raises(client.exceptions.ThrottlingException):
        client.upload_entity_definitions(syncWithPublicNamespace=True, deprecateExistingEntities=not matches)

    if matches:
        patcher.stop()
        assert stub.calls[0].error_code == "ThrottlingException"
        return
    with pytest.raises(StubError) as caught:
        patcher.stop()
    assert str(caught.value) == (
        UNEXPECTED + "- request 1: deprecateExistingEntities: expected false, got true\n" + FIX_EXPECTED
    )

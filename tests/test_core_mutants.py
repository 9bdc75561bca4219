"""What the stub, ``mock_thingsgraph`` and the pytest plugin show a user, where mutmut found it unpinned.

Covers ``_stub.py``, ``_patcher.py`` and ``plugin.py``: where a second stub's message says the first one started
(a decorated function's or TestCase method's definition, the fixture's test), which targets the decorator takes,
the messages of refused ``expected=`` and ``region=`` arguments, a stub's ``repr``, request IDs, ``reset()``, the
teardown lines of invalid requests with no operation or region, and an inner pytest session handing the guard back.
"""

from __future__ import annotations

import types
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from helpers import make_client

from pytest_thingsgraph import (
    ServiceError,
    StubError,
    ThingsGraphServer,
    ThingsGraphStub,
    UsageError,
    active_stub,
    mock_thingsgraph,
)
from pytest_thingsgraph._registry import active

# Where a decorated function's stub started: its definition (the decorator's line), not the caller.


@mock_thingsgraph()
def _start_a_second_stub() -> str:
    with pytest.raises(UsageError) as caught:
        mock_thingsgraph().start()
    return str(caught.value)


_DECORATED_AT = f"{__file__}:{_start_a_second_stub.__wrapped__.__code__.co_firstlineno}"  # type: ignore[attr-defined]


def test_a_second_stub_inside_a_decorated_function_names_the_decorated_definition() -> None:
    message = _start_a_second_stub()

    assert message == (
        "Cannot start mock_thingsgraph(): a Things Graph stub is already active, mock_thingsgraph() decorating "
        f"_start_a_second_stub started at {_DECORATED_AT}. Only one answers at a time: use that stub "
        "(active_stub() returns it), or stop it first (leave its with block, or call stop() on what started it)."
    )
    assert active() is None


class _Poller:
    def __init__(self, upload_id: str) -> None:
        self.upload_id = upload_id

    def poll(self) -> str:
        active_stub().add_upload(self.upload_id, ["SUCCEEDED"])
        return str(make_client().get_upload_status(uploadId=self.upload_id)["uploadStatus"])


def test_a_bound_method_can_be_decorated_and_runs_with_a_stub_of_its_own() -> None:
    poll = mock_thingsgraph()(_Poller("u").poll)

    assert (poll(), poll()) == ("SUCCEEDED", "SUCCEEDED")  # a fresh stub each call: "u" is scripted twice
    assert active() is None


def test_a_bound_method_without_code_of_its_own_can_be_decorated() -> None:
    # A method bound to a callable with no Python code (here a builtin) has no definition to name.
    method = types.MethodType(len, "four")
    decorated = mock_thingsgraph()(method)

    assert decorated() == 4
    assert active() is None


# The messages of refused arguments.


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


# What a stub shows of itself.


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


def test_request_ids_are_uuids_in_their_canonical_form(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
    client = make_client()

    returned = [client.get_upload_status(uploadId="u")["ResponseMetadata"]["RequestId"] for _ in range(2)]

    assert [call.request_id for call in thingsgraph_stub.calls] == returned
    assert [str(uuid.UUID(request_id)) for request_id in returned] == returned
    assert len(set(returned)) == 2


# An inner pytest session (pytester, in this process) hands the guard back as it found it.


def _an_unstubbed_call_is_refused(monkeypatch: pytest.MonkeyPatch) -> bool:
    """Whether the guard refuses a call made with no stub (one the client would have answered itself)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example-secret")
    client = make_client(fresh_session=True)
    body = b'{"uploadId": "u", "uploadStatus": "SUCCEEDED", "createdDate": 0}'
    client.meta.events.register(
        "before-send.iotthingsgraph", lambda request, **_: AWSResponse(request.url, 200, HTTPHeaders(), _Raw(body))
    )
    try:
        assert client.get_upload_status(uploadId="u")["uploadStatus"] == "SUCCEEDED"
    except StubError:
        return True
    return False


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


@pytest.mark.usefixtures("unguarded")
@pytest.mark.parametrize("block", ["true", "false"])
def test_an_inner_session_leaves_no_guard_behind(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, block: str
) -> None:
    pytester.makeini(f"[pytest]\nthingsgraph_block_unstubbed = {block}\n")
    pytester.makepyfile(test_inner="def test_it(thingsgraph_stub):\n    pass\n")
    assert not _an_unstubbed_call_is_refused(monkeypatch)

    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)

    assert not _an_unstubbed_call_is_refused(monkeypatch)


@pytest.mark.parametrize("key", ["fake_credentials", "block_unstubbed"])
def test_an_inner_session_stopped_by_a_wrong_ini_value_leaves_the_outer_guard_on(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    pytester.makeini(f"[pytest]\nthingsgraph_{key} = maybe\n")
    pytester.makepyfile(test_inner="def test_it(thingsgraph_stub):\n    pass\n")
    assert _an_unstubbed_call_is_refused(monkeypatch)

    result = pytester.runpytest("-p", "no:randomly")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    message = f"ERROR: ini key thingsgraph_{key}: invalid truth value 'maybe': set it to true or false."
    result.stderr.fnmatch_lines([message])
    assert _an_unstubbed_call_is_refused(monkeypatch)


# reset(): a stub shared by several tests starts each one afresh.


def test_after_reset_requests_are_numbered_from_1_again() -> None:
    patcher = mock_thingsgraph()
    stub = patcher.start()
    try:
        client = make_client()
        stub.add_upload("u", ["SUCCEEDED"])
        client.get_upload_status(uploadId="u")
        with pytest.raises(StubError, match=r"GetFlowTemplate \(request 2\)"):
            client.get_flow_template(id="urn:tdm:aws/examples:Workflow:Lamp")

        stub.reset()
        assert (stub.calls, stub.failures()) == ([], [])
        stub.add_upload("u", ["SUCCEEDED"])  # its script is forgotten too
        with pytest.raises(StubError) as caught:
            client.get_flow_template(id="urn:tdm:aws/examples:Workflow:Lamp")
        client.get_upload_status(uploadId="u")
    finally:
        patcher.stop(check=False)

    unstubbed = (
        "Things Graph operation GetFlowTemplate (request 1) is not stubbed: pytest-thingsgraph answers "
        "GetUploadStatus and UploadEntityDefinitions only. Keep the code under test from calling GetFlowTemplate "
        "in this test, or run it without the stub."
    )
    assert str(caught.value) == unstubbed
    assert stub.failures() == [
        f"The stub raised StubError during the test (the code under test may have caught it):\n- {unstubbed}"
    ]


# add_upload's region= keyword.


@pytest.mark.parametrize(("region", "shown"), [(1, "1"), (["us-east-1"], "['us-east-1']"), ("", "''")])
def test_a_region_that_is_not_a_region_name_is_refused(region: object, shown: str) -> None:
    with mock_thingsgraph() as stub, pytest.raises(UsageError) as caught:
        stub.add_upload("u", ["SUCCEEDED"], region=region)  # type: ignore[arg-type]

    assert str(caught.value) == (
        f"add_upload('u'): region={shown} is not a region name: pass one such as 'us-east-1', "
        "or None to answer in every region."
    )


# The teardown's line for each invalid request: its number, its operation (if known) and its region (if known).


def test_invalid_requests_without_an_operation_or_a_region_are_listed_as_such(
    thingsgraph_server: ThingsGraphServer,
) -> None:
    # Unsigned, to the loopback server: no credential scope and no Things Graph host, so no region.
    json_type = {"Content-Type": "application/x-amz-json-1.1"}
    get_upload_status = {"X-Amz-Target": "IotThingsGraphFrontEndService.GetUploadStatus", **json_type}
    url = thingsgraph_server.endpoint_url
    stub = thingsgraph_server.stub

    answers = [
        requests.post(url, data=b'{"uploadId": "u"}', headers=headers, timeout=5)
        for headers in (json_type, get_upload_status)
    ]

    assert [answer.status_code for answer in answers] == [400, 403]
    assert [(call.operation, call.region, call.error_code) for call in stub.calls] == [
        (None, None, "UnknownOperationException"),
        ("GetUploadStatus", None, "MissingAuthenticationTokenException"),
    ]
    assert stub.failures() == [
        "These requests were invalid and were answered with the service's error:\n"
        "- request 1 (unknown operation): UnknownOperationException: Missing X-Amz-Target header: name an operation.\n"
        "- request 2 (GetUploadStatus): MissingAuthenticationTokenException: Missing Authentication Token\n"
        "Fix the code that sent them; if they are on purpose, set allow_invalid_requests=True "
        "(see 'Options and teardown' in the README of pytest-thingsgraph)"
    ]
    stub.reset()  # they were sent on purpose


def test_an_invalid_request_in_a_region_names_it(thingsgraph_stub: ThingsGraphStub) -> None:
    answer = requests.post(
        "https://iotthingsgraph.eu-west-1.amazonaws.com/",
        data=b"{}",
        headers={"Content-Type": "application/x-amz-json-1.1"},
        timeout=5,
    )

    assert answer.status_code == 400
    assert [(call.operation, call.region) for call in thingsgraph_stub.calls] == [(None, "eu-west-1")]
    assert thingsgraph_stub.failures()[0].splitlines()[1] == (
        "- request 1 (unknown operation in eu-west-1): UnknownOperationException: "
        "Missing X-Amz-Target header: name an operation."
    )
    thingsgraph_stub.reset()


# Where the fixture's stub and a decorated TestCase's stubs started, as a second stub's message names them.

_SECOND_STUB = """
import unittest

from pytest_thingsgraph import mock_thingsgraph


def test_fixture(thingsgraph_stub):
    mock_thingsgraph().start()


@mock_thingsgraph()
class TestCase(unittest.TestCase):
    def setUp(self):
        self.set_up = True

    def test_method(self):
        mock_thingsgraph().start()
"""


def test_a_second_stub_names_the_test_whose_fixture_or_decorated_method_started_the_first(
    pytester: pytest.Pytester,
) -> None:
    path = pytester.makepyfile(test_inner=_SECOND_STUB)
    lines = path.read_text().splitlines()
    fixture = lines.index("def test_fixture(thingsgraph_stub):") + 1
    method = lines.index("    def test_method(self):") + 1

    result = pytester.runpytest("-p", "no:randomly")

    result.assert_outcomes(failed=2)
    advice = (
        "Only one answers at a time: use that stub (active_stub() returns it), or stop it first "
        "(leave its with block, or call stop() on what started it)."
    )
    result.stdout.fnmatch_lines(
        [
            "E * pytest_thingsgraph.UsageError: Cannot start mock_thingsgraph(): a Things Graph stub is already "
            "active, the thingsgraph_stub fixture of test_inner.py::test_fixture "
            f"started at {path}:{fixture}. {advice}",
            "E * pytest_thingsgraph.UsageError: Cannot start mock_thingsgraph(): a Things Graph stub is already "
            f"active, mock_thingsgraph() decorating TestCase.test_method started at {path}:{method}. {advice}",
        ],
        consecutive=False,
    )

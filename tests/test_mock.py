"""``mock_thingsgraph``: the stub as a context manager and decorator, outside fixtures."""

from __future__ import annotations

import asyncio
import inspect
import types
import unittest

import pytest
from helpers import make_client

from pytest_thingsgraph import StubError, ThingsGraphStub, UsageError, active_stub, mock_thingsgraph
from pytest_thingsgraph._registry import active


def test_the_block_answers_and_checks_on_exit() -> None:
    with pytest.raises(StubError) as caught, mock_thingsgraph() as stub:
        stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
        make_client().get_upload_status(uploadId="u")

    assert str(caught.value) == (
        "These uploads were not polled to the end of their scripts:\n"
        "- 'u': 1 of 2 items served; not served: 'SUCCEEDED'\n"
        "Poll them to the end or shorten their scripts; if some items are optional, set assert_all_consumed=False "
        "(see 'Options and teardown' in the README of pytest-thingsgraph)"
    )
    assert active() is None


def test_a_raising_block_keeps_its_own_exception() -> None:
    with pytest.raises(KeyError), mock_thingsgraph() as stub:
        stub.add_upload("u", ["SUCCEEDED"])
        raise KeyError("the code under test broke")

    assert active() is None


def test_a_base_exception_still_deactivates_the_stub() -> None:
    with pytest.raises(KeyboardInterrupt), mock_thingsgraph():
        raise KeyboardInterrupt

    assert active() is None


def test_options_are_keywords() -> None:
    with mock_thingsgraph(assert_all_consumed=False, allow_invalid_requests=True, fake_credentials=False) as stub:
        stub.add_upload("u", ["SUCCEEDED"])

    assert (stub.options.assert_all_consumed, stub.options.allow_invalid_requests, stub.options.fake_credentials) == (
        False,
        True,
        False,
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"assert_all_consumd": False},
            "mock_thingsgraph() got the unknown keyword 'assert_all_consumd': use one of assert_all_consumed, "
            "allow_invalid_requests, fake_credentials, instant_retries, validate_definitions.",
        ),
        ({"fake_credentials": 1}, "mock_thingsgraph() keyword fake_credentials=1 is not a bool: pass True or False."),
    ],
)
def test_wrong_options_name_the_keyword(options: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError) as caught:
        mock_thingsgraph(**options)  # type: ignore[arg-type]

    assert str(caught.value) == message


def test_a_second_block_is_a_clear_error() -> None:
    with mock_thingsgraph(), pytest.raises(UsageError) as caught, mock_thingsgraph():
        pass  # pragma: no cover
    FIRST_BLOCK_LINE = inspect.currentframe().f_lineno - 2  # type: ignore[union-attr]

    assert str(caught.value) == (
        "Cannot start mock_thingsgraph(): a Things Graph stub is already active, mock_thingsgraph() started at "
        f"{__file__}:{FIRST_BLOCK_LINE}. Only one answers at a time: use that stub (active_stub() returns it), "
        "or stop it first (leave its with block, or call stop() on what started it)."
    )
    assert active() is None


def test_the_decorator_runs_a_stub_around_each_call() -> None:
    stubs: list[ThingsGraphStub] = []

    @mock_thingsgraph()
    def poll(upload_id: str) -> str:
        stub = active_stub()
        stubs.append(stub)
        stub.add_upload(upload_id, ["SUCCEEDED"])
        return str(make_client().get_upload_status(uploadId=upload_id)["uploadStatus"])

    assert [poll("a"), poll("b")] == ["SUCCEEDED", "SUCCEEDED"]
    assert stubs[0] is not stubs[1]
    assert active() is None


def test_the_decorator_wraps_coroutines() -> None:
    @mock_thingsgraph()
    async def poll() -> str:
        active_stub().add_upload("u", ["FAILED"])
        return str(make_client().get_upload_status(uploadId="u")["uploadStatus"])

    assert asyncio.run(poll()) == "FAILED"


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


def test_active_stub_outside_a_stub_says_how_to_start_one() -> None:
    with pytest.raises(StubError) as caught:
        active_stub()

    assert str(caught.value) == (
        "No Things Graph stub is active: request the thingsgraph_stub fixture, or call this inside a "
        "mock_thingsgraph() block, decorated function or start()/stop() pair."
    )


class UnittestStyle(unittest.TestCase):
    def setUp(self) -> None:
        self.stub = self.enterContext(mock_thingsgraph()) if hasattr(self, "enterContext") else None
        if self.stub is None:  # Python 3.10
            mock = mock_thingsgraph()
            self.stub = mock.__enter__()
            self.addCleanup(mock.__exit__, None, None, None)

    def test_poll(self) -> None:
        assert self.stub is not None
        self.stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
        client = make_client()
        self.assertEqual(client.get_upload_status(uploadId="u")["uploadStatus"], "IN_PROGRESS")
        self.assertEqual(client.get_upload_status(uploadId="u")["uploadStatus"], "SUCCEEDED")

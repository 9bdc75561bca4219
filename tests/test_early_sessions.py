"""Sessions and clients made before the plugin loaded: answered while a stub runs, refused by the guard.

A botocore session copies botocore's handler table when it is made. A ``-p`` plugin (or an app
module in ``addopts``) that makes a client at import caches boto3's default session before
pytest-thingsgraph is imported, so the run must be a real new process: a subprocess pytest. The
tests at the end make such a session in this process instead, by taking the stub's handlers out of
botocore's table and its wrappers off botocore's classes for a moment.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import botocore.client
import botocore.handlers
import botocore.session
import pytest
from botocore.config import Config

from pytest_thingsgraph import ThingsGraphStub, _botocore

EARLY_PLUGIN = """
import boto3

CLIENT = boto3.client("iotthingsgraph", region_name="us-east-1")  # caches boto3's default session
SESSION = boto3.DEFAULT_SESSION
STUB_LOADED_FIRST = __import__("sys").modules.get("pytest_thingsgraph") is not None
"""

NO_NETWORK = """
import socket

CONNECTIONS = []


def refuse(self, address):
    CONNECTIONS.append(address)
    raise OSError(f"test refused a connection to {address!r}")


socket.socket.connect = refuse
socket.socket.connect_ex = refuse
"""

TESTS = """
import boto3
import pytest
from botocore.config import Config

import conftest
import early_plugin
from pytest_thingsgraph import StubError


def client():
    return boto3.client("iotthingsgraph", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1}))


def test_0_the_session_was_made_before_the_plugin_loaded():
    assert early_plugin.STUB_LOADED_FIRST is False
    assert boto3.DEFAULT_SESSION is early_plugin.SESSION


def test_1_a_client_of_the_early_session_is_answered(thingsgraph_stub):
    thingsgraph_stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
    assert client().get_upload_status(uploadId="u")["uploadStatus"] == "IN_PROGRESS"
    assert boto3.DEFAULT_SESSION.client("iotthingsgraph", region_name="us-east-1").get_upload_status(
        uploadId="u"
    )["uploadStatus"] == "SUCCEEDED"
    assert len(thingsgraph_stub.calls) == 2


def test_2_the_client_made_at_import_is_answered(thingsgraph_stub):
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"])
    assert early_plugin.CLIENT.get_upload_status(uploadId="u")["uploadStatus"] == "SUCCEEDED"
    assert len(thingsgraph_stub.calls) == 1


def test_3_without_a_stub_the_guard_refuses_it():
    with pytest.raises(StubError, match="^A Things Graph GetUploadStatus call of a botocore client to https://"):
        client().get_upload_status(uploadId="u")
    with pytest.raises(StubError, match="^A Things Graph GetUploadStatus call of a botocore client to https://"):
        early_plugin.CLIENT.get_upload_status(uploadId="u")


def test_4_nothing_tried_the_network():
    assert conftest.CONNECTIONS == []
"""


def _isolate(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example-secret")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(pytester.path / "missing-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(pytester.path / "missing-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("PYTHONPATH", str(pytester.path))


def test_a_session_cached_by_a_p_plugin_before_the_plugin_loaded(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(early_plugin=EARLY_PLUGIN, conftest=NO_NETWORK, test_early=TESTS)
    _isolate(pytester, monkeypatch)

    result = pytester.runpytest_subprocess("-p", "early_plugin", "-p", "no:randomly", "-p", "no:xdist", "-v")

    result.stdout.fnmatch_lines(
        [
            "*test_0_the_session_was_made_before_the_plugin_loaded PASSED*",
            "*test_1_a_client_of_the_early_session_is_answered PASSED*",
            "*test_2_the_client_made_at_import_is_answered PASSED*",
            "*test_3_without_a_stub_the_guard_refuses_it PASSED*",
            "*test_4_nothing_tried_the_network PASSED*",
        ]
    )
    result.assert_outcomes(passed=5)


AIO_EARLY_PLUGIN = """
import asyncio

from aiobotocore.session import get_session

SESSION = get_session()


async def _enter_client():
    return await SESSION.create_client("iotthingsgraph", region_name="us-east-1").__aenter__()


CLIENT = asyncio.run(_enter_client())  # its calls never reach its HTTP session: answered or refused before
STUB_LOADED_FIRST = __import__("sys").modules.get("pytest_thingsgraph") is not None
"""

AIO_TESTS = """
import asyncio

import pytest
from botocore.config import Config

import conftest
import early_plugin
from pytest_thingsgraph import StubError

ONE_ATTEMPT = Config(retries={"total_max_attempts": 1})


async def status_from_a_new_client():
    async with early_plugin.SESSION.create_client("iotthingsgraph", region_name="us-east-1", config=ONE_ATTEMPT) as c:
        return await c.get_upload_status(uploadId="u")


def test_0_the_session_was_made_before_the_plugin_loaded():
    assert early_plugin.STUB_LOADED_FIRST is False


def test_1_a_client_of_the_early_session_is_answered(thingsgraph_stub):
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"])
    assert asyncio.run(status_from_a_new_client())["uploadStatus"] == "SUCCEEDED"
    assert len(thingsgraph_stub.calls) == 1


def test_2_the_client_made_at_import_is_answered(thingsgraph_stub):
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"])
    assert asyncio.run(early_plugin.CLIENT.get_upload_status(uploadId="u"))["uploadStatus"] == "SUCCEEDED"
    assert len(thingsgraph_stub.calls) == 1


def test_3_without_a_stub_the_guard_refuses_it():
    with pytest.raises(StubError, match="^A Things Graph GetUploadStatus call of a botocore client to https://"):
        asyncio.run(status_from_a_new_client())
    with pytest.raises(StubError, match="^A Things Graph GetUploadStatus call of a botocore client to https://"):
        asyncio.run(early_plugin.CLIENT.get_upload_status(uploadId="u"))


def test_4_nothing_tried_the_network():
    assert conftest.CONNECTIONS == []
"""


@pytest.mark.skipif(importlib.util.find_spec("aiobotocore") is None, reason="the aio extra is tested by tox -e aio")
def test_an_aiobotocore_session_made_before_the_plugin_loaded(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(early_plugin=AIO_EARLY_PLUGIN, conftest=NO_NETWORK, test_early=AIO_TESTS)
    _isolate(pytester, monkeypatch)

    result = pytester.runpytest_subprocess("-p", "early_plugin", "-p", "no:randomly", "-p", "no:xdist", "-v")

    result.stdout.fnmatch_lines(
        [
            "*test_0_the_session_was_made_before_the_plugin_loaded PASSED*",
            "*test_1_a_client_of_the_early_session_is_answered PASSED*",
            "*test_2_the_client_made_at_import_is_answered PASSED*",
            "*test_3_without_a_stub_the_guard_refuses_it PASSED*",
            "*test_4_nothing_tried_the_network PASSED*",
        ]
    )
    result.assert_outcomes(passed=5)


# -- the same, in this process: what equip_sessions does when the package is imported after the session --

ONE_ATTEMPT = Config(retries={"total_max_attempts": 1})
NEEDS_AIO = pytest.mark.skipif(
    importlib.util.find_spec("aiobotocore") is None, reason="the aio extra is tested by tox -e aio"
)


def _as_before_the_package(monkeypatch: pytest.MonkeyPatch, session_class: Any, client_class: Any) -> None:
    """Put back the two methods the package wrapped when it was imported (until the test ends)."""
    monkeypatch.setattr(session_class, "create_client", session_class.create_client.__wrapped__)
    monkeypatch.setattr(client_class, "_make_api_call", client_class._make_api_call.__wrapped__)


def _equips_once(
    monkeypatch: pytest.MonkeyPatch, equip_sessions: Any, session_module: Any, session_class: Any, client_class: Any
) -> None:
    """``equip_sessions`` as the package's import runs it: it wraps both methods, and nothing twice when run again;
    after the session module alone is imported afresh, its class is wrapped again and the client's is left."""
    equip_sessions(session_module)
    equipping = session_class.create_client, client_class._make_api_call
    equip_sessions(session_module)
    assert (session_class.create_client, client_class._make_api_call) == equipping
    monkeypatch.setattr(session_class, "create_client", equipping[0].__wrapped__)
    equip_sessions(session_module)
    assert session_class.create_client is not equipping[0]
    assert client_class._make_api_call is equipping[1]


@contextmanager
def _handler_table_without_the_stubs() -> Iterator[None]:
    """botocore's handler table as before the package was imported: sessions made now lack the stub's handlers."""
    table = botocore.handlers.BUILTIN_HANDLERS
    kept = list(table)
    table[:] = [handler for handler in kept if handler not in _botocore.HANDLERS]
    try:
        yield
    finally:
        table[:] = kept


def test_a_session_and_a_client_made_before_the_package_was_imported_are_answered(
    thingsgraph_stub: ThingsGraphStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    _as_before_the_package(monkeypatch, botocore.session.Session, botocore.client.BaseClient)
    with _handler_table_without_the_stubs():
        session = botocore.session.Session()
        client = session.create_client("iotthingsgraph", "us-east-1", config=ONE_ATTEMPT)

    _equips_once(
        monkeypatch, _botocore.equip_sessions, botocore.session, botocore.session.Session, botocore.client.BaseClient
    )

    thingsgraph_stub.add_upload("u", ["IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"])
    assert [client.get_upload_status(uploadId="u")["uploadStatus"] for _ in range(2)] == ["IN_PROGRESS"] * 2
    later = session.create_client("iotthingsgraph", "us-east-1", config=ONE_ATTEMPT)
    assert later.get_upload_status(uploadId="u")["uploadStatus"] == "SUCCEEDED"
    assert [call.upload_status for call in thingsgraph_stub.calls] == ["IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"]


@NEEDS_AIO
def test_an_aiobotocore_session_and_client_made_before_the_package_was_imported_are_answered(
    thingsgraph_stub: ThingsGraphStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_thingsgraph import _aiobotocore

    aio_session = importlib.import_module("aiobotocore.session")
    aio_client: Any = importlib.import_module("aiobotocore.client")
    _as_before_the_package(monkeypatch, aio_session.AioSession, aio_client.AioBaseClient)
    thingsgraph_stub.add_upload("u", ["IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"])

    async def statuses() -> list[str]:
        with _handler_table_without_the_stubs():
            session = aio_session.get_session()
            early = await session.create_client(
                "iotthingsgraph", region_name="us-east-1", config=ONE_ATTEMPT
            ).__aenter__()

        _equips_once(
            monkeypatch, _aiobotocore.equip_sessions, aio_session, aio_session.AioSession, aio_client.AioBaseClient
        )

        answers = [await early.get_upload_status(uploadId="u") for _ in range(2)]
        await early.__aexit__(None, None, None)
        async with session.create_client("iotthingsgraph", region_name="us-east-1", config=ONE_ATTEMPT) as later:
            answers.append(await later.get_upload_status(uploadId="u"))
        return [answer["uploadStatus"] for answer in answers]

    assert asyncio.run(statuses()) == ["IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"]
    assert len(thingsgraph_stub.calls) == 3

"""Sessions and clients made before the plugin loaded: answered while a stub runs, refused by the guard.

A botocore session copies botocore's handler table when it is made. A ``-p`` plugin (or an app
module in ``addopts``) that makes a client at import caches boto3's default session before
pytest-thingsgraph is imported, so the run must be a real new process: a subprocess pytest.
"""

from __future__ import annotations

import importlib.util

import pytest

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

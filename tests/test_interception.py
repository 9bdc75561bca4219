"""Every Things Graph client in the process is answered while a stub is active, and only then."""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import inspect
import os
import socket
import subprocess
import sys
import textwrap
import threading
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import botocore.endpoint
import botocore.handlers
import botocore.session
import pytest
import requests
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from helpers import botocore_response, make_client

import pytest_thingsgraph
from pytest_thingsgraph import (
    ServiceError,
    StubError,
    ThingsGraphStub,
    _adapters,
    _botocore,
    _import_hook,
    mock_thingsgraph,
)
from pytest_thingsgraph._undo import patch_attribute, patch_method

ONE_ATTEMPT = Config(retries={"total_max_attempts": 1})


@pytest.mark.parametrize(
    "make",
    [
        lambda: boto3.client("iotthingsgraph", region_name="us-east-1", config=ONE_ATTEMPT),
        lambda: boto3.Session().client("iotthingsgraph", region_name="us-east-1", config=ONE_ATTEMPT),
        lambda: boto3.session.Session(region_name="us-east-1").client("iotthingsgraph", config=ONE_ATTEMPT),
        lambda: botocore.session.get_session().create_client("iotthingsgraph", "us-east-1", config=ONE_ATTEMPT),
        lambda: botocore.session.Session().create_client(
            "iotthingsgraph", "us-east-1", endpoint_url="https://things.example.invalid", config=ONE_ATTEMPT
        ),
    ],
    ids=["boto3.client", "boto3.Session", "boto3.session.Session", "botocore.get_session", "botocore.endpoint_url"],
)
@pytest.mark.parametrize("created", ["before", "during"])
def test_every_way_of_making_a_client_is_answered(make: Any, created: str, no_sockets: list[Any]) -> None:
    client = make() if created == "before" else None
    with mock_thingsgraph() as stub:
        stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"])
        client = client or make()

        assert [client.get_upload_status(uploadId="u")["uploadStatus"] for _ in range(2)] == [
            "IN_PROGRESS",
            "SUCCEEDED",
        ]

    assert len(stub.calls) == 2
    assert no_sockets == []


def test_a_boto3_call_is_answered_and_recorded(thingsgraph_stub: ThingsGraphStub, no_sockets: list[Any]) -> None:
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"])

    assert make_client("eu-west-1").get_upload_status(uploadId="u")["uploadStatus"] == "SUCCEEDED"
    assert [(call.upload_id, call.region) for call in thingsgraph_stub.calls] == [("u", "eu-west-1")]
    assert no_sockets == []


def test_0_sockets_opened_for_stubbed_unknown_unstubbed_and_invalid_calls(no_sockets: list[Any]) -> None:
    with mock_thingsgraph(allow_invalid_requests=True) as stub:
        stub.add_upload("u", ["SUCCEEDED"])
        client = make_client()
        client.get_upload_status(uploadId="u")
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            client.get_upload_status(uploadId="unknown")
        with pytest.raises(client.exceptions.InvalidRequestException):
            client.get_upload_status(uploadId="x" * 41)
        with pytest.raises(StubError):
            client.list_flow_execution_messages(flowExecutionId="f")
        stub.reset()

    assert no_sockets == []


def test_clients_in_other_threads_are_answered(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"])
    results: list[str] = []

    def poll() -> None:
        client = boto3.Session().client("iotthingsgraph", region_name="us-east-1")
        results.append(client.get_upload_status(uploadId="u")["uploadStatus"])

    threads = [threading.Thread(target=poll) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == ["SUCCEEDED"] * 4


@pytest.mark.usefixtures("unguarded")
def test_with_no_stub_active_and_no_guard_requests_go_on_as_usual(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example-secret")
    client = make_client(fresh_session=True)
    sent: list[Any] = []

    def network(request: Any, **_: Any) -> AWSResponse:
        sent.append(request)
        return botocore_response(request.url, 200, b'{"uploadId": "u", "uploadStatus": "FAILED", "createdDate": 1}')

    client.meta.events.register("before-send.iotthingsgraph", network)

    assert client.get_upload_status(uploadId="u")["uploadStatus"] == "FAILED"
    (request,) = sent
    assert b"Credential=AKIDEXAMPLE/" in _header(request, "Authorization")


def _header(request: Any, name: str) -> bytes:
    value = request.headers[name]
    return value if isinstance(value, bytes) else value.encode()


MOTO_SCRIPT = """
import os
{imports}
import boto3
from moto import mock_aws
from pytest_thingsgraph import mock_thingsgraph

def check():
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="acme-bucket")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["acme-bucket"]
    ssm = boto3.client("ssm", region_name="us-east-1")
    ssm.put_parameter(Name="/acme/p", Value="v", Type="String")
    assert ssm.get_parameter(Name="/acme/p")["Parameter"]["Value"] == "v"
    tg = boto3.client("iotthingsgraph", region_name="us-east-1")
    assert tg.get_upload_status(uploadId="u")["uploadStatus"] == "SUCCEEDED"

with mock_aws():
    with mock_thingsgraph() as stub:
        stub.add_upload("u", ["SUCCEEDED"])
        check()
    assert len(stub.calls) == 1
with mock_thingsgraph() as stub:
    with mock_aws():
        stub.add_upload("u", ["SUCCEEDED"])
        check()
    assert len(stub.calls) == 1
print("moto and the stub both answered")
"""


@pytest.mark.parametrize(
    "imports",
    ["import moto\nimport pytest_thingsgraph", "import pytest_thingsgraph\nimport moto"],
    ids=["moto-first", "stub-first"],
)
def test_moto_keeps_answering_other_services(imports: str, tmp_path: Path) -> None:
    script = tmp_path / "coexist.py"
    script.write_text(textwrap.dedent(MOTO_SCRIPT.format(imports=imports)))

    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "moto and the stub both answered"


def test_service_errors_under_moto_reach_the_client(thingsgraph_stub: ThingsGraphStub) -> None:
    moto = pytest.importorskip("moto")
    thingsgraph_stub.add_upload("u", [ServiceError("ResourceNotFoundException", "deleted")])
    with moto.mock_aws():
        client = make_client()
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            client.get_upload_status(uploadId="u")


FRESH = """
import json, socket, sys
def refuse(self, address):
    raise OSError(f"refused a connection to {address!r}")
socket.socket.connect = socket.socket.connect_ex = refuse
{imports}
from pytest_thingsgraph import mock_thingsgraph
import boto3
with mock_thingsgraph() as stub:
    stub.add_upload("b", ["SUCCEEDED"])
    stub.add_upload("r", ["SUCCEEDED"])
    client = boto3.client("iotthingsgraph", region_name="us-east-1")
    boto = client.get_upload_status(uploadId="b")["uploadStatus"]
    import requests
    from requests_aws4auth import AWS4Auth
    answer = requests.post(
        "https://iotthingsgraph.eu-west-1.amazonaws.com/",
        data=json.dumps({"uploadId": "r"}),
        headers={"X-Amz-Target": "IotThingsGraphFrontEndService.GetUploadStatus",
                 "Content-Type": "application/x-amz-json-1.1"},
        auth=AWS4Auth("AKIDEXAMPLE", "example-secret", "eu-west-1", "iotthingsgraph"),
        timeout=5,
    )
print(boto, answer.status_code, answer.json()["uploadStatus"], [call.upload_id for call in stub.calls])
import time, botocore.endpoint, botocore.retries.bucket
# the last stub gone, every library is as it was
print(requests.Session.get_adapter.__module__, botocore.endpoint.time is time,
      botocore.retries.bucket.TokenBucket.acquire.__module__)
"""


@pytest.mark.parametrize(
    "imports",
    [
        pytest.param(
            'import pytest_thingsgraph\nassert "botocore" not in sys.modules and "requests" not in sys.modules',
            id="botocore-after-the-package-requests-during-a-stub",
        ),
        pytest.param("import boto3, requests\nimport pytest_thingsgraph", id="both-before-the-package"),
    ],
)
def test_libraries_imported_before_after_or_during_reach_the_stub_and_are_put_back(imports: str) -> None:
    package_root = Path(pytest_thingsgraph.__file__).resolve().parent.parent
    env: Mapping[str, str] = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_MAX_ATTEMPTS": "1",
    }

    script = FRESH.replace("{imports}", imports)

    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False, cwd=package_root,
        env=dict(env),
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "SUCCEEDED 200 SUCCEEDED ['b', 'r']",
        "requests.sessions True botocore.retries.bucket",
    ]


# -- modules imported later: the import hook (in this process, where the subprocess tests above cannot look) --


@pytest.fixture
def probe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The name of a throw-away module on ``sys.path``, not imported yet; forgotten (and unwatched) afterwards."""
    name = f"thingsgraph_probe_{uuid.uuid4().hex}"
    (tmp_path / f"{name}.py").write_text("VALUE = 'run'\n")
    (tmp_path / f"{name}_other.py").write_text("VALUE = 'other'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    # every watch the test adds goes with it (the package's own stay as they were)
    monkeypatch.setattr(
        _import_hook, "_waiting", {watched: list(calls) for watched, calls in _import_hook._waiting.items()}
    )
    yield name
    for module in (name, f"{name}_other"):
        sys.modules.pop(module, None)


def test_a_watched_module_is_handed_to_its_callbacks_once_run_and_again_when_imported_afresh(probe: str) -> None:
    heard: list[tuple[str, str, ModuleType]] = []
    _import_hook.when_imported(probe, lambda module: heard.append(("first", module.VALUE, module)))
    _import_hook.when_imported(probe, lambda module: heard.append(("second", module.VALUE, module)))
    assert heard == []

    module = importlib.import_module(probe)
    assert heard == [("first", "run", module), ("second", "run", module)]
    importlib.import_module(probe)  # already imported: no callback
    assert len(heard) == 2

    del sys.modules[probe]
    afresh = importlib.import_module(probe)
    assert afresh is not module
    assert heard[2:] == [("first", "run", afresh), ("second", "run", afresh)]


def test_a_callback_for_a_module_already_imported_runs_at_once_and_at_its_next_import(probe: str) -> None:
    module = importlib.import_module(probe)
    heard: list[ModuleType] = []

    _import_hook.when_imported(probe, heard.append)
    assert heard == [module]

    del sys.modules[probe]
    afresh = importlib.import_module(probe)
    assert heard == [module, afresh]


def test_the_watch_comes_first_even_when_taken_out_of_the_import_system(probe: str) -> None:
    _import_hook._remove_finder()  # as at the interpreter's exit
    assert _import_hook._finder not in sys.meta_path
    _import_hook._remove_finder()  # a second time changes nothing

    heard: list[ModuleType] = []
    _import_hook.when_imported(probe, heard.append)
    assert sys.meta_path[0] is _import_hook._finder
    module = importlib.import_module(probe)
    assert heard == [module]


def test_a_watched_submodule_is_found_in_its_package(probe: str, tmp_path: Path) -> None:
    package = tmp_path / f"{probe}_package"  # as botocore.handlers is found in botocore's __path__
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "handlers.py").write_text("VALUE = 'sub'\n")
    name = f"{probe}_package.handlers"
    heard: list[ModuleType] = []
    _import_hook.when_imported(name, heard.append)
    try:
        module = importlib.import_module(name)
    finally:
        sys.modules.pop(name, None)
        sys.modules.pop(f"{probe}_package", None)
    assert heard == [module]
    assert module.VALUE == "sub"


@pytest.mark.usefixtures("probe")
def test_a_watched_compiled_module_is_made_by_its_own_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "math")  # put back as it was when the test ends
    heard: list[ModuleType] = []
    _import_hook.when_imported("math", heard.append)
    module = importlib.import_module("math")  # a built-in or extension module: its loader makes it from the spec
    assert heard == [module]
    assert module.sqrt(16) == 4.0


def test_an_adapters_library_imported_afresh_is_patched_while_held_and_left_alone_when_not(
    probe: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    patched: list[ModuleType] = []

    def patch(module: ModuleType) -> Callable[[], None]:
        patched.append(module)
        return lambda: patched.remove(module)

    patcher = _adapters._Patch(_adapters.Adapter(probe, patch))
    _import_hook.when_imported(patcher.module_name, patcher)
    held = importlib.import_module(probe)  # the pytest session's guard holds the adapters
    assert patched == [held]

    monkeypatch.setattr(_adapters, "_holders", 0)  # as when nothing holds them
    monkeypatch.setattr(_adapters, "_undos", [])
    del sys.modules[probe]
    importlib.import_module(probe)
    assert patched == [held]
    assert _adapters._undos == []


def test_modules_nobody_waits_for_keep_their_own_loader(probe: str) -> None:
    _import_hook.when_imported(probe, lambda module: None)
    other = importlib.import_module(f"{probe}_other")
    assert type(other.__spec__.loader) is importlib.machinery.SourceFileLoader
    assert other.VALUE == "other"


def test_a_watched_module_keeps_what_its_own_loader_tells(probe: str) -> None:
    _import_hook.when_imported(probe, lambda module: None)
    module = importlib.import_module(probe)

    assert type(module.__spec__.loader).__name__ == "_CallingLoader"
    assert module.__spec__.loader.get_filename(probe) == module.__file__  # asked of the module's own loader
    assert inspect.getsource(module) == "VALUE = 'run'\n"  # tracebacks and inspect read the source through it
    assert importlib.util.find_spec(probe) is not None


class _OldStyleFinder:
    """A finder from before ``find_spec``: Python 3.10 and 3.11 still ask it (with an ImportWarning), 3.12 skips it."""

    def find_module(self, name: str, path: object = None) -> None:
        return None


def test_a_finder_without_find_spec_is_passed_over(probe: str) -> None:
    heard: list[ModuleType] = []
    _import_hook.when_imported(probe, heard.append)
    sys.meta_path.insert(1, _OldStyleFinder())  # type: ignore[arg-type]
    try:
        with warnings.catch_warnings():  # Python's own search warns if an import this test does not make reaches it
            warnings.simplefilter("ignore", ImportWarning)
            module = importlib.import_module(probe)
    finally:
        del sys.meta_path[1]
    assert heard == [module]


def test_a_watched_module_that_does_not_exist_stays_missing(probe: str) -> None:
    heard: list[ModuleType] = []
    _import_hook.when_imported(f"{probe}_missing", heard.append)
    with pytest.raises(ModuleNotFoundError, match=f"{probe}_missing"):
        importlib.import_module(f"{probe}_missing")
    assert heard == []


# -- when the adapters patch: the first holder, the last one, and install() at the package's import --


def _patches_waiting(waiting: dict[str, list[Any]]) -> dict[str, int]:
    return {
        name: sum(isinstance(callback, _adapters._Patch) for callback in callbacks)
        for name, callbacks in waiting.items()
    }


def test_the_first_holder_watches_each_adapters_module_once_and_the_last_puts_every_library_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # as in a process where nothing has held the adapters yet: no holder, nothing watched
    watched = {
        name: [cb for cb in callbacks if not isinstance(cb, _adapters._Patch)]
        for name, callbacks in _import_hook._waiting.items()
    }
    monkeypatch.setattr(_import_hook, "_waiting", watched)
    monkeypatch.setattr(_adapters, "_watching", False)
    _adapters.release()  # the pytest session's guard
    assert _adapters._holders == 0
    unpatched = (botocore.endpoint.time, requests.Session.get_adapter, socket.getaddrinfo)
    try:
        for _ in range(2):  # the first holder of the process, then a later first holder
            _adapters.acquire()
            _adapters.acquire()
            try:
                now = (botocore.endpoint.time, requests.Session.get_adapter, socket.getaddrinfo)
                assert [patched is not original for patched, original in zip(now, unpatched, strict=True)] == [True] * 3
                assert {name: count for name, count in _patches_waiting(watched).items() if count} == {
                    adapter.waits_for: 1 for adapter in _adapters.ADAPTERS
                }
            finally:
                _adapters.release()
                assert botocore.endpoint.time is not unpatched[0]  # one holder is left
                _adapters.release()
            assert (botocore.endpoint.time, requests.Session.get_adapter, socket.getaddrinfo) == unpatched
        _adapters.release()  # one too many: changes nothing
        assert _adapters._holders == 0
    finally:
        _adapters.acquire()


def test_importing_the_package_watches_botocores_handler_table_and_both_session_modules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    watched: dict[str, list[Any]] = {}
    monkeypatch.setattr(_import_hook, "_waiting", watched)
    builtin = [spec for spec in botocore.handlers.BUILTIN_HANDLERS if spec not in _botocore.HANDLERS]
    monkeypatch.setattr(botocore.handlers, "BUILTIN_HANDLERS", list(builtin))  # as before the package's import

    _adapters.install()  # what the package's import does; the modules imported are equipped at once

    assert watched == {
        "botocore.handlers": [_adapters._register_handlers],
        "botocore.session": [_adapters._equip_sessions],
        "aiobotocore.session": [_adapters._equip_aio_sessions],
    }
    table = botocore.handlers.BUILTIN_HANDLERS
    assert table == [*builtin, *_botocore.HANDLERS]
    _adapters.install()  # a second time adds nothing
    assert table == [*builtin, *_botocore.HANDLERS]


# -- patches that are undone: what every adapter makes (_undo) --


class _Owner:
    @staticmethod
    def tool() -> str:
        return "tool"

    def method(self) -> str:
        return "method"


def test_a_patched_attribute_of_a_class_is_put_back_as_it_was_defined() -> None:
    defined = _Owner.__dict__["tool"]
    undo = patch_attribute(_Owner, "tool", staticmethod(lambda: "patched"))
    assert _Owner.tool() == "patched"
    undo()
    assert _Owner.__dict__["tool"] is defined  # the staticmethod itself, not the function it holds
    assert _Owner().tool() == "tool"


def test_a_patched_attribute_of_a_module_or_object_is_put_back() -> None:
    module = ModuleType("owner")
    module.value = 1  # type: ignore[attr-defined]
    undo = patch_attribute(module, "value", 2)
    assert module.value == 2  # type: ignore[attr-defined]
    undo()
    assert module.value == 1  # type: ignore[attr-defined]
    owner = _Owner()
    undo = patch_attribute(owner, "method", lambda: "patched")  # an attribute the object gets from its class
    assert owner.method() == "patched"
    undo()
    assert owner.method() == "method"


def test_a_patched_method_wraps_the_one_the_class_defines_and_is_put_back() -> None:
    wrapped: list[Any] = []

    def wrap(original: Any) -> Any:
        wrapped.append(original)
        return lambda self: f"wrapped {original(self)}"

    undo = patch_method(_Owner, "method", wrap)
    assert [function.__name__ for function in wrapped] == ["method"]  # the function the class defines
    assert _Owner().method() == "wrapped method"
    undo()
    assert _Owner().method() == "method"

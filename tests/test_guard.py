"""The guard outside stubs: in a pytest session, a Things Graph call with no stub active is refused, unsent.

This session runs with the guard on (``thingsgraph_block_unstubbed`` defaults to
true), so the tests here call with no stub and expect :class:`StubError`. Nothing
may be sent: every socket connection and name lookup is recorded and refused,
and no credentials are in the environment, so the refusal must come before
botocore looks for them.
"""

from __future__ import annotations

import asyncio
import http.server
import json
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import NoCredentialsError
from helpers import botocore_response, make_client

from pytest_thingsgraph import ServiceError, StubError, UsageError, mock_thingsgraph

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ONE_ATTEMPT = Config(retries={"total_max_attempts": 1})
ENDPOINT = "https://iotthingsgraph.us-east-1.amazonaws.com/"


def refusal(call: str, url: str = ENDPOINT) -> str:
    """The guard's message for ``call`` to ``url``."""
    return (
        f"{call} to {url} was made while no Things Graph stub is active, and was not sent. "
        "Request the thingsgraph_stub fixture in this test (or wrap the code in mock_thingsgraph()); "
        "a client that outlives its test still calls after the stub stopped. "
        "To let such calls through, set the ini key thingsgraph_block_unstubbed = false."
    )


BOTOCORE_CALL = "A Things Graph GetUploadStatus call of a botocore client"
REQUESTS_CALL = "A Things Graph request of a requests session"


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Record and refuse every connection and name lookup: what the process tried to send."""
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> None:
        attempts.append(("connect", address))
        raise OSError(f"test refused a connection to {address!r}")

    def no_lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        attempts.append(("getaddrinfo", host))
        raise socket.gaierror(f"test refused to look up {host!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", no_lookup)
    return attempts


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """No AWS credentials anywhere botocore looks (checked: a fresh session resolves none)."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_IOTTHINGSGRAPH",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert boto3.Session().get_credentials() is None


def fresh_client(**kwargs: Any) -> Any:
    return boto3.Session().client("iotthingsgraph", region_name="us-east-1", config=ONE_ATTEMPT, **kwargs)


@pytest.mark.usefixtures("no_credentials")
def test_a_botocore_call_with_no_stub_is_refused_unsent(network: list[Any]) -> None:
    client = fresh_client()

    with pytest.raises(StubError) as caught:
        client.get_upload_status(uploadId="u")

    assert str(caught.value) == refusal(BOTOCORE_CALL)
    assert network == []


@pytest.mark.usefixtures("no_credentials")
def test_an_unsigned_client_is_refused_too(network: list[Any]) -> None:
    client = boto3.Session().client(
        "iotthingsgraph",
        region_name="us-east-1",
        config=Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1}),
    )

    with pytest.raises(StubError) as caught:
        client.get_upload_status(uploadId="u")

    assert str(caught.value) == refusal(BOTOCORE_CALL)
    assert network == []


@pytest.mark.usefixtures("no_credentials")
def test_without_the_guard_the_same_call_fails_on_credentials(unguarded: None, network: list[Any]) -> None:
    """The other side: what the guard stands in front of (botocore's own failure, still unsent)."""
    with pytest.raises(NoCredentialsError):
        fresh_client().get_upload_status(uploadId="u")

    assert network == []


@pytest.mark.usefixtures("no_credentials")
def test_every_operation_is_refused_not_only_the_stubbed_ones(network: list[Any]) -> None:
    client = fresh_client(endpoint_url="https://things.example.invalid")

    with pytest.raises(StubError) as caught:
        client.upload_entity_definitions(document={"language": "GRAPHQL", "text": "type A {}"})
    with pytest.raises(StubError) as unstubbed:
        client.describe_namespace()

    assert str(caught.value) == refusal(
        "A Things Graph UploadEntityDefinitions call of a botocore client", "https://things.example.invalid/"
    )
    assert str(unstubbed.value).startswith("A Things Graph DescribeNamespace call of a botocore client to ")
    assert network == []


@pytest.mark.usefixtures("no_credentials")
def test_a_requests_call_with_no_stub_is_refused_unsent(network: list[Any]) -> None:
    with pytest.raises(StubError) as caught:
        requests.post(
            ENDPOINT,
            data=json.dumps({"uploadId": "u"}),
            headers={"X-Amz-Target": "IotThingsGraphFrontEndService.GetUploadStatus"},
            timeout=5,
        )
    with pytest.raises(StubError):
        requests.Session().get(ENDPOINT + "anything", timeout=5)  # whatever the request, to the service's host

    assert str(caught.value) == refusal(REQUESTS_CALL)
    assert network == []


@pytest.mark.usefixtures("no_credentials")
def test_an_aiobotocore_call_with_no_stub_is_refused_unsent(network: list[Any]) -> None:
    session_module = pytest.importorskip("aiobotocore.session", reason="the aio extra is tested by tox -e aio")

    async def call() -> None:
        session = session_module.get_session()
        async with session.create_client("iotthingsgraph", region_name="us-east-1", config=ONE_ATTEMPT) as client:
            await client.get_upload_status(uploadId="u")

    with pytest.raises(StubError) as caught:
        asyncio.run(call())

    assert str(caught.value) == refusal(BOTOCORE_CALL)
    assert network == []


@pytest.mark.usefixtures("no_credentials")
def test_a_call_from_a_background_thread_is_refused_there(network: list[Any]) -> None:
    client = fresh_client()
    raised: list[BaseException] = []

    def poll() -> None:
        try:
            client.get_upload_status(uploadId="u")
        except BaseException as error:
            raised.append(error)

    thread = threading.Thread(target=poll)
    thread.start()
    thread.join()

    (error,) = raised
    assert isinstance(error, StubError)
    assert str(error) == refusal(BOTOCORE_CALL)
    assert network == []


@pytest.mark.usefixtures("no_credentials")
def test_a_call_after_the_stub_stopped_is_refused(network: list[Any]) -> None:
    client = fresh_client()
    with mock_thingsgraph() as stub:
        stub.add_upload("u", ["SUCCEEDED"])
        assert client.get_upload_status(uploadId="u")["uploadStatus"] == "SUCCEEDED"

    with pytest.raises(StubError) as caught:
        client.get_upload_status(uploadId="u")

    assert str(caught.value) == refusal(BOTOCORE_CALL)
    assert network == []


@pytest.mark.usefixtures("no_credentials")
def test_a_requests_call_after_a_stub_stopped_is_refused(network: list[Any]) -> None:
    # the guard and the stub each hold requests' patch: the stub's stop must not take the guard's away
    for _ in range(2):
        with mock_thingsgraph(assert_all_consumed=False):
            pass

    with pytest.raises(StubError) as caught:
        requests.post(ENDPOINT, data="{}", timeout=5)

    assert str(caught.value) == refusal(REQUESTS_CALL)
    assert network == []


def test_a_presigned_url_is_still_made_with_no_stub(monkeypatch: pytest.MonkeyPatch, network: list[Any]) -> None:
    """Presigning sends nothing, so the guard leaves it alone."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example-secret")

    url = fresh_client().generate_presigned_url("get_upload_status", Params={"uploadId": "u"})

    assert url.startswith(ENDPOINT)
    assert "X-Amz-Signature=" in url
    assert network == []


LEAK = """
import boto3
import threading
from botocore import UNSIGNED
from botocore.config import Config
from pytest_thingsgraph import StubError

LEAKED = []

def test_1_makes_a_client(thingsgraph_stub):
    thingsgraph_stub.add_upload("u", ["SUCCEEDED"])
    client = boto3.client("iotthingsgraph", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1}))
    assert client.get_upload_status(uploadId="u")["uploadStatus"] == "SUCCEEDED"
    LEAKED.append(client)

def test_2_calls_the_leaked_client():
    LEAKED[0].get_upload_status(uploadId="u")

def test_3_calls_from_a_thread():
    errors = []
    def poll():
        try:
            LEAKED[0].get_upload_status(uploadId="u")
        except StubError as error:
            errors.append(error)
    thread = threading.Thread(target=poll)
    thread.start()
    thread.join()
    assert len(errors) == 1
"""


@pytest.mark.usefixtures("unguarded")  # only the inner session's own guard may refuse
def test_a_client_leaked_into_the_next_test_is_refused_there(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_leak=LEAK)

    result = pytester.runpytest("-p", "no:randomly", "-p", "no:xdist")

    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*StubError: " + refusal(BOTOCORE_CALL).replace("[", "[[]")])


GUARD_OFF = """
import io
from botocore.awsrequest import AWSResponse
from urllib3.response import HTTPResponse
import boto3
from botocore import UNSIGNED
from botocore.config import Config

def test_reaches_its_own_handler(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example-secret")
    client = boto3.Session().client(
        "iotthingsgraph", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1})
    )
    seen = []

    def network(request, **kwargs):
        seen.append(request.url)
        body = b'{"uploadId": "u", "uploadStatus": "SUCCEEDED", "createdDate": 0}'
        return AWSResponse(request.url, 200, {}, HTTPResponse(body=io.BytesIO(body), preload_content=False))

    client.meta.events.register("before-send.iotthingsgraph", network)
    assert client.get_upload_status(uploadId="u")["uploadStatus"] == "SUCCEEDED"
    assert seen == ["https://iotthingsgraph.us-east-1.amazonaws.com/"]
"""


@pytest.mark.parametrize(
    ("ini", "outcomes"),
    [
        ("thingsgraph_block_unstubbed = false\n", {"passed": 1}),
        ("thingsgraph_block_unstubbed = true\n", {"failed": 1}),
        ("", {"failed": 1}),  # the default: on
    ],
    ids=["false", "true", "default"],
)
@pytest.mark.usefixtures("unguarded")  # the outer session's guard is off; the inner ini decides
def test_the_ini_key_turns_the_guard_off(pytester: pytest.Pytester, ini: str, outcomes: dict[str, int]) -> None:
    pytester.makeini("[pytest]\n" + ini)
    pytester.makepyfile(test_inner=GUARD_OFF)

    result = pytester.runpytest("-p", "no:randomly", "-p", "no:xdist")

    result.assert_outcomes(**outcomes)
    if outcomes.get("failed"):
        result.stdout.fnmatch_lines(["*StubError: " + refusal(BOTOCORE_CALL)])


# An inner pytest session (pytester, in this process) hands the guard back as it found it.


def _an_unstubbed_call_is_refused(monkeypatch: pytest.MonkeyPatch) -> bool:
    """Whether the guard refuses a call made with no stub (one the client would have answered itself)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example-secret")
    client = make_client(fresh_session=True)
    body = b'{"uploadId": "u", "uploadStatus": "SUCCEEDED", "createdDate": 0}'
    client.meta.events.register(
        "before-send.iotthingsgraph", lambda request, **_: botocore_response(request.url, 200, body)
    )
    try:
        assert client.get_upload_status(uploadId="u")["uploadStatus"] == "SUCCEEDED"
    except StubError:
        return True
    return False


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


class _LocalService(http.server.BaseHTTPRequestHandler):
    """A Things Graph stand-in on this machine: answers every POST with a canned GetUploadStatus."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        body = json.dumps({"uploadId": "u", "uploadStatus": "SUCCEEDED", "createdDate": 0}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


class _Server6(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6


def _serve(host: str) -> Iterator[int]:
    server_class = _Server6 if ":" in host else http.server.ThreadingHTTPServer
    try:
        server = server_class((host, 0), _LocalService)
    except OSError as error:  # pragma: no cover - a machine without IPv6 loopback
        pytest.skip(f"cannot serve on {host}: {error}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def local_port(request: pytest.FixtureRequest) -> Iterator[int]:
    yield from _serve(request.param)


@pytest.mark.parametrize(
    ("local_port", "host"),
    [("127.0.0.1", "127.0.0.1"), ("127.0.0.1", "localhost"), ("::1", "[::1]")],
    indirect=["local_port"],
    ids=["127.0.0.1", "localhost", "::1"],
)
def test_a_loopback_endpoint_is_not_blocked(monkeypatch: pytest.MonkeyPatch, local_port: int, host: str) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example-secret")
    if host == "localhost":
        monkeypatch.setattr(socket, "getaddrinfo", _ipv4_only(socket.getaddrinfo))
    client = fresh_client(endpoint_url=f"http://{host}:{local_port}")

    response = client.get_upload_status(uploadId="u")

    assert response["uploadStatus"] == "SUCCEEDED"


@pytest.mark.parametrize("local_port", ["127.0.0.1"], indirect=True)
def test_a_name_under_localhost_is_not_blocked(monkeypatch: pytest.MonkeyPatch, local_port: int) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example-secret")
    monkeypatch.setattr(socket, "getaddrinfo", _localhost_names(socket.getaddrinfo))
    client = fresh_client(endpoint_url=f"http://things.localhost:{local_port}")

    response = client.get_upload_status(uploadId="u")

    assert response["uploadStatus"] == "SUCCEEDED"


def _localhost_names(getaddrinfo: Any) -> Any:
    """``*.localhost`` resolved to 127.0.0.1, as RFC 6761 has it (not every resolver does)."""

    def lookup(host: Any, port: Any, family: int = 0, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.endswith(".localhost"):
            host = "127.0.0.1"
        return getaddrinfo(host, port, socket.AF_INET, *args, **kwargs)

    return lookup


def _ipv4_only(getaddrinfo: Any) -> Any:
    """``localhost`` resolved to 127.0.0.1 only, where the server listens."""

    def lookup(host: Any, port: Any, family: int = 0, *args: Any, **kwargs: Any) -> Any:
        return getaddrinfo(host, port, socket.AF_INET, *args, **kwargs)

    return lookup


@pytest.mark.parametrize(
    "endpoint_url",
    ["http://10.0.0.1:8080", "http://localhost.example.com", "http://128.0.0.1", "http://[::2]:8080"],
)
@pytest.mark.usefixtures("no_credentials")
def test_an_endpoint_that_is_not_loopback_is_blocked(endpoint_url: str, network: list[Any]) -> None:
    with pytest.raises(StubError) as caught:
        fresh_client(endpoint_url=endpoint_url).get_upload_status(uploadId="u")

    assert str(caught.value) == refusal(BOTOCORE_CALL, endpoint_url + "/")
    assert network == []


def test_scripting_a_stopped_stub_is_a_usage_error() -> None:
    with mock_thingsgraph() as stub:
        pass

    with pytest.raises(UsageError) as added:
        stub.add_upload("u", ["SUCCEEDED"])
    with pytest.raises(UsageError) as queued:
        stub.on_upload_entity_definitions(["SUCCEEDED"], upload_id="x")
    with pytest.raises(UsageError) as queued_error:
        stub.on_upload_entity_definitions(ServiceError("ThrottlingException", "Rate exceeded"))

    fix = (
        "this stub has stopped, so no call would reach the script. Script uploads while the stub runs: "
        "inside the test, the with block or between start() and stop()."
    )
    assert str(added.value) == f"add_upload('u'): {fix}"
    assert str(queued.value) == f"on_upload_entity_definitions(upload_id='x'): {fix}"
    assert str(queued_error.value) == (
        f"on_upload_entity_definitions(ServiceError('ThrottlingException', 'Rate exceeded')): {fix}"
    )
    assert stub.failures() == []  # nothing was added


def test_a_stopped_stub_of_a_patcher_refuses_scripts_too() -> None:
    patcher = mock_thingsgraph()
    stub = patcher.start()
    stub.add_upload("u", ["SUCCEEDED"])  # while it runs: accepted
    patcher.stop(check=False)

    with pytest.raises(UsageError, match=r"^add_upload\('v'\): this stub has stopped"):
        stub.add_upload("v", ["SUCCEEDED"])


OUTSIDE_PYTEST = """
import pytest_thingsgraph
import pytest_thingsgraph.plugin
from pytest_thingsgraph import ThingsGraphStub, mock_thingsgraph  # every module of the package loaded

import io
import boto3
import requests
from botocore.awsrequest import AWSResponse
from botocore import UNSIGNED
from botocore.config import Config
from urllib3.response import HTTPResponse

seen = []

def network(request, **kwargs):
    seen.append(request.url)
    body = b'{"uploadId": "u", "uploadStatus": "SUCCEEDED", "createdDate": 0}'
    return AWSResponse(request.url, 200, {}, HTTPResponse(body=io.BytesIO(body), preload_content=False))

client = boto3.client("iotthingsgraph", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1}))
client.meta.events.register("before-send.iotthingsgraph", network)
print(client.get_upload_status(uploadId="u")["uploadStatus"])
print(seen)
adapter = requests.Session().get_adapter("https://iotthingsgraph.us-east-1.amazonaws.com/")
print(type(adapter).__module__, type(adapter).__name__)
"""


def test_importing_the_package_outside_pytest_changes_nothing(tmp_path: Any) -> None:
    script = tmp_path / "outside.py"
    script.write_text(textwrap.dedent(OUTSIDE_PYTEST), encoding="utf-8")
    environment = {
        "PATH": "/usr/bin:/bin",
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "example-secret",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
    }

    completed = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False, env=environment
    )

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines() == [
        "SUCCEEDED",
        "['https://iotthingsgraph.us-east-1.amazonaws.com/']",  # the test's own handler was reached
        "requests.adapters HTTPAdapter",  # not the stub's adapter
    ]


def test_the_guard_is_held_by_a_count_of_holders(monkeypatch: pytest.MonkeyPatch) -> None:
    from pytest_thingsgraph import _registry

    monkeypatch.setattr(_registry, "_guards", 0)  # as if no session held it: this one's hold comes back after
    _registry.refuse_unstubbed("GetUploadStatus", ENDPOINT)  # no holder: the call goes on

    _registry.guard(True)
    _registry.guard(True)
    _registry.guard(False)  # one of two holders lets go: still guarded
    with pytest.raises(StubError) as caught:
        _registry.refuse_unstubbed("GetUploadStatus", ENDPOINT)
    assert str(caught.value) == refusal("GetUploadStatus")

    _registry.guard(False)  # the last holder lets go
    _registry.refuse_unstubbed("GetUploadStatus", ENDPOINT)
    _registry.guard(False)  # one release too many holds nothing back afterwards
    _registry.guard(True)
    with pytest.raises(StubError):
        _registry.refuse_unstubbed("GetUploadStatus", ENDPOINT)

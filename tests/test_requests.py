"""Callers that use requests: Things Graph calls reach the stub, everything else goes where it went."""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses

from pytest_thingsgraph import ThingsGraphStub, mock_thingsgraph

ENDPOINT = "https://iotthingsgraph.eu-west-1.amazonaws.com/"
SIGNED = {
    "X-Amz-Target": "IotThingsGraphFrontEndService.GetUploadStatus",
    "Content-Type": "application/x-amz-json-1.1",
    "X-Amz-Date": "20240101T000000Z",
    "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/eu-west-1/iotthingsgraph/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0123456789abcdef",
}


def poll(upload_id: str, **overrides: Any) -> requests.Response:
    """A GetUploadStatus call made with requests, signed by hand, as some callers do."""
    return requests.post(ENDPOINT, data=json.dumps({"uploadId": upload_id}), headers={**SIGNED, **overrides}, timeout=5)


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"served_by": "local server", "path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def local_server() -> Iterator[str]:
    """An HTTP server on 127.0.0.1 for the traffic that must pass by the stub."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_requests_call_is_answered_by_the_same_stub(thingsgraph_stub: ThingsGraphStub) -> None:
    thingsgraph_stub.add_upload("u", ["IN_PROGRESS", "SUCCEEDED"], namespace_version=9, region="eu-west-1")

    answers = [poll("u") for _ in range(2)]

    assert [a.status_code for a in answers] == [200, 200]
    assert [a.json()["uploadStatus"] for a in answers] == ["IN_PROGRESS", "SUCCEEDED"]
    assert answers[1].json()["namespaceVersion"] == 9
    assert answers[0].headers["Content-Type"] == "application/x-amz-json-1.1"
    assert [c.request_id for c in thingsgraph_stub.calls] == [a.headers["x-amzn-RequestId"] for a in answers]
    assert [(c.operation, c.upload_id, c.region) for c in thingsgraph_stub.calls] == [
        ("GetUploadStatus", "u", "eu-west-1")
    ] * 2


def test_requests_calls_are_validated_the_same_way() -> None:
    with pytest.raises(AssertionError, match="These requests were invalid"), mock_thingsgraph() as stub:
        answer = poll("x" * 41)
        not_json = requests.post(ENDPOINT, data="uploadId=u", headers=SIGNED, timeout=5)

    assert answer.status_code == 400
    assert answer.json()["__type"] == "InvalidRequestException"
    assert not_json.json() == {
        "__type": "SerializationException",
        "message": "Request body is not valid JSON: Expecting value at line 1 column 1.",
    }
    assert [c.error_code for c in stub.calls] == ["InvalidRequestException", "SerializationException"]


def test_other_requests_traffic_reaches_its_destination(thingsgraph_stub: ThingsGraphStub, local_server: str) -> None:
    answer = requests.get(f"{local_server}/health", timeout=5)

    assert answer.json() == {"served_by": "local server", "path": "/health"}
    assert thingsgraph_stub.calls == []


def test_a_call_without_a_target_header_is_not_the_stubs(thingsgraph_stub: ThingsGraphStub) -> None:
    with responses.RequestsMock() as own:
        own.add(responses.GET, ENDPOINT, json={"answered_by": "the test's own mock"})

        answer = requests.get(ENDPOINT, timeout=5)

    assert answer.json() == {"answered_by": "the test's own mock"}
    assert thingsgraph_stub.calls == []


def test_a_mock_started_before_the_stub_keeps_its_urls(local_server: str) -> None:
    with responses.RequestsMock() as own:
        own.add(responses.GET, "https://api.example.invalid/items", json=["one"])
        own.add_passthru(local_server)
        with mock_thingsgraph() as stub:
            stub.add_upload("u", ["SUCCEEDED"])

            assert requests.get("https://api.example.invalid/items", timeout=5).json() == ["one"]
            assert poll("u").json()["uploadStatus"] == "SUCCEEDED"
            assert requests.get(f"{local_server}/x", timeout=5).json()["served_by"] == "local server"

    assert len(stub.calls) == 1


def test_a_mock_started_inside_the_stub_still_leaves_things_graph_to_it() -> None:
    with mock_thingsgraph() as stub:
        stub.add_upload("u", ["SUCCEEDED"])
        with responses.RequestsMock() as own:
            own.add(responses.GET, "https://api.example.invalid/items", json=["two"])

            assert requests.get("https://api.example.invalid/items", timeout=5).json() == ["two"]
            assert poll("u").json()["uploadStatus"] == "SUCCEEDED"

    assert len(stub.calls) == 1


@pytest.mark.usefixtures("unguarded")
def test_with_no_stub_active_and_no_guard_things_graph_calls_go_where_they_went() -> None:
    with responses.RequestsMock() as own:
        own.add(responses.POST, ENDPOINT, json={"answered_by": "the test's own mock"})

        assert poll("u").json() == {"answered_by": "the test's own mock"}


LAZY = """
import sys
import pytest_thingsgraph
from pytest_thingsgraph import mock_thingsgraph
with mock_thingsgraph():
    pass
print("requests" in sys.modules, "responses" in sys.modules)
import requests
original = requests.Session.get_adapter
with mock_thingsgraph():
    print(requests.Session.get_adapter is original)
    requests.Session().get_adapter("https://example.invalid/")
    print("responses" in sys.modules)
print(requests.Session.get_adapter is original)
"""


def test_requests_is_patched_only_while_a_stub_runs() -> None:
    result = subprocess.run([sys.executable, "-c", LAZY], capture_output=True, text=True, timeout=60, check=False)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "False", "False", "True"]


IMPORTED_BETWEEN_STUBS = """
from pytest_thingsgraph import mock_thingsgraph
with mock_thingsgraph():
    pass
import requests  # after a stub ran, while none runs
print(requests.Session.get_adapter.__module__)
with mock_thingsgraph():
    print(requests.Session.get_adapter.__module__)
print(requests.Session.get_adapter.__module__)
"""


def test_requests_imported_between_stubs_is_left_alone_until_the_next_one() -> None:
    result = subprocess.run(
        [sys.executable, "-c", IMPORTED_BETWEEN_STUBS], capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["requests.sessions", "pytest_thingsgraph._requests", "requests.sessions"]

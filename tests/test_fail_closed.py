"""No Things Graph request leaves the process, whatever client sends it: the layer under every client.

Clients the plugin has no adapter for (urllib3, urllib.request, http.client, a raw socket) are
refused before any name lookup or connection, at every Things Graph host of every partition,
while a stub runs and, through the guard, while none does; behind an ``HTTPS_PROXY`` the
``CONNECT`` line that names the host never reaches the proxy. Every host that reaches the
system's resolver is recorded (``lookups``: only loopback names are resolved), and
``no_sockets`` records every connection, so a test sees exactly what tried to leave.
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import json
import queue
import socket
import socketserver
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import botocore.loaders
import pytest
import urllib3
from helpers import record_lookups

from pytest_thingsgraph import StubError, ThingsGraphStub, _network, mock_thingsgraph

HOST = "iotthingsgraph.us-east-1.amazonaws.com"
URL = f"https://{HOST}/"
BODY = b'{"uploadId": "u"}'


def refusal(what: str, host: str = HOST, *, stub_active: bool) -> str:
    """The refusal of a lookup, connection or request line (``what``) of ``host``."""
    message = (
        f"{what} the Things Graph host {host} was refused: no Things Graph request leaves the process. "
        "The stub answers boto3/botocore, aiobotocore, requests and httpx clients: make this call with one of "
        "them, or, for any other client (another HTTP library, a subprocess, another language), use server mode: "
        "the thingsgraph_server fixture (or ThingsGraphServer) serves the stub on 127.0.0.1, and its "
        "endpoint_url and environ point the client at it."
    )
    if stub_active:
        return message
    return message + (
        " No Things Graph stub is active either: request the thingsgraph_stub fixture in this test (or wrap the "
        "code in mock_thingsgraph()); to let calls made while none is active through, set the ini key "
        "thingsgraph_block_unstubbed = false."
    )


LOOKUP = "A name lookup of"


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every host that reached the system's resolver."""
    return record_lookups(monkeypatch)


def with_urllib3(url: str) -> None:
    urllib3.PoolManager(retries=False, timeout=5).request("POST", url, body=BODY)


def with_urllib_request(url: str) -> None:
    urllib.request.urlopen(urllib.request.Request(url, data=BODY), timeout=5)


def with_http_client(url: str) -> None:
    connection = http.client.HTTPSConnection(HOST, timeout=5)
    try:
        connection.request("POST", "/", body=BODY)
    finally:
        connection.close()


def with_a_raw_socket(url: str) -> None:
    """A client the plugin has never heard of: a socket of its own."""
    socket.create_connection((HOST, 443), timeout=5).close()


CLIENTS: dict[str, Callable[[str], None]] = {
    "urllib3": with_urllib3,
    "urllib.request": with_urllib_request,
    "http.client": with_http_client,
    "socket": with_a_raw_socket,
}


@pytest.mark.parametrize("client", CLIENTS.values(), ids=CLIENTS)
def test_a_client_without_an_adapter_is_refused_unsent_while_a_stub_runs(
    thingsgraph_stub: ThingsGraphStub, client: Callable[[str], None], lookups: list[str], no_sockets: list[Any]
) -> None:
    with pytest.raises(StubError) as caught:
        client(URL)

    assert str(caught.value) == refusal(LOOKUP, stub_active=True)
    assert (lookups, no_sockets, thingsgraph_stub.calls) == ([], [], [])


@pytest.mark.parametrize("client", CLIENTS.values(), ids=CLIENTS)
def test_a_client_without_an_adapter_is_refused_unsent_by_the_guard(
    client: Callable[[str], None], lookups: list[str], no_sockets: list[Any]
) -> None:
    with pytest.raises(StubError) as caught:
        client(URL)

    assert str(caught.value) == refusal(LOOKUP, stub_active=False)
    assert (lookups, no_sockets) == ([], [])


def partition_host(host: str, dns_suffix: str) -> Any:
    """A host of a partition newer botocores know (the oldest pinned one may not: then there is none to refuse)."""
    suffixes = {
        partition["outputs"]["dnsSuffix"]
        for partition in botocore.loaders.create_loader().load_data("partitions")["partitions"]
    }
    return pytest.param(
        host,
        marks=pytest.mark.skipif(dns_suffix not in suffixes, reason=f"this botocore knows no {dns_suffix} partition"),
    )


@pytest.mark.parametrize(
    "host",
    [
        "iotthingsgraph.us-east-1.amazonaws.com",
        "iotthingsgraph.eu-west-1.api.aws",
        "iotthingsgraph-fips.us-gov-west-1.amazonaws.com",
        "iotthingsgraph-fips.us-east-1.api.aws",
        "iotthingsgraph.cn-north-1.amazonaws.com.cn",
        partition_host("iotthingsgraph.us-iso-east-1.c2s.ic.gov", "c2s.ic.gov"),
        partition_host("iotthingsgraph.eusc-de-east-1.amazonaws.eu", "amazonaws.eu"),
        "IoTThingsGraph.US-EAST-1.AmazonAWS.com.",  # DNS ignores case and a final dot
    ],
)
def test_every_host_form_of_every_partition_is_refused(
    thingsgraph_stub: ThingsGraphStub, host: str, lookups: list[str]
) -> None:
    with pytest.raises(StubError) as caught:
        socket.getaddrinfo(host, 443)

    assert str(caught.value) == refusal(LOOKUP, host, stub_active=True)
    assert lookups == []


def test_every_way_to_name_a_host_is_refused(thingsgraph_stub: ThingsGraphStub, lookups: list[str]) -> None:
    ways: list[Callable[[], object]] = [
        lambda: socket.getaddrinfo(host=HOST, port=443),
        lambda: socket.getaddrinfo(HOST.encode(), 443),
        lambda: socket.gethostbyname(HOST),
        lambda: socket.gethostbyname_ex(HOST),
    ]
    for way in ways:
        with pytest.raises(StubError) as caught:
            way()
        assert str(caught.value) == refusal(LOOKUP, stub_active=True)

    for connect in (socket.socket.connect, socket.socket.connect_ex):  # a socket resolves a name itself
        with socket.socket() as raw, pytest.raises(StubError) as caught:
            raw.settimeout(5)
            connect(raw, (HOST, 443))
        assert str(caught.value) == refusal("A connection to", stub_active=True)

    assert lookups == []


def test_every_way_to_send_a_request_line_is_refused(thingsgraph_stub: ThingsGraphStub) -> None:
    """A client that speaks to a proxy itself: the line that names the host is refused, other bytes go."""
    connect_line = f"CONNECT {HOST}:443 HTTP/1.1\r\nHost: {HOST}:443\r\n\r\n".encode()
    sender, receiver = socket.socketpair()
    with sender, receiver:
        sends: list[Callable[[], object]] = [
            lambda: sender.send(connect_line),
            lambda: sender.sendall(bytearray(connect_line)),
            lambda: sender.sendall(memoryview(connect_line)),
            lambda: sender.sendmsg([connect_line]),
        ]
        for send in sends:
            with pytest.raises(StubError) as caught:
                send()
            assert str(caught.value) == refusal("A proxy CONNECT to", stub_active=True)
        with pytest.raises(StubError) as caught:
            sender.sendall(f"POST http://{HOST.upper()}/ HTTP/1.1\r\n\r\n".encode())
        assert str(caught.value) == refusal("A request through a proxy to", HOST.upper(), stub_active=True)

        passing = [
            b"CONNECT api.example.invalid:443 HTTP/1.1\r\n\r\n",
            b"POST / HTTP/1.1\r\nHost: " + HOST.encode() + b"\r\n\r\n",  # to a server already connected
            b"\x16\x03\x01 CONNECT " + HOST.encode(),  # not a request line
        ]
        for data in passing:
            sender.sendall(data)
        sender.sendmsg(passing)
        sender.shutdown(socket.SHUT_WR)
        received = b"".join(iter(lambda: receiver.recv(65536), b""))

    assert received == b"".join(passing) * 2


@pytest.mark.parametrize(
    "host", ["iotthingsgraph.example.com", "iotthingsgraph.us-east-1.amazonaws.com.example.com", "example.com"]
)
def test_a_host_that_only_looks_alike_is_looked_up(
    thingsgraph_stub: ThingsGraphStub, host: str, lookups: list[str]
) -> None:
    with pytest.raises(socket.gaierror, match="test refused to look up"):
        socket.getaddrinfo(host, 443)

    assert lookups == [host]


def test_a_host_in_bytes_that_are_not_ascii_is_looked_up(thingsgraph_stub: ThingsGraphStub, lookups: list[str]) -> None:
    host = "iotthingsgraph.b\u00fccher.example"
    with pytest.raises(socket.gaierror, match="test refused to look up"):
        socket.getaddrinfo(host.encode(), 443)

    assert lookups == [host]


def test_a_lookup_after_a_stub_stopped_is_refused_by_the_guard(lookups: list[str]) -> None:
    # the guard and each stub hold the layer: a stub's stop must not take the guard's away
    for _ in range(2):
        with mock_thingsgraph(assert_all_consumed=False):
            pass

    with pytest.raises(StubError) as caught:
        with_urllib3(URL)

    assert str(caught.value) == refusal(LOOKUP, stub_active=False)
    assert lookups == []


@pytest.mark.usefixtures("unguarded")
def test_with_no_stub_and_no_guard_nothing_is_refused(lookups: list[str]) -> None:
    with pytest.raises(socket.gaierror, match="test refused to look up"):
        socket.getaddrinfo(HOST, 443)
    with pytest.raises(urllib.error.URLError, match="test refused to look up"):
        with_urllib_request(URL)

    assert lookups == [HOST, HOST]


@pytest.fixture
def local_port(local_server: str) -> int:
    """The port of the HTTP server on 127.0.0.1 for the traffic that must pass by the layer."""
    return int(local_server.rsplit(":", 1)[1])


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_other_hosts_keep_working(thingsgraph_stub: ThingsGraphStub, local_port: int, host: str) -> None:
    with urllib.request.urlopen(f"http://{host}:{local_port}/health", timeout=5) as answer:
        assert json.loads(answer.read())["served_by"] == "local server"
    assert thingsgraph_stub.calls == []


class _RecordingProxy(socketserver.ThreadingTCPServer):
    """A proxy on 127.0.0.1 that records what each connection sends before its blank line, and refuses it (403)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.received: queue.Queue[bytes] = queue.Queue()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _ProxyHandler(socketserver.StreamRequestHandler):
    server: _RecordingProxy

    def handle(self) -> None:
        lines = []
        while (line := self.rfile.readline()) not in (b"", b"\r\n"):
            lines.append(line)
        self.server.received.put(b"".join(lines))
        if lines:
            self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[_RecordingProxy]:
    """A recording proxy, set in the environment as HTTPS_PROXY and HTTP_PROXY for every host."""
    server = _RecordingProxy()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    for name in ("https_proxy", "http_proxy", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", server.url)
    monkeypatch.setenv("HTTP_PROXY", server.url)
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def through_the_environments_proxy(url: str) -> None:
    """urllib.request as code uses it, with the proxies the environment sets now."""
    urllib.request.build_opener().open(urllib.request.Request(url, data=BODY), timeout=5)


@pytest.mark.parametrize("stub_active", [True, False], ids=["stub", "guard"])
def test_behind_https_proxy_the_connect_line_never_reaches_the_proxy(
    proxy: _RecordingProxy, lookups: list[str], stub_active: bool
) -> None:
    with (
        mock_thingsgraph(assert_all_consumed=False) if stub_active else contextlib.nullcontext(),
        pytest.raises(StubError) as caught,
    ):
        through_the_environments_proxy(URL)

    assert str(caught.value) == refusal("A proxy CONNECT to", stub_active=stub_active)
    assert proxy.received.get(timeout=30) == b""  # the proxy was reached, and told nothing
    assert lookups == ["127.0.0.1"]  # only the proxy was looked up


def test_behind_https_proxy_other_hosts_still_go_through_it(proxy: _RecordingProxy, lookups: list[str]) -> None:
    with mock_thingsgraph(assert_all_consumed=False), pytest.raises(urllib.error.URLError, match="403 Forbidden"):
        through_the_environments_proxy("https://api.example.invalid/items")

    # http.client's CONNECT line says HTTP/1.0 before Python 3.12, HTTP/1.1 from it on
    assert proxy.received.get(timeout=30).splitlines()[0] in (
        b"CONNECT api.example.invalid:443 HTTP/1.0",
        b"CONNECT api.example.invalid:443 HTTP/1.1",
    )
    assert lookups == ["127.0.0.1"]


def test_a_urllib3_proxy_manager_is_refused_at_its_connect_line_too(proxy: _RecordingProxy) -> None:
    manager = urllib3.ProxyManager(proxy.url, retries=False, timeout=5)

    with mock_thingsgraph(assert_all_consumed=False), pytest.raises(StubError) as caught:
        manager.request("POST", URL, body=BODY)

    assert str(caught.value) == refusal("A proxy CONNECT to", stub_active=True)
    assert proxy.received.get(timeout=30) == b""


def test_behind_http_proxy_a_plain_request_line_is_refused(proxy: _RecordingProxy) -> None:
    with mock_thingsgraph(assert_all_consumed=False), pytest.raises(StubError) as caught:
        through_the_environments_proxy(f"http://{HOST}/")

    assert str(caught.value) == refusal("A request through a proxy to", stub_active=True)
    assert proxy.received.get(timeout=30) == b""


PUT_BACK = """
import socket

import pytest
from pytest_thingsgraph import StubError, mock_thingsgraph

LOOKUPS = {name: getattr(socket, name) for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex")}
SOCKET_METHODS = {"connect", "connect_ex", "send", "sendall", "sendmsg"}


def as_it_was():
    return all(getattr(socket, name) is function for name, function in LOOKUPS.items()) and not (
        SOCKET_METHODS & set(vars(socket.socket))
    )


def test_socket_is_patched_only_while_a_stub_runs():
    assert as_it_was()
    for _ in range(2):
        with mock_thingsgraph(assert_all_consumed=False):
            assert not as_it_was()
            with pytest.raises(StubError, match="A name lookup of the Things Graph host"):
                socket.getaddrinfo("iotthingsgraph.us-east-1.amazonaws.com", 443)
        assert as_it_was()
"""


@pytest.mark.usefixtures("unguarded")
def test_the_originals_are_put_back_when_the_last_holder_goes(pytester: pytest.Pytester) -> None:
    """A session with the guard off: each stub is the only holder, and its stop puts socket back as it was."""
    pytester.makeini("[pytest]\nthingsgraph_block_unstubbed = false\n")
    pytester.makepyfile(test_put_back=PUT_BACK)

    result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:xdist", "-p", "no:cacheprovider")

    result.assert_outcomes(passed=1)


@pytest.mark.parametrize("defined", [True, False], ids=["defined-by-the-class", "inherited"])
def test_a_socket_class_attribute_is_put_back_whether_the_class_defined_it_or_inherited_it(defined: bool) -> None:
    class Base:
        def send(self) -> str:
            return "base"

    class Child(Base):
        pass

    if defined:
        Child.send = lambda self: "child"  # type: ignore[method-assign]
    before = dict(vars(Child))
    undo = _network._patch_class(Child, "send", lambda self: "patched")
    assert Child().send() == "patched"
    undo()
    assert dict(vars(Child)) == before
    assert Child().send() == ("child" if defined else "base")

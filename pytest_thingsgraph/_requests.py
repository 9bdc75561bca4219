"""Callers that use ``requests`` (signed by requests-aws4auth or by hand) reach the stub too.

``Session.get_adapter`` is wrapped once, when ``requests`` is imported: while a stub is
active, a Things Graph endpoint (``iotthingsgraph.<region>.amazonaws.com``) gets an adapter
that answers requests carrying ``X-Amz-Target`` from the stub, building each response with
the ``responses`` library. Everything else, and everything while no stub is active, goes to
the adapter requests would have used, so a test's own ``responses`` mocks keep their URLs.
"""

from __future__ import annotations

import re
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import requests.adapters  # (also binds "requests": _activation checks which requests this module wired)
from requests.models import PreparedRequest, Response  # not "from requests": this runs while requests imports

from ._activation import active
from ._wire import CONTENT_TYPE, wire_request

_ENDPOINT = re.compile(r"iotthingsgraph\.[a-z0-9-]+\.amazonaws\.com(\.cn)?")
_WRAPPED = "_pytest_thingsgraph_original"
_response_builder: requests.adapters.HTTPAdapter | None = None


def install(sessions_module: ModuleType) -> None:
    """Wrap ``Session.get_adapter`` of this ``requests.sessions`` module, once."""
    session_class = sessions_module.Session
    original = session_class.get_adapter
    if hasattr(original, _WRAPPED):
        return

    def get_adapter(self: Any, url: str) -> requests.adapters.BaseAdapter:
        adapter: requests.adapters.BaseAdapter = original(self, url)
        if active() is None or not is_things_graph_endpoint(url):
            return adapter
        return StubAdapter(adapter)

    setattr(get_adapter, _WRAPPED, original)
    get_adapter.__doc__ = original.__doc__
    session_class.get_adapter = get_adapter


def is_things_graph_endpoint(url: str) -> bool:
    """Whether ``url`` is a Things Graph endpoint of AWS."""
    return _ENDPOINT.fullmatch(urlsplit(url).hostname or "") is not None


class StubAdapter(requests.adapters.BaseAdapter):
    """Answers Things Graph JSON calls from the active stub; hands anything else on."""

    def __init__(self, fallback: requests.adapters.BaseAdapter) -> None:
        super().__init__()
        self._fallback = fallback

    def send(self, request: PreparedRequest, stream: bool = False, timeout: Any = None, verify: Any = True,
             cert: Any = None, proxies: Any = None) -> Response:  # fmt: skip
        stub = active()
        headers = request.headers
        if stub is None or "X-Amz-Target" not in headers:
            return self._fallback.send(
                request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies
            )
        url = request.url or ""
        wire = wire_request(request.method or "", url, headers, request.body)
        answer = stub.answer(wire)
        import responses  # only Things Graph calls made with requests need it

        mocked = responses.Response(
            method=wire.method,
            url=url,
            body=answer.body,
            status=answer.status_code,
            headers={"x-amzn-RequestId": answer.request_id},
            content_type=CONTENT_TYPE,
        )
        return _builder().build_response(request, mocked.get_response(request))

    def close(self) -> None:
        """Nothing to close: the fallback adapter belongs to the session."""


def _builder() -> requests.adapters.HTTPAdapter:
    global _response_builder
    if _response_builder is None:
        _response_builder = requests.adapters.HTTPAdapter()
    return _response_builder

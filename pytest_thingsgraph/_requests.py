"""The requests adapter: callers that use ``requests`` (signed by requests-aws4auth or by hand) reach the stub.

While a stub runs (or the pytest session's guard), ``Session.get_adapter`` is
patched: a Things Graph endpoint (``iotthingsgraph.<region>.amazonaws.com``)
gets an adapter that answers requests carrying ``X-Amz-Target`` from the stub,
building each response with the ``responses`` library. Everything else goes to
the adapter requests would have used, so a test's own ``responses`` mocks keep
their URLs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import requests.adapters
from requests.models import PreparedRequest, Response

from ._patching import Undo, patch_method
from ._protocol import wire_request
from ._registry import active, refuse_unstubbed
from ._service import CONTENT_TYPE

_ENDPOINT = re.compile(r"iotthingsgraph\.[a-z0-9-]+\.amazonaws\.com(\.cn)?")
_response_builder: requests.adapters.HTTPAdapter | None = None


def patch_session(sessions_module: ModuleType) -> Undo:
    """Route this ``requests.sessions`` module's Things Graph requests to the stub."""
    return patch_method(sessions_module.Session, "get_adapter", _stubbing_get_adapter)


def _stubbing_get_adapter(original: Callable[..., requests.adapters.BaseAdapter]) -> Callable[..., Any]:
    def get_adapter(self: Any, url: str) -> requests.adapters.BaseAdapter:
        adapter = original(self, url)
        if not is_things_graph_endpoint(url):
            return adapter
        return StubAdapter(adapter)

    get_adapter.__doc__ = original.__doc__
    return get_adapter


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
        url = request.url or ""
        if stub is None:
            refuse_unstubbed("A Things Graph request of a requests session", url)
        headers = request.headers
        if stub is None or "X-Amz-Target" not in headers:
            return self._fallback.send(
                request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies
            )
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

"""The requests adapter: callers that use ``requests`` (signed by requests-aws4auth or by hand) reach the stub.

While a stub runs (or the pytest session's guard), ``Session.get_adapter`` is
patched: every Things Graph endpoint (any host botocore's endpoint ruleset makes:
standard, FIPS, dual-stack, in every partition; see :mod:`._endpoints`) gets an
adapter that answers from the stub, whatever the request's headers (a host where
the service never ran raises ``requests.exceptions.ConnectionError``): a request
without a valid ``X-Amz-Target`` gets the service's error, and nothing is sent
to the network (fail-closed). Each response is built with the ``responses``
library. A ``Retry`` mounted on the session's adapter is honoured as urllib3
would honour it against the network, one script item per attempt (the loop of
``responses``' ``_on_request``), its backoff recorded instead of slept with
``instant_retries``. Everything else goes to the adapter requests would have
used, so a test's own ``responses`` mocks keep their URLs.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import requests.adapters
from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import RetryError
from requests.models import PreparedRequest, Response
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from ._endpoints import is_things_graph_endpoint, unreachable_reason
from ._protocol import wire_request
from ._registry import ActiveStub, active, refuse_unstubbed
from ._service import CONTENT_TYPE
from ._undo import Undo, patch_method


def patch_session(sessions_module: ModuleType) -> Undo:
    """Route this ``requests.sessions`` module's Things Graph requests to the stub."""
    return patch_method(sessions_module.Session, "get_adapter", _stubbing_get_adapter)


@functools.cache  # one wrapper per original: each stub's start patches in the same function
def _stubbing_get_adapter(original: Callable[..., requests.adapters.BaseAdapter]) -> Callable[..., Any]:
    def get_adapter(self: Any, url: str) -> requests.adapters.BaseAdapter:
        adapter = original(self, url)
        if not is_things_graph_endpoint(url):
            return adapter
        return StubAdapter(adapter)

    get_adapter.__doc__ = original.__doc__
    return get_adapter


class StubAdapter(requests.adapters.BaseAdapter):
    """Answers every request to a Things Graph endpoint from the active stub; with none active, hands it on."""

    def __init__(self, fallback: requests.adapters.BaseAdapter) -> None:
        super().__init__()
        self._fallback = fallback

    def send(self, request: PreparedRequest, stream: bool = False, timeout: Any = None, verify: Any = True,
             cert: Any = None, proxies: Any = None) -> Response:  # fmt: skip
        stub = active()
        url = request.url or ""
        if stub is None:
            refuse_unstubbed("A Things Graph request of a requests session", url)
            return self._fallback.send(
                request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies
            )
        reason = unreachable_reason(url)
        if reason is not None:  # fails as the network would: nothing sent, a connection error
            stub.record_unreachable(wire_request(request.method or "", url, request.headers, request.body))
            raise RequestsConnectionError(f"Could not connect to {url}: {reason}", request=request)
        retries = getattr(self._fallback, "max_retries", None)
        while True:  # one attempt per turn, each answered by the stub, as urllib3 retries against the network
            response = self._answer(stub, request, url)
            method = request.method or ""
            if not isinstance(retries, Retry) or not retries.is_retry(
                method, response.status_code, "Retry-After" in response.headers
            ):
                return response
            try:
                retries = retries.increment(method=method, url=url, response=response.raw)
            except MaxRetryError as error:  # out of retries: what requests does with urllib3's answer
                if retries.raise_on_status:
                    raise RetryError(error, request=request) from None
                return response
            _back_off(stub, retries.get_backoff_time())

    @staticmethod
    def _answer(stub: ActiveStub, request: PreparedRequest, url: str) -> Response:
        wire = wire_request(request.method or "", url, request.headers, request.body)
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
        # typed through Any: older types-requests (the oldest pins') leave build_response untyped
        builder: Any = _builder()
        response: Response = builder.build_response(request, mocked.get_response(request))
        return response

    def close(self) -> None:
        """Nothing to close: the fallback adapter belongs to the session."""


def _back_off(stub: ActiveStub, seconds: float) -> None:
    """Wait before a retry as urllib3 would (it waits no zero delay), or record the delay with ``instant_retries``."""
    if stub.options.instant_retries:
        stub.record_retry_delay(seconds)
    elif seconds > 0:
        time.sleep(seconds)


@functools.cache
def _builder() -> requests.adapters.HTTPAdapter:
    """The adapter whose ``build_response`` makes requests' responses, made at the first call."""
    return requests.adapters.HTTPAdapter()

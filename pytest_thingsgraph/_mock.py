"""``mock_thingsgraph``: the stub as a context manager and decorator, for use outside fixtures."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from ._options import StubOptions, merge_options
from ._stub import ThingsGraphStub

_Function = TypeVar("_Function", bound=Callable[..., Any])


class ThingsGraphMock:
    """``mock_thingsgraph(**options)``: a context manager and decorator that runs a stub."""

    def __init__(self, options: StubOptions) -> None:
        self._options = options
        self._stubs: list[ThingsGraphStub] = []

    def __enter__(self) -> ThingsGraphStub:
        stub = ThingsGraphStub(self._options)
        stub._start("mock_thingsgraph()")
        self._stubs.append(stub)
        return stub

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        stub = self._stubs.pop()
        stub._stop()
        if exc_type is None:
            stub.verify()

    def __call__(self, function: _Function) -> _Function:
        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with self:
                    return await function(*args, **kwargs)

            return run_async  # type: ignore[return-value]

        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self:
                return function(*args, **kwargs)

        return run  # type: ignore[return-value]


def mock_thingsgraph(**options: bool) -> ThingsGraphMock:
    """Run a stub in a ``with`` block or around a decorated function.

    Takes the options as keywords (see :class:`StubOptions`). On exit the
    teardown checks run and a failure raises :class:`StubError`, unless the
    block is already raising. Inside, :func:`active_stub` returns the stub.
    """
    return ThingsGraphMock(merge_options(StubOptions(), options, source="mock_thingsgraph()"))

"""``mock_thingsgraph(**options)``: a stub outside fixtures: ``start()``/``stop()``, a ``with`` block, a decorator."""

from __future__ import annotations

import contextlib
import functools
import inspect
import unittest
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any, TypeVar, overload

from ._errors import UsageError
from ._options import StubOptions, merge_options
from ._stub import ThingsGraphStub

_Target = TypeVar("_Target", bound=Callable[..., Any])
_Class = TypeVar("_Class", bound=type)
#: Set on the functions a patcher wraps, so a decorated subclass leaves its base's wrapped methods alone.
_STUBBED = "__thingsgraph_stubbed__"


class ThingsGraphPatcher:
    """Runs a fresh stub on each ``start()`` (or ``with``, or decorated call) until the matching ``stop()``.

    ``stop()`` (and leaving the block without an exception) runs the teardown
    checks and raises :class:`StubError` with the report if one failed.
    """

    def __init__(self, options: StubOptions, owner: str = "mock_thingsgraph()", started_at: str | None = None) -> None:
        self.options = options
        self._owner = owner
        self._started_at = started_at  # where its stubs start, for messages; None: the caller of start()
        self._running: list[ThingsGraphStub] = []

    def start(self) -> ThingsGraphStub:
        """Start a stub that answers every client, and return it."""
        return self._start(self._owner, self._started_at)

    def _start(self, owner: str, started_at: str | None) -> ThingsGraphStub:
        stub = ThingsGraphStub(self.options)
        stub.activate(owner, started_at)
        self._running.append(stub)
        return stub

    @contextlib.contextmanager
    def _around(self, target: Callable[..., Any]) -> Iterator[ThingsGraphStub]:
        """A stub around one call of a decorated ``target``, which the messages name with its definition."""
        name = getattr(target, "__qualname__", repr(target))
        stub = self._start(f"{self._owner} decorating {name}", _defined_at(target))
        try:
            yield stub
        except BaseException:
            self.stop(check=False)
            raise
        self.stop()

    def stop(self, *, check: bool = True, check_consumed: bool = True) -> None:
        """Stop the stub this patcher started last; then, with ``check``, raise :class:`StubError` if a check failed."""
        if not self._running:
            raise UsageError(f"{self._owner}.stop() was called with no stub running: call start() first.")
        stub = self._running.pop()
        stub.deactivate()
        if check:
            stub.verify(check_consumed=check_consumed)

    def __enter__(self) -> ThingsGraphStub:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop(check=exc_type is None)

    @overload
    def __call__(self, target: _Class) -> _Class: ...

    @overload
    def __call__(self, target: _Target) -> _Target: ...

    def __call__(self, target: Any) -> Any:
        """Decorate a function, a coroutine function, a ``unittest.TestCase`` class or a test class."""
        if isinstance(target, type):
            if issubclass(target, unittest.TestCase):
                return self._decorate_test_case(target)
            return self._decorate_class(target)
        if inspect.iscoroutinefunction(target):

            @functools.wraps(target)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with self._around(target):
                    return await target(*args, **kwargs)

            setattr(run_async, _STUBBED, True)
            return run_async
        if inspect.isfunction(target) or inspect.ismethod(target):

            @functools.wraps(target)
            def run(*args: Any, **kwargs: Any) -> Any:
                with self._around(target):
                    return target(*args, **kwargs)

            setattr(run, _STUBBED, True)
            return run
        raise TypeError(
            f"mock_thingsgraph() cannot decorate {target!r} ({type(target).__name__}): decorate a function, "
            "a coroutine function, a unittest.TestCase class or a test class, or use it as a with block."
        )

    def _decorate_test_case(self, case: type[unittest.TestCase]) -> type[unittest.TestCase]:
        """A stub runs for each test, from before ``setUp`` to after ``tearDown`` and the cleanups.

        Where decorated classes inherit from one another, the outermost ``setUp`` (the most
        derived class's decorator) starts the one stub of the test; the others pass through.
        """
        set_up = case.setUp

        @functools.wraps(set_up)
        def setUp(test: unittest.TestCase) -> None:
            if vars(test).get(_STUBBED):
                set_up(test)
                return
            method = getattr(type(test), test._testMethodName)
            self._start(f"{self._owner} decorating {method.__qualname__}", _defined_at(method))
            vars(test)[_STUBBED] = True
            test.addCleanup(self.stop)
            set_up(test)

        case.setUp = setUp  # type: ignore[method-assign,assignment]
        return case

    def _decorate_class(self, cls: type) -> type:
        """Each ``test*`` method (sync or async), its own or inherited, runs with a stub of its own.

        An inherited method a decorated base class already wraps keeps that base's stub.
        """
        for name in dir(cls):
            member = inspect.getattr_static(cls, name)
            if name.startswith("test") and inspect.isfunction(member) and not hasattr(member, _STUBBED):
                setattr(cls, name, self(member))
        return cls


def _defined_at(target: Callable[..., Any]) -> str | None:
    """``file:line`` of the definition of a function, for messages; ``None`` if it has no code."""
    code = getattr(inspect.unwrap(target), "__code__", None)
    return f"{code.co_filename}:{code.co_firstlineno}" if code is not None else None


def mock_thingsgraph(**options: bool) -> ThingsGraphPatcher:
    """Run a stub with ``start()``/``stop()``, in a ``with`` block, or around a decorated function or class.

    Takes the options as keywords (see :class:`StubOptions`). On stop the
    teardown checks run and a failure raises :class:`StubError`, unless the
    block is already raising. While it runs, :func:`active_stub` returns the stub.
    """
    return ThingsGraphPatcher(merge_options(_DEFAULT_OPTIONS, options, source="mock_thingsgraph()"))


_DEFAULT_OPTIONS = StubOptions()  # frozen: one for every mock_thingsgraph()

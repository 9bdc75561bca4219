"""``mock_thingsgraph(**options)``: a stub outside fixtures: ``start()``/``stop()``, a ``with`` block, a decorator."""

from __future__ import annotations

import contextlib
import functools
import inspect
import unittest
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any, TypeVar, overload

from . import _registry
from ._errors import StubError, UsageError
from ._options import StubOptions, merge_options
from ._stub import ThingsGraphStub

_Target = TypeVar("_Target", bound=Callable[..., Any])
_Class = TypeVar("_Class", bound=type)
#: Set on the functions a patcher wraps, so a decorated subclass leaves its base's wrapped methods alone.
_STUBBED = "__thingsgraph_stubbed__"
#: Set on the ``setup_method``/``teardown_method`` a patcher puts on a class: the class's own method it calls.
_XUNIT = "__thingsgraph_xunit__"
#: The patchers whose decorated class's ``setup_method`` started a running test's stub, the last one the newest.
_xunit_owners: list[ThingsGraphPatcher] = []


def _xunit_owner() -> ThingsGraphPatcher | None:
    """The patcher whose decorated class's ``setup_method`` started the running test's stub, if one did: every
    decorated class's test method (its own or inherited) and ``setup_method`` run under that one stub."""
    owner = _xunit_owners[-1] if _xunit_owners else None
    return owner if owner is not None and _registry.active() is owner._test_stub else None


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
        #: In a decorated plain class with setup_method or teardown_method: the stub of the running test
        #: (started before setup_method, stopped after teardown_method), and whether the test raised.
        self._test_stub: ThingsGraphStub | None = None
        self._test_raised = False

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
            _registry.note_raised(stub)  # for the failed test's "Things Graph calls" section
            raise
        try:
            self.stop()
        except StubError:
            _registry.note_raised(stub)
            raise

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
        """Decorate a function, a coroutine function, a generator function, a ``unittest.TestCase`` class or a test
        class; what it returns is what it wraps (a generator function stays one)."""
        if isinstance(target, type):
            if issubclass(target, unittest.TestCase):
                return self._decorate_test_case(target)
            return self._decorate_class(target)
        return self._wrap(target, in_class=False)

    def _wrap(self, target: Any, *, in_class: bool) -> Any:
        """``target`` run with a stub; ``in_class``: a test method of a decorated class (see :meth:`_in_test`)."""
        if inspect.isasyncgenfunction(target):
            raise TypeError(
                f"mock_thingsgraph() cannot decorate the async generator function {target.__qualname__}: "
                "use a with block inside it (with mock_thingsgraph() as stub: ...)."
            )
        if inspect.iscoroutinefunction(target):

            @functools.wraps(target)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with self._in_test(target, in_class=in_class):
                    return await target(*args, **kwargs)

            setattr(run_async, _STUBBED, True)
            return run_async
        if inspect.isgeneratorfunction(target):

            @functools.wraps(target)
            def run_generator(*args: Any, **kwargs: Any) -> Any:
                with self._in_test(target, in_class=in_class):
                    return (yield from target(*args, **kwargs))

            setattr(run_generator, _STUBBED, True)
            return run_generator
        if inspect.isfunction(target) or inspect.ismethod(target):

            @functools.wraps(target)
            def run(*args: Any, **kwargs: Any) -> Any:
                with self._in_test(target, in_class=in_class):
                    return target(*args, **kwargs)

            setattr(run, _STUBBED, True)
            return run
        raise TypeError(
            f"mock_thingsgraph() cannot decorate {target!r} ({type(target).__name__}): decorate a function, "
            "a coroutine function, a unittest.TestCase class or a test class, or use it as a with block."
        )

    @contextlib.contextmanager
    def _in_test(self, target: Callable[..., Any], *, in_class: bool) -> Iterator[None]:
        """The stub of one call of ``target``: the test's own when setup_method started one (for a test method of a
        decorated class, whichever decorated class's setup_method it inherits), else a new one."""
        owner = self if self._test_stub is not None or not in_class else _xunit_owner()
        stub = owner._test_stub if owner is not None else None
        if owner is not None and stub is not None and _registry.active() is stub:
            try:
                yield
            except BaseException:
                owner._test_raised = True
                _registry.note_raised(stub)  # for the failed test's "Things Graph calls" section
                raise
            return
        with self._around(target):
            yield

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
        """Each ``test*`` method (sync or async, static or class method), its own or inherited, runs with a stub of
        its own; with ``setup_method`` or ``teardown_method``, from before the one to after the other.

        An inherited test method a decorated base class already wraps runs under the test's stub as well; the most
        derived decorator's ``setup_method`` starts that stub (with its options), and a ``super().setup_method()``
        into a decorated base class's runs under it.
        """
        for name in dir(cls):
            member = inspect.getattr_static(cls, name)
            if not name.startswith("test"):
                continue
            if isinstance(member, (staticmethod, classmethod)):
                function = member.__func__
                if inspect.isfunction(function) and not hasattr(function, _STUBBED):
                    setattr(cls, name, type(member)(self._wrap(function, in_class=True)))
            elif inspect.isfunction(member) and not hasattr(member, _STUBBED):
                setattr(cls, name, self._wrap(member, in_class=True))
        set_up, tear_down = _own_xunit(cls, "setup_method"), _own_xunit(cls, "teardown_method")
        if set_up is not None or tear_down is not None:
            self._wrap_setup_and_teardown(cls, set_up, tear_down)
        return cls

    def _wrap_setup_and_teardown(self, cls: type, set_up: Any, tear_down: Any) -> None:
        """The test's stub starts before ``setup_method`` and stops (with its checks) after ``teardown_method``."""

        def setup_method(test: Any, method: Any = None) -> None:
            if _xunit_owner() is not None:  # a decorated subclass's setup_method started the test's stub
                _call_xunit(set_up, test, method)
                return
            target = method if method is not None else set_up
            self._test_stub = self._start(
                f"{self._owner} decorating {getattr(target, '__qualname__', repr(target))}", _defined_at(target)
            )
            self._test_raised = False
            _xunit_owners.append(self)
            try:
                _call_xunit(set_up, test, method)
            except BaseException:
                self._end_test(check=False)
                raise

        def teardown_method(test: Any, method: Any = None) -> None:
            if self._test_stub is None:  # another decorated class's setup_method started the test's stub
                _call_xunit(tear_down, test, method)
                return
            try:
                _call_xunit(tear_down, test, method)
            except BaseException:
                self._end_test(check=False)
                raise
            self._end_test(check=not self._test_raised)

        for function, own in ((setup_method, set_up), (teardown_method, tear_down)):
            setattr(function, _STUBBED, True)
            setattr(function, _XUNIT, own)
            function.__qualname__ = f"{cls.__qualname__}.{function.__name__}"
            setattr(cls, function.__name__, function)

    def _end_test(self, *, check: bool) -> None:
        stub, self._test_stub = self._test_stub, None
        if self in _xunit_owners:
            _xunit_owners.remove(self)
        if stub is not None and self._running and self._running[-1] is stub:
            self.stop(check=check)


def _own_xunit(cls: type, name: str) -> Any:
    """The class's ``setup_method`` or ``teardown_method``; where a decorated base class wrapped it, the base's own
    method (which this class's decorator wraps again)."""
    member = inspect.getattr_static(cls, name, None)
    return getattr(member, _XUNIT) if hasattr(member, _XUNIT) else member


def _call_xunit(method: Any, test: Any, argument: Any) -> None:
    """Call a class's own ``setup_method``/``teardown_method`` (if any) as pytest does: with its argument if it
    takes one."""
    if method is None:
        return
    bound = method.__get__(test, type(test))
    count = getattr(getattr(bound, "__code__", None), "co_argcount", 1) - (1 if inspect.ismethod(bound) else 0)
    if count:
        bound(argument)
    else:
        bound()


def _defined_at(target: Callable[..., Any]) -> str | None:
    """``file:line`` of the definition of a function, for messages; ``None`` if it has no code."""
    code = getattr(inspect.unwrap(target), "__code__", None)
    return f"{code.co_filename}:{code.co_firstlineno}" if code is not None else None


@overload
def mock_thingsgraph(target: _Class, /) -> _Class: ...


@overload
def mock_thingsgraph(target: _Target, /) -> _Target: ...


@overload
def mock_thingsgraph(**options: bool) -> ThingsGraphPatcher: ...


def mock_thingsgraph(target: Any = None, /, **options: bool) -> Any:
    """Run a stub with ``start()``/``stop()``, in a ``with`` block, or around a decorated function or class.

    Takes the options as keywords (see :class:`StubOptions`). On stop the
    teardown checks run and a failure raises :class:`StubError`, unless the
    block is already raising. While it runs, :func:`active_stub` returns the stub.
    Without parentheses (``@mock_thingsgraph``) it decorates with the default options.
    """
    patcher = ThingsGraphPatcher(merge_options(_DEFAULT_OPTIONS, options, source="mock_thingsgraph()"))
    return patcher if target is None else patcher(target)


_DEFAULT_OPTIONS = StubOptions()  # frozen: one for every mock_thingsgraph()

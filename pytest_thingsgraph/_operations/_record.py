"""What one operation is to the stub: its :class:`Operation` record, and the :class:`Service` its handler answers from.

Each operation the stub answers is one module of this package that makes one
:class:`Operation`; the registry (``OPERATIONS`` in ``__init__.py``) maps API
names to them, and the stub, the protocol and the teardown report look
operations up there, never by name in code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, cast

from .._call import Call
from .._errors import UsageError
from .._options import StubOptions
from .._protocol import describe, describe_json
from .._wire import ParsedRequest, Rejection, Reply

_State = TypeVar("_State")

#: Where the README explains the options that silence each check.
SEE_OPTIONS = "(see 'Options and teardown' in the README of pytest-thingsgraph)"


class Unanswerable(Exception):
    """The stub has no answer for this request; the message says why and what to change."""


@dataclass(slots=True)
class Service:
    """Things Graph as the stub plays it: its options, and the state of its operations, each made on first use."""

    options: StubOptions
    states: dict[Callable[[], Any], Any] = field(default_factory=dict)

    def state(self, make: Callable[[], _State]) -> _State:
        """The state ``make`` makes, made on first use: operations that share a state pass the same ``make``."""
        state = self.states.get(make)
        if state is None:
            state = self.states[make] = make()
        return cast("_State", state)


@dataclass(frozen=True, slots=True)
class Answer:
    """A handler's answer: the reply, the upload it concerns, and how the request differs from what was expected."""

    reply: Reply
    upload_id: str | None = None
    mismatch: str | None = None


@dataclass(frozen=True, slots=True)
class Section:
    """One section of the teardown report: its title, one line per finding, and how to fix them."""

    title: str
    lines: Sequence[str]
    fix: str


class ScriptedStub(Protocol):
    """The stub a JSON form scripts (``ThingsGraphStub``), typed here so that no operation imports ``_stub``."""

    _service: Service  # read by the JSON forms, to name what the stub would refuse in the JSON form's words
    _stopped: bool

    def add_upload(self, *args: Any, **kwargs: Any) -> None: ...

    def on_upload_entity_definitions(self, *args: Any, **kwargs: Any) -> str | None: ...

    def add_response(self, *args: Any, **kwargs: Any) -> None: ...


class AddEntry(Protocol):
    """Adds one entry of a JSON form to ``stub``; returns what the control API answers with (an upload ID, or
    the operation an answer was added for), under the form's ``answer_key``.

    ``taken`` ends the message for an ``uploadId`` the stub already scripts (what the caller can do about it).
    """

    def __call__(self, stub: ScriptedStub, entry: object, /, *, where: str, taken: str) -> str | None: ...


@dataclass(frozen=True, slots=True)
class JsonForm:
    """One operation's JSON form in server mode: its script file key, its control route and the function that
    adds one entry."""

    #: The script file's top-level key that holds a list of entries.
    key: str
    #: The control route that adds one entry, under the control API's prefix.
    route: str
    add: AddEntry
    #: Its entries answer calls to come: ``apply_script`` returns the upload IDs they will create.
    queued: bool
    #: The key of the control route's answer, ``{answer_key: what add returned}``.
    answer_key: str = "uploadId"


#: ``(service, request, region, request number) -> answer``; raises :class:`Unanswerable` where the stub cannot answer.
Handler = Callable[[Service, ParsedRequest, str | None, int], Answer]


@dataclass(frozen=True, slots=True)
class Operation:
    """Everything the stub knows of one operation it answers."""

    #: The API name, as ``X-Amz-Target`` names it.
    name: str
    #: The members of its request shape (camelCase, in the model's order), which ``expected=`` may name.
    request_members: tuple[str, ...]
    #: Its request body checked as the service checks it: the request it accepted, or why it refused it.
    parse: Callable[[bytes], ParsedRequest | Rejection]
    #: Its answer to a request ``parse`` accepted.
    handle: Handler
    #: The teardown sections of what the test scripted for it and no call took (with ``assert_all_consumed``);
    #: the second argument words how to silence the check ("set assert_all_consumed=False (see ...)").
    unconsumed: Callable[[Service, str], list[Section]]
    #: The method whose ``expected=`` its calls are held to, named in the teardown report (``None``: none is).
    expected_by: str | None
    #: Its line in the "Things Graph calls" report: what a call concerned (such as ``'upload-1'``), or ``None``;
    subject: Callable[[Call], str | None]
    #: and what it answered besides an error code (such as ``SUCCEEDED``), or ``None``.
    outcome: Callable[[Call], str | None]
    #: How server mode's script files and control API script it (``None``: they do not).
    json_form: JsonForm | None

    def checked_expected(self, where: str, expected: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
        """``expected=`` request members, checked against the request shape (``where`` names the call)."""
        if expected is None:
            return None
        if not isinstance(expected, Mapping):
            raise UsageError(f"{where}: expected={describe(expected)} is not a dict of request members.")
        for name in expected:
            if name not in self.request_members:
                raise UsageError(
                    f"{where}: expected has {describe(name)}, which is not a member of {self.name}Request: "
                    f"use {', '.join(self.request_members)} (camelCase, as on the wire)."
                )
        return dict(expected)


def mismatch(expected: Mapping[str, Any], document: Mapping[str, Any]) -> str | None:
    """Expected and actual request members side by side, where they differ."""
    differ = [name for name, value in expected.items() if document.get(name) != value]
    if not differ:
        return None
    return "; ".join(
        f"{name}: expected {describe_json(expected[name])}, got "
        + (describe_json(document[name]) if name in document else "nothing")
        for name in differ
    )

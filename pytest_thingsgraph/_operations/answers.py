"""Every operation but the two upload ones: answers queued with ``add_response``, checked against botocore's model.

One :class:`Operation` record per operation, all made here from the model:
requests are checked against the input shape, each HTTP attempt takes the first
queued answer whose ``match`` fits it, and answers never taken are reported at
teardown. The model is read on first use (the plugin's load reads none of it).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import _model, _shapes
from .._call import Call
from .._errors import ServiceError, UsageError
from .._protocol import decode, describe, error_reply, freeze, invalid, ok_reply
from .._service import ANSWERED_OPERATIONS, DOCUMENTED_ERRORS
from .._wire import ParsedRequest, Rejection, Reply
from ._record import Answer, JsonForm, Operation, Section, Service, Unanswerable

#: How the add_response method is named in messages, and its server mode's forms.
ADD_RESPONSE = "stub.add_response"
SERVER_MODE_HINT = 'thingsgraph-server: POST /_thingsgraph/responses, or a script file\'s "responses"'


@dataclass(frozen=True, slots=True)
class Queued:
    """One answer ``add_response`` queued: its reply, and the requests it is for (wire form)."""

    operation: str
    reply: Reply
    match: Mapping[str, Any] | None
    expected: Mapping[str, Any] | None
    #: The answer as the test wrote it, for messages.
    label: str
    #: Its place among the answers added for its operation (1 for the first).
    number: int
    #: What a call that takes it answers when nothing is ``expected`` (made once: a call then makes none).
    answer: Answer
    #: ``match`` holds no :data:`ANY`: a request equal to it fits it (see :func:`handle`).
    exact: bool

    def place(self) -> str:
        """``answer 2 (match={'id': ...})``: the answer as messages name it."""
        match = "" if self.match is None else f" (match={describe(self.match, limit=100)})"
        return f"answer {self.number}{match}"


@dataclass(slots=True)
class Answers:
    """The answers queued for each operation, in the order they were added, and how many were added."""

    queues: dict[str, list[Queued]] = field(default_factory=dict)
    added: dict[str, int] = field(default_factory=dict)

    def add(self, queued: Queued) -> None:
        """Queue an answer, numbered in the order its operation's answers were added."""
        number = self.added[queued.operation] = self.added.get(queued.operation, 0) + 1
        self.queues.setdefault(queued.operation, []).append(dataclasses.replace(queued, number=number))


def answers_of(service: Service) -> Answers:
    """The queued answers of ``service``."""
    return service.state(Answers)


def prepare(operation: str, answer: object, *, match: object, expected: object, where: str) -> Queued:
    """``add_response``'s arguments, checked against the model; the answer encoded once."""
    model = _model.operation_model(operation)
    if isinstance(answer, ServiceError):
        _check_error(operation, answer, where)
        reply = error_reply(answer.code, answer.message, answer.status_code)
        label = repr(answer)
    else:
        shape = model.output_shape
        problem = (
            _shapes.python_problem(shape, answer, "")
            if shape is not None
            else (None if answer == {} else f"the answer is {describe(answer)}: {operation} answers {{}}")
        )
        if problem:
            raise UsageError(f"{where}: {problem}.")
        assert isinstance(answer, Mapping)  # python_problem refuses any other
        document = _shapes.to_wire(shape, answer) if shape is not None else {}
        reply = ok_reply(document)
        label = describe(dict(answer), limit=100)
    selector = _selector(model.input_shape, match, "match", where)
    return Queued(
        operation,
        reply,
        selector,
        _selector(model.input_shape, expected, "expected", where),
        label,
        0,  # numbered when it is queued
        Answer(reply),
        selector is not None and not _shapes.holds_any(selector),
    )


def _check_error(operation: str, error: ServiceError, where: str) -> None:
    documented = _model.documented_errors(operation)
    if error.code in DOCUMENTED_ERRORS and error.code not in documented:
        raise UsageError(
            f"{where}: {operation} never answered {error.code}: its documented errors are "
            f"{', '.join(documented)}. Script one of them (an error the model does not list needs status_code=)."
        )


def _selector(shape: Any, value: object, name: str, where: str) -> Mapping[str, Any] | None:
    """``match=`` or ``expected=``: request members (``ANY`` for any value), checked and put in wire form."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise UsageError(f"{where}: {name}={describe(value)} is not a dict of request members.")
    if shape is None:
        if value:
            raise UsageError(f"{where}: {name}= names {', '.join(map(repr, value))}, but the request has no members.")
        return {}
    problem = _shapes.python_problem(shape, value, "", partial=True)
    if problem:
        raise UsageError(f"{where}: {name}: {problem}.")
    selector: Mapping[str, Any] = freeze(_shapes.to_wire(shape, value))
    return selector


@functools.lru_cache(maxsize=1024)
def parse_body(operation: str, body: bytes) -> ParsedRequest | Rejection:
    """A body of ``operation``, checked against its request shape as the service checks it (parsed once)."""
    document = decode(body)
    if isinstance(document, Rejection):
        return dataclasses.replace(document, operation=operation)
    shape = _model.operation_model(operation).input_shape
    violations: list[str] = []
    wrong = _shapes.wire_problems(shape, document, "", violations) if shape is not None else None
    frozen = freeze(document)
    if wrong is not None:
        message = _shapes.wrong_type_text(*wrong)
        return Rejection("SerializationException", message, operation=operation, document=frozen)
    if violations:
        return dataclasses.replace(invalid(violations), operation=operation, document=frozen)
    return ParsedRequest(operation, frozen)


def handle(service: Service, request: ParsedRequest, region: str | None, number: int) -> Answer:
    """The first queued answer whose ``match`` fits the request; :class:`Unanswerable` if none does."""
    operation = request.operation
    document = request.document
    queue = answers_of(service).queues.get(operation, [])
    for index, queued in enumerate(queue):
        # A request that reaches here fits its operation's shape (parse_body refused any other), as every
        # match= does: where both have a member, its JSON types agree (no True where 1 is), so without ANY
        # a match equal to the whole request fits it, as unfit would find member by member.
        if queued.match is None or (queued.exact and queued.match == document) or _shapes.fits(queued.match, document):
            del queue[index]
            if not queued.expected:
                return queued.answer
            differences = _shapes.differences(queued.expected, document)
            return Answer(queued.reply, None, "; ".join(differences) or None)
    # none fits (every answer left has a match=): only now word why each does not
    reasons = [f"{queued.place()}: {_shapes.unfit(queued.match, document, '')}" for queued in queue]
    what = _identity(operation, document)
    if not reasons:
        raise Unanswerable(
            f"{operation} (request {number}{what}) has no answer queued: add one with "
            f"{ADD_RESPONSE}({operation!r}, {{...}}) before the code under test calls it "
            f"({SERVER_MODE_HINT})."
        )
    raise Unanswerable(
        f"No answer queued for {operation} fits request {number}{what}: "
        + "; ".join(reasons)
        + f". Give one a match= that fits this request, or add one with {ADD_RESPONSE}({operation!r}, {{...}}) "
        f"({SERVER_MODE_HINT})."
    )


def _identity(operation: str, document: Mapping[str, Any]) -> str:
    member = identifying_member(operation)
    value = document.get(member) if member else None
    return f", {member}={describe(value)}" if isinstance(value, str) else ""


@functools.cache
def identifying_member(operation: str) -> str | None:
    """The request member a report line shows: its first string member, such as ``id`` (not ``nextToken``)."""
    shape = _model.operation_model(operation).input_shape
    if shape is None:
        return None
    for name, member in shape.members.items():
        if member.type_name == "string" and name != "nextToken":
            return name
    return None


def unconsumed(operation: str, service: Service, silence: str) -> list[Section]:
    """The answers queued for ``operation`` that no call took."""
    left = answers_of(service).queues.get(operation)
    if not left:
        return []
    return [
        Section(
            f"These {operation} answers were never taken:",
            [f"{queued.place()}: {queued.label}" for queued in left],
            "Make the calls that take them, or remove them; if some are optional, " + silence,
        )
    ]


def subject(call: Call) -> str | None:
    """What a call concerned: its identifying member, such as ``id``."""
    if call.operation is None or call.request is None:
        return None
    member = identifying_member(call.operation)
    value = call.request.get(member) if member else None
    return repr(value) if isinstance(value, str) else None


def outcome(call: Call) -> str | None:
    """A status the answer carries (``status`` at any depth, such as GetSystemInstance's ``DEPLOYED_IN_TARGET``)."""
    pending: list[Any] = [call.response]
    while pending:
        value = pending.pop(0)
        if isinstance(value, Mapping):
            status = value.get("status")
            if isinstance(status, str):
                return status
            pending.extend(value.values())
    return None


def add_response_json(stub: Any, entry: object, /, *, where: str, taken: str) -> str | None:
    """``stub.add_response`` from the JSON form (server mode); returns the operation's API name."""
    from .._script_responses import add_response_entry

    return add_response_entry(stub, entry, where=where)


#: Server mode's JSON form of every operation here: script files' ``"responses"`` and ``POST /_thingsgraph/responses``,
#: which answers ``{"operation": API name}``.
JSON_FORM = JsonForm("responses", "responses", add_response_json, queued=False, answer_key="operation")


def record(operation: str) -> Operation:
    """The record of ``operation``, one of :data:`ANSWERED_OPERATIONS`."""
    return Operation(
        name=operation,
        request_members=(),  # expected= is checked against the model's shape when an answer is added
        parse=functools.partial(parse_body, operation),
        handle=handle,
        unconsumed=functools.partial(unconsumed, operation),
        expected_by="add_response",
        subject=subject,
        outcome=outcome,
        json_form=None,
    )


OPERATIONS = tuple(record(operation) for operation in ANSWERED_OPERATIONS)
ANSWERED = ANSWERED_OPERATIONS

"""The teardown report: one section per failed check, each saying how to fix it or which option silences it."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ._call import Call
from ._operations import OPERATIONS, Operation, Section, Service
from ._operations._record import SEE_OPTIONS


@dataclass(slots=True)
class Problems:
    """What went wrong while the stub answered, in order."""

    invalid_requests: list[str] = field(default_factory=list)
    #: Operation -> its calls that did not carry what their answers expected.
    unexpected_requests: dict[str, list[str]] = field(default_factory=dict)
    stub_errors: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Unanswered:
    """A call the stub had no answer for (it raised :class:`StubError` to the client): request ``number``."""

    number: int
    operation: str
    region: str | None


def python_option(name: str, value: bool) -> str:
    """How the report tells a test to set the option that silences a check: its Python keyword."""
    return f"set {name}={value}"


def python_expected(operation: Operation) -> str:
    """How the report names where the members a call had to carry were set: the Python method's ``expected=``."""
    return f"the expected= of {operation.expected_by}"


def report(
    service: Service,
    problems: Problems,
    *,
    check_consumed: bool,
    set_option: Callable[[str, bool], str] = python_option,
    expected_of: Callable[[Operation], str] = python_expected,
    known: str = "",
) -> list[str]:
    """The sections of the teardown report; empty when every check passed.

    ``set_option(name, value)`` words the fix that silences a check, and ``expected_of(operation)`` where a call's
    expected members were set (the standalone server names its flag and its script entries);
    ``known`` is a failure already reported: the stub errors it states are left out.
    """
    options = service.options
    sections: list[Section] = []
    if check_consumed and options.assert_all_consumed:
        silence = f"{set_option('assert_all_consumed', False)} {SEE_OPTIONS}"
        for operation in OPERATIONS.values():
            sections.extend(operation.unconsumed(service, silence))
    if problems.invalid_requests and not options.allow_invalid_requests:
        sections.append(
            Section(
                "These requests were invalid and were answered with the service's error:",
                problems.invalid_requests,
                "Fix the code that sent them; if they are on purpose, "
                + f"{set_option('allow_invalid_requests', True)} {SEE_OPTIONS}",
            )
        )
    for operation in OPERATIONS.values():
        unexpected = problems.unexpected_requests.get(operation.name)
        if unexpected:
            sections.append(
                Section(
                    f"These {operation.name} calls did not carry what their answers expected:",
                    unexpected,
                    f"Fix the code that sent them, or {expected_of(operation)}.",
                )
            )
    stub_errors = [error for error in problems.stub_errors if not known or error not in known]
    if stub_errors:
        sections.append(
            Section(
                "The stub raised StubError during the test (the code under test may have caught it):",
                stub_errors,
                "",
            )
        )
    return [_text(section) for section in sections]


def _text(section: Section) -> str:
    body = "\n".join(f"- {line}" for line in section.lines)
    return f"{section.title}\n{body}" + (f"\n{section.fix}" if section.fix else "")


def calls_section(
    calls: Sequence[Call], unanswered: Sequence[Unanswered] = (), *, head: int = 20, tail: int = 30
) -> str:
    """The calls of a failed test, one line each; a long history keeps its first and last calls.

    The calls the stub had no answer for take their place among them, by request number.
    """
    if not calls and not unanswered:
        return "no Things Graph calls were made"
    skipped = {call.number for call in unanswered}
    answered = (number for number in itertools.count(1) if number not in skipped)
    numbered = [(number, _call_line(number, call)) for number, call in zip(answered, calls, strict=False)]
    numbered += [(call.number, _unanswered_line(call)) for call in unanswered]
    lines = [line for _, line in sorted(numbered)]
    if len(lines) > head + tail:
        left_out = len(lines) - head - tail
        lines[head:-tail] = [f"... {left_out} call{'s' if left_out > 1 else ''} left out ..."]
    return "\n".join(lines)


def _unanswered_line(call: Unanswered) -> str:
    """``number operation - region - not answered ...``: a call the stub raised StubError for."""
    return f"{call.number:>4} {call.operation} - {call.region or '-'} - not answered: the stub raised StubError"


def _call_line(number: int, call: Call) -> str:
    """``number operation subject region status outcome``: the subject and outcome as the call's operation says."""
    operation = OPERATIONS.get(call.operation) if call.operation is not None else None
    subject = operation.subject(call) if operation is not None else None
    outcome = (operation.outcome(call) if operation is not None else None) or call.error_code or ""
    line = f"{number:>4} {call.operation or '?'} {subject or '-'} {call.region or '-'} {call.status_code} {outcome}"
    return line.rstrip()

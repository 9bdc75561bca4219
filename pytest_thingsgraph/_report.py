"""The teardown report: one section per failed check, each saying how to fix it or which option silences it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ._operations import Service
from ._scripts import Upload

if TYPE_CHECKING:
    from ._stub import Call

#: Where the README explains the options that silence each check.
_SEE = "(see 'Options and teardown' in the README of pytest-thingsgraph)"


@dataclass(slots=True)
class Problems:
    """What went wrong while the stub answered, in order."""

    invalid_requests: list[str] = field(default_factory=list)
    unexpected_requests: list[str] = field(default_factory=list)
    stub_errors: list[str] = field(default_factory=list)


def python_option(name: str, value: bool) -> str:
    """How the report tells a test to set the option that silences a check: its Python keyword."""
    return f"set {name}={value}"


def report(
    service: Service,
    problems: Problems,
    *,
    check_consumed: bool,
    set_option: Callable[[str, bool], str] = python_option,
) -> list[str]:
    """The sections of the teardown report; empty when every check passed.

    ``set_option(name, value)`` words the fix that silences a check (the standalone server names its flag).
    """
    options = service.options
    sections = []
    consumed = check_consumed and options.assert_all_consumed
    if consumed and service.queue:
        sections.append(
            _section(
                "These UploadEntityDefinitions answers were queued but no call took them:",
                [entry.label() for entry in service.queue],
                "Make the calls or queue fewer answers; if some are optional, "
                + f"{set_option('assert_all_consumed', False)} {_SEE}",
            )
        )
    unconsumed = [upload for upload in service.uploads.values() if upload.unconsumed()] if consumed else []
    if unconsumed:
        sections.append(
            _section(
                "These uploads were not polled to the end of their scripts:",
                [_unconsumed_line(upload) for upload in unconsumed],
                "Poll them to the end or shorten their scripts; if some items are optional, "
                + f"{set_option('assert_all_consumed', False)} {_SEE}",
            )
        )
    if problems.invalid_requests and not options.allow_invalid_requests:
        sections.append(
            _section(
                "These requests were invalid and were answered with the service's error:",
                problems.invalid_requests,
                "Fix the code that sent them; if they are on purpose, "
                + f"{set_option('allow_invalid_requests', True)} {_SEE}",
            )
        )
    if problems.unexpected_requests:
        sections.append(
            _section(
                "These UploadEntityDefinitions calls did not carry what their answers expected:",
                problems.unexpected_requests,
                "Fix the code that sent them, or the expected= of on_upload_entity_definitions().",
            )
        )
    if problems.stub_errors:
        sections.append(
            _section(
                "The stub raised StubError during the test (the code under test may have caught it):",
                problems.stub_errors,
                "",
            )
        )
    return sections


def _unconsumed_line(upload: Upload) -> str:
    line = f"{upload.upload_id!r}: {upload.served} of {len(upload.items)} items served; not served: " + ", ".join(
        item.label() for item in upload.left()
    )
    if upload.served == 0 and upload.polled_in:
        line += (
            f" (it was scripted for region {upload.region} but polled only in "
            f"{', '.join(sorted(upload.polled_in))}: pass region= to match the client, or leave it out)"
        )
    return line


def _section(title: str, lines: Sequence[str], fix: str) -> str:
    body = "\n".join(f"- {line}" for line in lines)
    return f"{title}\n{body}" + (f"\n{fix}" if fix else "")


def calls_section(calls: Sequence[Call], *, head: int = 20, tail: int = 30) -> str:
    """The calls of a failed test, one line each; a long history keeps its first and last calls."""
    if not calls:
        return "no Things Graph calls were made"
    lines = [_call_line(number, call) for number, call in enumerate(calls, 1)]
    if len(lines) > head + tail:
        left_out = len(lines) - head - tail
        lines[head:-tail] = [f"... {left_out} call{'s' if left_out > 1 else ''} left out ..."]
    return "\n".join(lines)


def _call_line(number: int, call: Call) -> str:
    outcome = call.upload_status or call.error_code or ""
    upload = repr(call.upload_id) if call.upload_id is not None else "-"
    return f"{number:>4} {call.operation or '?'} {upload} {call.region or '-'} {call.status_code} {outcome}".rstrip()

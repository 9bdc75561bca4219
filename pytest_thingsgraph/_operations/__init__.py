"""The operations the stub answers: one module and one :class:`Operation` record each, and their registry.

Dispatch is a lookup in :data:`OPERATIONS`: the protocol finds an operation's
body check there, the stub its handler, the teardown report its sections and
its line in the "Things Graph calls" section, and server mode's script files
and control routes its JSON form (:data:`JSON_FORMS`). CONTRIBUTING.md ("Add an
operation") gives the steps for another one.
"""

from __future__ import annotations

from .. import _protocol
from .._wire import ParsedRequest, Rejection, WireRequest
from . import answers, get_upload_status, upload_entity_definitions
from ._record import Answer, JsonForm, Operation, Section, Service, Unanswerable

__all__ = [
    "JSON_FORMS",
    "OPERATIONS",
    "SCRIPT_FILE_SHAPE",
    "Answer",
    "JsonForm",
    "Operation",
    "Section",
    "Service",
    "Unanswerable",
    "lookup",
    "parse",
]

#: Every operation the stub answers, by API name; the teardown report takes their sections in this order.
OPERATIONS: dict[str, Operation] = {
    record.name: record
    for record in (upload_entity_definitions.OPERATION, get_upload_status.OPERATION, *answers.OPERATIONS)
}
_BODY_CHECKS = {name: record.parse for name, record in OPERATIONS.items()}
#: A script file's top-level key -> its operation's JSON form, in the order a script file's entries are added:
#: the entries that script the stub directly (uploads), then the answers queued for calls to come, then the
#: answers of every other operation.
JSON_FORMS: dict[str, JsonForm] = {
    form.key: form
    for form in (
        *sorted(
            (record.json_form for record in OPERATIONS.values() if record.json_form is not None),
            key=lambda form: form.queued,
        ),
        answers.JSON_FORM,  # one form for every operation add_response answers
    )
}
#: A script file's shape, as messages and the CLI's help show it.
SCRIPT_FILE_SHAPE = "{" + ", ".join(f'"{key}": [...]' for key in JSON_FORMS) + "}"


def parse(request: WireRequest) -> ParsedRequest | Rejection:
    """Check a request as the service does: the protocol's checks, then its operation's own body check."""
    return _protocol.parse(request, _BODY_CHECKS)


def lookup(name: str) -> Operation:
    """The record of operation ``name`` (every operation of the service has one)."""
    return OPERATIONS[name]

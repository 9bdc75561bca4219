"""The registry of operations: every operation of the service, each a complete record.

The two upload operations each live in a module of their own; the others are made from botocore's model
by ``_operations/answers.py``.
"""

from __future__ import annotations

import functools
import inspect
import re

import botocore.session
import pytest

from pytest_thingsgraph import ThingsGraphStub
from pytest_thingsgraph._operations import JSON_FORMS, OPERATIONS, SCRIPT_FILE_SHAPE, Operation, answers
from pytest_thingsgraph._service import ANSWERED_OPERATIONS, STUBBED_OPERATIONS
from pytest_thingsgraph._shapes import WIRE_TYPE

SERVICE = botocore.session.get_session().get_service_model("iotthingsgraph")


def test_the_registry_holds_every_operation_of_the_service_each_under_its_own_name() -> None:
    assert sorted(OPERATIONS) == sorted(SERVICE.operation_names) == sorted([*STUBBED_OPERATIONS, *ANSWERED_OPERATIONS])
    assert [name for name, record in OPERATIONS.items() if record.name != name] == []
    assert all(isinstance(record, Operation) for record in OPERATIONS.values())


def test_every_shape_of_the_model_is_of_a_type_the_stub_reads() -> None:
    """The checks, the wire form and the strategies read the types the model has, and no other (no map, double
    or float): a botocore whose model gained one fails here, before an answer of that type is taken."""
    models = [SERVICE.operation_model(name) for name in SERVICE.operation_names]
    pending = [shape for model in models for shape in (model.input_shape, model.output_shape) if shape is not None]
    kinds = set()
    while pending:
        shape = pending.pop()
        kinds.add(shape.type_name)
        if shape.type_name == "structure":
            pending.extend(shape.members.values())
        elif shape.type_name == "list":
            pending.append(shape.member)

    assert kinds == set(WIRE_TYPE) == {"structure", "list", "string", "integer", "long", "boolean", "timestamp"}


@pytest.mark.parametrize("name", sorted(STUBBED_OPERATIONS))
def test_each_record_is_complete_and_lives_in_the_module_named_after_its_operation(name: str) -> None:
    record = OPERATIONS[name]
    module = "pytest_thingsgraph._operations." + re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()

    assert record.request_members == tuple(SERVICE.operation_model(name).input_shape.members)
    assert {
        field: function.__module__
        for field, function in [
            ("parse", record.parse),
            ("handle", record.handle),
            ("unconsumed", record.unconsumed),
        ]
    } == {"parse": module, "handle": module, "unconsumed": module}
    assert callable(record.subject)
    assert callable(record.outcome)
    if record.json_form is not None:  # server mode scripts it: its function to add an entry is its module's
        assert record.json_form.add.__module__ == module
        assert JSON_FORMS[record.json_form.key] is record.json_form
    if record.expected_by is not None:  # names a method of the stub that takes expected=
        method = getattr(ThingsGraphStub, record.expected_by.removesuffix("()"))
        assert "expected" in inspect.signature(method).parameters


@pytest.mark.parametrize("name", ANSWERED_OPERATIONS)
@pytest.mark.parametrize("made", ["registered", "afresh"])
def test_every_other_operation_is_answered_from_add_response_by_records_made_from_the_model(
    name: str, made: str
) -> None:
    record = OPERATIONS[name] if made == "registered" else answers.record(name)

    assert (record.name, record.request_members) == (name, ())  # expected= is checked against the model instead
    assert isinstance(record.parse, functools.partial)
    assert (record.parse.func, record.parse.args) == (answers.parse_body, (name,))
    assert isinstance(record.unconsumed, functools.partial)
    assert (record.unconsumed.func, record.unconsumed.args) == (answers.unconsumed, (name,))
    assert (record.handle, record.subject, record.outcome) == (answers.handle, answers.subject, answers.outcome)
    assert (record.expected_by, record.json_form) == ("add_response", None)  # one JSON form serves them all
    assert "expected" in inspect.signature(ThingsGraphStub.add_response).parameters


def test_every_scripted_operation_has_a_json_form_with_its_own_key_and_route() -> None:
    # an upload operation the stub is scripted for (expected_by names its method) has a JSON form; so does
    # GetUploadStatus, whose uploads a test adds; every other operation is scripted by the "responses" form
    uploads = {name for name, record in OPERATIONS.items() if record.expected_by not in (None, "add_response")}
    forms = {name: record.json_form for name, record in OPERATIONS.items() if record.json_form is not None}

    assert set(forms) == uploads | {"GetUploadStatus"}
    every = [*forms.values(), answers.JSON_FORM]
    assert len({form.key for form in every}) == len({form.route for form in every}) == len(every)
    # the table is the registry's forms, entries that script the stub directly before the answers queued, then
    # the answers of every other operation
    assert sorted(JSON_FORMS.values(), key=id) == sorted(every, key=id)
    assert list(JSON_FORMS) == ["uploads", "uploadEntityDefinitions", "responses"]
    assert {key: form.route for key, form in JSON_FORMS.items()} == {
        "uploads": "uploads",
        "uploadEntityDefinitions": "upload-entity-definitions",
        "responses": "responses",
    }
    assert SCRIPT_FILE_SHAPE == '{"uploads": [...], "uploadEntityDefinitions": [...], "responses": [...]}'

"""The registry of operations: exactly the stubbed operations, each a complete record in a module of its own."""

from __future__ import annotations

import inspect
import re

import botocore.session
import pytest

from pytest_thingsgraph import ThingsGraphStub
from pytest_thingsgraph._operations import JSON_FORMS, OPERATIONS, SCRIPT_FILE_SHAPE, Operation, answers
from pytest_thingsgraph._service import STUBBED_OPERATIONS

SERVICE = botocore.session.get_session().get_service_model("iotthingsgraph")


def test_the_registry_holds_exactly_the_stubbed_operations_each_under_its_own_name() -> None:
    assert sorted(OPERATIONS) == sorted(STUBBED_OPERATIONS)
    assert [name for name, record in OPERATIONS.items() if record.name != name] == []
    assert all(isinstance(record, Operation) for record in OPERATIONS.values())


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


def test_every_scripted_operation_has_a_json_form_with_its_own_key_and_route() -> None:
    # each upload operation has a form of its own; every operation add_response answers shares one, "responses"
    forms = {name: record.json_form for name, record in OPERATIONS.items() if record.json_form is not None}
    answered = {name for name, record in OPERATIONS.items() if record.expected_by == "add_response"}

    assert set(forms) == {"GetUploadStatus", "UploadEntityDefinitions"}
    assert answered == set(OPERATIONS) - set(forms)
    assert len({form.key for form in JSON_FORMS.values()}) == len(JSON_FORMS)
    assert len({form.route for form in JSON_FORMS.values()}) == len(JSON_FORMS)
    # the table is the registry's forms, entries that script the stub directly before the answers queued, then
    # the answers of every other operation
    assert list(JSON_FORMS.values()) == [forms["GetUploadStatus"], forms["UploadEntityDefinitions"], answers.JSON_FORM]
    assert {key: (form.route, form.queued, form.answer_key) for key, form in JSON_FORMS.items()} == {
        "uploads": ("uploads", False, "uploadId"),
        "uploadEntityDefinitions": ("upload-entity-definitions", True, "uploadId"),
        "responses": ("responses", False, "operation"),
    }
    assert SCRIPT_FILE_SHAPE == '{"uploads": [...], "uploadEntityDefinitions": [...], "responses": [...]}'

"""The registry of operations: exactly the stubbed operations, each a complete record in a module of its own."""

from __future__ import annotations

import inspect
import re

import botocore.session
import pytest

from pytest_thingsgraph import ThingsGraphStub
from pytest_thingsgraph._operations import JSON_FORMS, OPERATIONS, SCRIPT_FILE_SHAPE, Operation
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
    # an operation the stub is scripted for (expected_by names its method) has a JSON form; so does GetUploadStatus,
    # whose uploads a test adds
    scripted = {name for name, record in OPERATIONS.items() if record.expected_by is not None} | {"GetUploadStatus"}
    forms = {name: record.json_form for name, record in OPERATIONS.items() if record.json_form is not None}

    assert set(forms) >= scripted
    assert len({form.key for form in forms.values()}) == len(forms)
    assert len({form.route for form in forms.values()}) == len(forms)
    # the table is the registry's forms, entries that script the stub directly before the answers queued
    assert sorted(JSON_FORMS.values(), key=id) == sorted(forms.values(), key=id)
    assert list(JSON_FORMS) == ["uploads", "uploadEntityDefinitions"]
    assert [form.queued for form in JSON_FORMS.values()] == sorted(form.queued for form in JSON_FORMS.values())
    assert {key: form.route for key, form in JSON_FORMS.items()} == {
        "uploads": "uploads",
        "uploadEntityDefinitions": "upload-entity-definitions",
    }
    assert SCRIPT_FILE_SHAPE == '{"uploads": [...], "uploadEntityDefinitions": [...]}'

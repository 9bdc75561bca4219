"""The registry of operations: exactly the stubbed operations, each a complete record in a module of its own."""

from __future__ import annotations

import inspect
import re

import botocore.session
import pytest

from pytest_thingsgraph import ThingsGraphStub
from pytest_thingsgraph._operations import OPERATIONS, Operation
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
    if record.expected_by is not None:  # names a method of the stub that takes expected=
        method = getattr(ThingsGraphStub, record.expected_by.removesuffix("()"))
        assert "expected" in inspect.signature(method).parameters

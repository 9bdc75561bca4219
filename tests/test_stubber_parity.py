"""Every operation add_response answers, side by side with botocore's Stubber: the client returns the same.

Stubber hands botocore its parsed answer; the stub sends it on the wire as the
service did (JSON 1.1, timestamps as epoch seconds), which the client parses.
For every answer and every documented error, what the code under test gets is
the same.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber
from helpers import example_answer, example_request, make_client

from pytest_thingsgraph import ServiceError, ThingsGraphStub
from pytest_thingsgraph._model import documented_errors, method_name
from pytest_thingsgraph._service import ANSWERED_OPERATIONS, DOCUMENTED_ERRORS


def without_metadata(response: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in response.items() if name != "ResponseMetadata"}


@pytest.mark.parametrize("operation", ANSWERED_OPERATIONS)
def test_every_member_of_every_answer_comes_back_as_stubber_gives_it(
    thingsgraph_stub: ThingsGraphStub, operation: str
) -> None:
    answer, request = example_answer(operation), example_request(operation, every_member=True)
    method = method_name(operation)
    stubbed = make_client()
    with Stubber(stubbed) as stubber:
        stubber.add_response(method, answer, expected_params=request)
        from_stubber = getattr(stubbed, method)(**request)
    thingsgraph_stub.add_response(operation, answer, expected=request)

    from_stub = getattr(make_client(), method)(**request)

    assert without_metadata(from_stub) == without_metadata(from_stubber) == answer
    assert from_stub["ResponseMetadata"]["HTTPStatusCode"] == 200
    [call] = thingsgraph_stub.calls
    assert (call.operation, call.status_code, call.error_code) == (operation, 200, None)
    assert thingsgraph_stub.failures() == []


@pytest.mark.parametrize(
    ("operation", "code"),
    [(operation, code) for operation in ANSWERED_OPERATIONS for code in documented_errors(operation)],
)
def test_every_documented_error_is_raised_as_stubber_raises_it(
    thingsgraph_stub: ThingsGraphStub, operation: str, code: str
) -> None:
    request, method, status = example_request(operation), method_name(operation), DOCUMENTED_ERRORS[code]
    stubbed = make_client()
    with Stubber(stubbed) as stubber:
        stubber.add_client_error(method, code, f"{code} for the test", status)
        with pytest.raises(stubbed.exceptions.ClientError) as from_stubber:
            getattr(stubbed, method)(**request)
    thingsgraph_stub.add_response(method, ServiceError(code, f"{code} for the test"))
    client = make_client()

    with pytest.raises(getattr(client.exceptions, code)) as from_stub:
        getattr(client, method)(**request)

    assert from_stub.value.response["Error"] == {**from_stubber.value.response["Error"], "Code": code}
    assert from_stub.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert type(from_stub.value).__name__ == type(from_stubber.value).__name__ == code
    [call] = thingsgraph_stub.calls
    assert (call.operation, call.status_code, call.error_code) == (operation, status, code)

"""Wait for an AWS IoT Things Graph upload to finish: the code the example tests exercise.

``UploadEntityDefinitions`` starts an upload and returns its ID; ``GetUploadStatus`` reports
``IN_PROGRESS`` until the upload ``SUCCEEDED`` (with the new namespace version) or ``FAILED``
(with every validation failure). :func:`wait_for_upload` polls it with exponential backoff.

Errors, as this module treats them:

- ``ThrottlingException`` and ``InternalFailureException`` (HTTP 500) are transient: botocore
  retries both itself, and when one is still raised after its retries the poller counts it as
  one more unanswered poll and goes on with the next, longer delay.
- ``ResourceNotFoundException`` becomes :class:`UploadNotFound` (the botocore error is its
  ``__cause__``): an unknown upload ID, or one that belongs to another region.
- Any other error, such as ``InvalidRequestException``, propagates unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol


class UploadStatusClient(Protocol):
    """The part of a boto3 ``iotthingsgraph`` client that the poller uses."""

    @property
    def exceptions(self) -> Any: ...

    def get_upload_status(self, *, uploadId: str) -> Mapping[str, Any]: ...


class DefinitionsClient(UploadStatusClient, Protocol):
    """The part of a boto3 ``iotthingsgraph`` client that :func:`deploy_definitions` uses."""

    def upload_entity_definitions(self, **request: Any) -> Mapping[str, Any]: ...


class UploadError(Exception):
    """An upload did not produce a namespace version."""

    def __init__(self, upload_id: str, message: str) -> None:
        super().__init__(message)
        self.upload_id = upload_id


class UploadFailed(UploadError):
    """The upload ended ``FAILED``; ``reasons`` holds every ``failureReason`` the service gave."""

    def __init__(self, upload_id: str, reasons: Sequence[str]) -> None:
        self.reasons = tuple(reasons)
        detail = "; ".join(self.reasons) if self.reasons else "the service gave no reason"
        super().__init__(upload_id, f"upload {upload_id} failed: {detail}")


class UploadTimedOut(UploadError):
    """The upload had not finished when the deadline passed; ``last_status`` is the last answer."""

    def __init__(self, upload_id: str, timeout: float, last_status: str) -> None:
        self.timeout = timeout
        self.last_status = last_status
        super().__init__(upload_id, f"upload {upload_id} not finished after {timeout:g}s (last: {last_status})")


class UploadNotFound(UploadError, LookupError):
    """The service does not know the upload (in the client's region)."""

    def __init__(self, upload_id: str) -> None:
        super().__init__(upload_id, f"upload {upload_id} not found")


def wait_for_upload(
    client: UploadStatusClient,
    upload_id: str,
    *,
    timeout: float = 300.0,
    initial_delay: float = 1.0,
    max_delay: float = 30.0,
    sleep: Callable[[float], object] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Poll ``GetUploadStatus`` until the upload finishes; return its ``namespaceVersion``.

    The delay between polls starts at ``initial_delay`` and doubles up to ``max_delay``. The
    last sleep is cut short so that one final poll happens at the deadline, ``timeout``
    seconds after the call started. ``sleep`` and ``clock`` are injectable for tests.

    Raises :class:`UploadFailed`, :class:`UploadTimedOut` or :class:`UploadNotFound`; a
    ``SUCCEEDED`` answer without ``namespaceVersion`` raises :class:`UploadError`.
    """
    if timeout < 0 or initial_delay <= 0 or max_delay < initial_delay:
        raise ValueError("need timeout >= 0 and 0 < initial_delay <= max_delay")
    errors = client.exceptions
    deadline = clock() + timeout
    delay = initial_delay
    while True:
        try:
            response = client.get_upload_status(uploadId=upload_id)
        except errors.ResourceNotFoundException as error:
            raise UploadNotFound(upload_id) from error
        except (errors.ThrottlingException, errors.InternalFailureException) as error:
            status = error.response["Error"]["Code"]  # transient: poll again after the delay
        else:
            status = response["uploadStatus"]
            if status == "SUCCEEDED":
                if "namespaceVersion" not in response:
                    raise UploadError(upload_id, f"upload {upload_id} succeeded without a namespaceVersion")
                return int(response["namespaceVersion"])
            if status == "FAILED":
                raise UploadFailed(upload_id, response.get("failureReason", []))
        remaining = deadline - clock()
        if remaining <= 0:
            raise UploadTimedOut(upload_id, timeout, status)
        sleep(min(delay, remaining))
        delay = min(delay * 2, max_delay)


def deploy_definitions(
    client: DefinitionsClient, graphql: str, *, deprecate_existing: bool = False, **wait_options: Any
) -> int:
    """Upload GraphQL entity definitions, wait for the upload, and return the new namespace version.

    ``wait_options`` go to :func:`wait_for_upload`, which raises if the upload fails.
    """
    response = client.upload_entity_definitions(
        document={"language": "GRAPHQL", "text": graphql}, deprecateExistingEntities=deprecate_existing
    )
    return wait_for_upload(client, response["uploadId"], **wait_options)

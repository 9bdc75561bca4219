"""The stub: scripted uploads, the answer to each request, and the teardown report."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import uuid
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import _activation, _definitions
from ._errors import ServiceError, StubError, UsageError
from ._options import StubOptions
from ._script import PreparedResponse, ScriptItem, prepare_error, prepare_script, prepare_upload
from ._wire import (
    GET_UPLOAD_STATUS,
    UPLOAD_ENTITY_DEFINITIONS,
    Rejection,
    WireRequest,
    WireResponse,
    check_envelope,
    check_get_upload_status,
    check_upload_entity_definitions,
    decode_body,
    describe,
    encode,
    error_document,
    operation_of,
)

#: How many distinct valid GetUploadStatus bodies a stub remembers (one per upload polled, usually).
_VALID_BODIES_MAX = 4096


@dataclass(frozen=True, slots=True)
class Call:
    """One request the stub answered, as the service saw it (never credentials)."""

    operation: str | None
    upload_id: str | None
    region: str | None
    request: Any
    status_code: int
    response: Mapping[str, Any]
    error_code: str | None
    request_id: str

    @property
    def upload_status(self) -> str | None:
        """The ``uploadStatus`` answered, or ``None`` for an error."""
        status = self.response.get("uploadStatus")
        return status if isinstance(status, str) else None


@dataclass(slots=True)
class _Upload:
    upload_id: str
    region: str | None
    items: tuple[PreparedResponse, ...]
    served: int = 0
    scripted: bool = True  # False for an upload nobody queued: the teardown check leaves it alone

    def left(self) -> tuple[PreparedResponse, ...]:
        """Items not yet served; a terminal last item counts as served once it was."""
        return self.items[self.served :]


@dataclass(frozen=True, slots=True)
class _PendingUpload:
    """What the next UploadEntityDefinitions call creates."""

    upload_id: str
    items: tuple[PreparedResponse, ...]
    defaults: Mapping[str, Any]

    def label(self) -> str:
        return f"upload {self.upload_id!r} with script " + ", ".join(item.label() for item in self.items)


_DEFAULT_SCRIPT = ("IN_PROGRESS", "SUCCEEDED")


@dataclass(slots=True)
class _Problems:
    invalid_requests: list[str] = field(default_factory=list)
    stub_errors: list[str] = field(default_factory=list)


class ThingsGraphStub:
    """While active, answers GetUploadStatus from per-upload scripts, and UploadEntityDefinitions from its queue."""

    def __init__(self, options: StubOptions | None = None) -> None:
        self._options = options or StubOptions()
        if self._options.validate_definitions:
            _definitions.require_graphql()
        self._lock = threading.Lock()
        self._uploads: dict[str, _Upload] = {}
        self._pending: deque[_PendingUpload | PreparedResponse] = deque()
        self._calls: list[Call] = []
        self._problems = _Problems()
        self._requests_seen = 0
        self._retry_delays: list[float] = []
        # GetUploadStatus bodies already decoded and found valid, and the upload each names
        self._valid_bodies: dict[bytes, str] = {}
        # request IDs shaped as the service's UUIDs: a random prefix per stub, then a counter
        prefix = str(uuid.uuid4())[:24]
        self._request_ids = map(f"{prefix}{{:012x}}".format, itertools.count())

    @property
    def options(self) -> StubOptions:
        """The options this stub runs with."""
        return self._options

    @property
    def calls(self) -> list[Call]:
        """Every request answered so far, in order (a copy)."""
        with self._lock:
            return list(self._calls)

    @property
    def retry_delays(self) -> list[float]:
        """The delays, in seconds, botocore asked to sleep before retrying stubbed calls (a copy).

        With ``instant_retries`` (the default) it did not sleep them.
        """
        with self._lock:
            return list(self._retry_delays)

    def _record_retry_delay(self, seconds: float) -> None:
        """Note a retry delay botocore asked for; called from botocore's retry loop."""
        with self._lock:
            self._retry_delays.append(seconds)

    def add_upload(
        self,
        upload_id: str,
        script: Iterable[ScriptItem],
        *,
        namespace_name: str | None = None,
        namespace_arn: str | None = None,
        namespace_version: int | None = None,
        created_date: dt.datetime | None = None,
        failure_reason: Sequence[str] | None = None,
        region: str | None = None,
    ) -> None:
        """Script the GetUploadStatus answers of ``upload_id``, one item per HTTP attempt.

        The keywords fill every response (``failure_reason`` the FAILED ones);
        ``region`` pins the upload to one region.
        """
        where = f"add_upload({describe(upload_id)})"
        if region is not None and (not isinstance(region, str) or not region):
            raise UsageError(
                f"{where}: region={describe(region)} is not a region name: "
                "pass one such as 'us-east-1', or None to answer in every region."
            )
        items, _ = prepare_upload(
            upload_id,
            script,
            where=where,
            namespace_name=namespace_name,
            namespace_arn=namespace_arn,
            namespace_version=namespace_version,
            created_date=created_date,
            failure_reason=failure_reason,
        )
        with self._lock:
            self._refuse_known(where, upload_id)
            self._uploads[upload_id] = _Upload(upload_id, region, items)

    def on_upload_entity_definitions(
        self,
        script: Iterable[ScriptItem] | ServiceError = _DEFAULT_SCRIPT,
        *,
        upload_id: str | None = None,
        namespace_name: str | None = None,
        namespace_arn: str | None = None,
        namespace_version: int | None = None,
        created_date: dt.datetime | None = None,
        failure_reason: Sequence[str] | None = None,
    ) -> str | None:
        """Queue what the next UploadEntityDefinitions call (one HTTP attempt) answers.

        A script creates an upload, ``upload_id`` or a fresh UUID (returned), whose
        GetUploadStatus answers follow ``script`` in the region of the call; the
        keywords are its defaults, as for :meth:`add_upload`. A
        :class:`ServiceError` answers the call itself with that error (returns
        ``None``). With nothing queued, a call creates an upload that answers
        ``["IN_PROGRESS", "SUCCEEDED"]``.
        """
        if isinstance(script, ServiceError):
            if upload_id is not None:
                raise UsageError(
                    f"on_upload_entity_definitions({script!r}): upload_id={describe(upload_id)} creates no upload "
                    "when the call answers an error: leave upload_id out."
                )
            with self._lock:
                self._pending.append(prepare_error(script))
            return None
        new_id = str(uuid.uuid4()) if upload_id is None else upload_id
        where = f"on_upload_entity_definitions(upload_id={describe(new_id)})"
        items, defaults = prepare_upload(
            new_id,
            script,
            where=where,
            namespace_name=namespace_name,
            namespace_arn=namespace_arn,
            namespace_version=namespace_version,
            created_date=created_date,
            failure_reason=failure_reason,
        )
        with self._lock:
            self._refuse_known(where, new_id)
            self._pending.append(_PendingUpload(new_id, items, defaults))
        return new_id

    def _refuse_known(self, where: str, upload_id: str) -> None:
        known = upload_id in self._uploads or any(
            isinstance(entry, _PendingUpload) and entry.upload_id == upload_id for entry in self._pending
        )
        if known:
            raise UsageError(
                f"{where}: the upload already has a script: put every answer in one script, or call reset() first."
            )

    def _start(self, owner: str) -> None:
        _activation.activate(self, owner)

    def _stop(self) -> None:
        _activation.deactivate(self)

    def reset(self) -> None:
        """Forget every script, call, retry delay and problem (for examples that share one stub)."""
        with self._lock:
            self._uploads.clear()
            self._pending.clear()
            self._calls.clear()
            self._problems = _Problems()
            self._requests_seen = 0
            self._retry_delays.clear()

    def answer(self, request: WireRequest) -> WireResponse:
        """Answer one HTTP attempt; raise :class:`StubError` where the stub cannot."""
        with self._lock:
            self._requests_seen += 1
            number = self._requests_seen
            operation = operation_of(request.target)
            if isinstance(operation, Rejection):
                return self._reject(number, None, request, None, operation)
            rejection = check_envelope(request)
            if rejection is not None:
                return self._reject(number, operation, request, None, rejection)
            if operation not in (GET_UPLOAD_STATUS, UPLOAD_ENTITY_DEFINITIONS):
                message = (
                    f"Things Graph operation {operation} (request {number}) is not stubbed: "
                    "pytest-thingsgraph answers GetUploadStatus and UploadEntityDefinitions only. Keep the code "
                    f"under test from calling {operation} in this test, or run it without the stub."
                )
                self._problems.stub_errors.append(message)
                raise StubError(message)
            upload_id = self._valid_bodies.get(request.body) if operation == GET_UPLOAD_STATUS else None
            if upload_id is not None:  # the hot path: a body decoded and checked before
                document: dict[str, Any] = {"uploadId": upload_id}
            else:
                decoded = decode_body(request.body)
                if isinstance(decoded, Rejection):
                    return self._reject(number, operation, request, None, decoded)
                document = decoded
                if operation == UPLOAD_ENTITY_DEFINITIONS:
                    return self._create_upload(number, request, document)
                checked = check_get_upload_status(document)
                if isinstance(checked, Rejection):
                    return self._reject(number, operation, request, document, checked)
                upload_id = checked
                if document == {"uploadId": upload_id} and len(self._valid_bodies) < _VALID_BODIES_MAX:
                    self._valid_bodies[request.body] = upload_id
            upload = self._uploads.get(upload_id)
            if upload is None or (upload.region is not None and upload.region != request.region):
                where = f" in region {request.region}" if request.region else ""
                error = error_document("ResourceNotFoundException", f"Upload {upload_id} was not found{where}.")
                return self._record(operation, upload_id, request.region, document, 404, error, encode(error))
            if upload.served < len(upload.items):
                item = upload.items[upload.served]
                upload.served += 1
            elif upload.items[-1].terminal:
                item = upload.items[-1]
            else:
                message = (
                    f"Upload {upload_id!r} has no script item left for request {number}: its script of "
                    f"{len(upload.items)} item{'s' if len(upload.items) > 1 else ''} ended on "
                    f"{upload.items[-1].label()}, which is not terminal. Add the items the code under "
                    "test polls for, or end the script with 'SUCCEEDED' or 'FAILED'."
                )
                self._problems.stub_errors.append(message)
                raise StubError(message)
            return self._record(
                operation, upload_id, request.region, document, item.status_code, item.document, item.body
            )

    def _create_upload(self, number: int, request: WireRequest, document: dict[str, Any]) -> WireResponse:
        rejection = check_upload_entity_definitions(document)
        if rejection is not None:
            return self._reject(number, UPLOAD_ENTITY_DEFINITIONS, request, document, rejection)
        entry = self._pending.popleft() if self._pending else None
        if isinstance(entry, PreparedResponse):
            return self._record(
                UPLOAD_ENTITY_DEFINITIONS, None, request.region, document, entry.status_code, entry.document, entry.body
            )
        scripted = entry is not None
        if entry is None:
            upload_id = str(uuid.uuid4())
            items, defaults = prepare_upload(
                upload_id, _DEFAULT_SCRIPT, where="UploadEntityDefinitions, nothing queued"
            )
            entry = _PendingUpload(upload_id, items, defaults)
        items = entry.items
        text = (document.get("document") or {}).get("text")
        if self._options.validate_definitions and text is not None:
            reasons = _definitions.syntax_errors(text)
            if reasons:  # the upload ends FAILED after its IN_PROGRESS polls, as the service reported
                final = {"uploadStatus": "FAILED", "failureReason": reasons}
                (failed,) = prepare_script(entry.upload_id, [final], entry.defaults, where="validate_definitions")
                items = (*(item for item in items if not item.terminal), failed)
        self._uploads[entry.upload_id] = _Upload(entry.upload_id, request.region, items, scripted=scripted)
        response = {"uploadId": entry.upload_id}
        return self._record(
            UPLOAD_ENTITY_DEFINITIONS, entry.upload_id, request.region, document, 200, response, encode(response)
        )

    def _reject(
        self,
        number: int,
        operation: str | None,
        request: WireRequest,
        document: Any,
        rejection: Rejection,
    ) -> WireResponse:
        error = error_document(rejection.error_code, rejection.message)
        self._problems.invalid_requests.append(
            f"request {number} ({operation or 'unknown operation'}"
            f"{' in ' + request.region if request.region else ''}): "
            f"{rejection.error_code}: {rejection.message}"
        )
        return self._record(operation, None, request.region, document, rejection.status_code, error, encode(error))

    def _record(
        self,
        operation: str | None,
        upload_id: str | None,
        region: str | None,
        document: Any,
        status_code: int,
        response: Mapping[str, Any],
        body: bytes,
    ) -> WireResponse:
        request_id = next(self._request_ids)
        error_code = response.get("__type") if status_code >= 400 else None
        self._calls.append(Call(operation, upload_id, region, document, status_code, response, error_code, request_id))
        return WireResponse(status_code, body, request_id)

    def failures(self, *, check_consumed: bool = True) -> list[str]:
        """The teardown report: one section per failed check, each ending with its fix."""
        with self._lock:
            unconsumed = [upload for upload in self._uploads.values() if _unconsumed(upload)]
            pending = list(self._pending)
            problems = self._problems
            sections = []
            if check_consumed and self._options.assert_all_consumed and pending:
                lines = [f"- {entry.label()}" for entry in pending]
                sections.append(
                    "These UploadEntityDefinitions answers were queued but no call took them:\n"
                    + "\n".join(lines)
                    + "\nMake the calls or queue fewer answers; if some are optional, set assert_all_consumed=False."
                )
            if check_consumed and self._options.assert_all_consumed and unconsumed:
                lines = [
                    f"- {upload.upload_id!r}: {upload.served} of {len(upload.items)} items served; not served: "
                    + ", ".join(item.label() for item in upload.left())
                    for upload in unconsumed
                ]
                sections.append(
                    "These uploads were not polled to the end of their scripts:\n"
                    + "\n".join(lines)
                    + "\nPoll them to the end or shorten their scripts; if some items are optional, "
                    "set assert_all_consumed=False."
                )
            if problems.invalid_requests and not self._options.allow_invalid_requests:
                sections.append(
                    "These requests were invalid and were answered with the service's error:\n"
                    + "\n".join(f"- {line}" for line in problems.invalid_requests)
                    + "\nFix the code that sent them; if they are on purpose, set allow_invalid_requests=True."
                )
            if problems.stub_errors:
                sections.append(
                    "The stub raised StubError during the test (the code under test may have caught it):\n"
                    + "\n".join(f"- {line}" for line in problems.stub_errors)
                )
            return sections

    def verify(self, *, check_consumed: bool = True) -> None:
        """Raise :class:`StubError` with the teardown report if a check failed."""
        sections = self.failures(check_consumed=check_consumed)
        if sections:
            raise StubError("\n\n".join(sections))

    def __repr__(self) -> str:
        with self._lock:
            uploads, calls = len(self._uploads), len(self._calls)
        active = _activation.active() is self
        return f"<ThingsGraphStub {'active' if active else 'inactive'}: {uploads} uploads, {calls} calls>"


def _unconsumed(upload: _Upload) -> bool:
    return upload.scripted and upload.served < len(upload.items)


__all__ = ["Call", "ThingsGraphStub"]

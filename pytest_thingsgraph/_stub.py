"""``ThingsGraphStub``: what a test scripts, what the adapters ask it, and what it recorded."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, overload
from urllib.parse import urlsplit

from . import _adapters, _graphql, _registry
from ._call import UNREACHABLE_ERROR_CODE, Call
from ._endpoints import things_graph_region
from ._errors import ServiceError, StubError, UsageError
from ._model import resolve
from ._operations import Service, Unanswerable, answers, lookup, parse, upload_entity_definitions
from ._operations._uploads import DEFAULT_SCRIPT, QueuedError, QueuedUpload, Upload, uploads_of
from ._options import StubOptions
from ._protocol import describe, rejection_reply
from ._report import Problems, Unanswered, calls_section, python_expected, python_option, report
from ._scripts import prepare_error, prepare_upload
from ._types import OperationName, ScriptItem
from ._wire import Rejection, Reply, WireRequest, WireResponse

__all__ = ["Call", "ThingsGraphStub"]


class ThingsGraphStub:
    """While active, answers every Things Graph operation: GetUploadStatus from per-upload scripts,
    UploadEntityDefinitions from its queue, and the others from the answers ``add_response`` queued."""

    #: How the teardown report words the option that silences a check, and where a call's expected members were set
    #: (thingsgraph-server names its flags and its script entries).
    _set_option = staticmethod(python_option)
    _expected_of = staticmethod(python_expected)

    def __init__(self, options: StubOptions | None = None) -> None:
        self._options = options or StubOptions()
        if self._options.validate_definitions:
            _graphql.require_graphql()
        self._lock = threading.Lock()
        self._service = Service(self._options)
        self._calls: list[Call] = []
        self._unanswered: list[Unanswered] = []
        self._problems = Problems()
        self._requests_seen = 0
        self._retry_delays: list[float] = []
        self._stopped = False
        self._request_ids: Iterator[str] | None = None  # made on the first call: many stubs answer none

    @property
    def options(self) -> StubOptions:
        """The options this stub runs with."""
        return self._options

    @property
    def calls(self) -> list[Call]:
        """Every request answered so far, in order (a copy)."""
        with self._lock:
            return list(self._calls)

    def calls_report(self) -> str:
        """The "Things Graph calls" section of a failed test: every call, answered or not."""
        with self._lock:
            return calls_section(self._calls, self._unanswered)

    @property
    def retry_delays(self) -> list[float]:
        """The delays, in seconds, clients asked to wait before retrying stubbed calls (a copy).

        With ``instant_retries`` (the default) they did not wait them.
        """
        with self._lock:
            return list(self._retry_delays)

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
        self._refuse_when_stopped(where)
        if region is not None and (not isinstance(region, str) or not region):
            raise UsageError(
                f"{where}: region={describe(region)} is not a region name: "
                "pass one such as 'us-east-1', or None to answer in every region."
            )
        prepared = prepare_upload(
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
            uploads_of(self._service).uploads[upload_id] = Upload(upload_id, region, prepared.items)

    @overload
    def on_upload_entity_definitions(
        self, script: ServiceError, *, expected: Mapping[str, Any] | None = None
    ) -> None: ...

    @overload
    def on_upload_entity_definitions(
        self,
        script: Iterable[ScriptItem] = ...,
        *,
        upload_id: str | None = None,
        namespace_name: str | None = None,
        namespace_arn: str | None = None,
        namespace_version: int | None = None,
        created_date: dt.datetime | None = None,
        failure_reason: Sequence[str] | None = None,
        expected: Mapping[str, Any] | None = None,
    ) -> str: ...

    def on_upload_entity_definitions(
        self,
        script: Iterable[ScriptItem] | ServiceError = DEFAULT_SCRIPT,
        *,
        upload_id: str | None = None,
        expected: Mapping[str, Any] | None = None,
        **keywords: Any,
    ) -> str | None:
        """Queue what the next UploadEntityDefinitions call (one HTTP attempt) answers.

        A script creates an upload, ``upload_id`` or a fresh UUID (returned), whose
        GetUploadStatus answers follow ``script`` in the region of the call; the
        keywords are its defaults, as for :meth:`add_upload`. A
        :class:`ServiceError` answers the call itself with that error (returns
        ``None``). With nothing queued, a call creates an upload that answers
        ``["IN_PROGRESS", "SUCCEEDED"]``. ``expected`` names request members
        (camelCase) the call must carry; a call that differs is reported at teardown.
        """
        if isinstance(script, ServiceError):
            where = f"on_upload_entity_definitions({script!r})"
            self._refuse_when_stopped(where)
            for name, value in {"upload_id": upload_id, **keywords}.items():
                if value is not None:
                    raise UsageError(
                        f"{where}: {name}={describe(value)} creates no upload when the call answers an error: "
                        f"leave {name} out."
                    )
            checked = upload_entity_definitions.OPERATION.checked_expected(where, expected)
            with self._lock:
                uploads_of(self._service).queue.append(QueuedError(prepare_error(script), checked))
            return None
        new_id = str(uuid.uuid4()) if upload_id is None else upload_id
        where = f"on_upload_entity_definitions(upload_id={describe(new_id)})"
        self._refuse_when_stopped(where)
        prepared = prepare_upload(new_id, script, where=where, **keywords)
        checked = upload_entity_definitions.OPERATION.checked_expected(where, expected)
        with self._lock:
            self._refuse_known(where, new_id)
            uploads_of(self._service).queue.append(QueuedUpload(prepared, checked))
        return new_id

    def add_response(
        self,
        operation: OperationName,
        answer: Mapping[str, Any] | ServiceError,
        *,
        match: Mapping[str, Any] | None = None,
        expected: Mapping[str, Any] | None = None,
    ) -> None:
        """Queue what one HTTP attempt of ``operation`` answers: response members, or a :class:`ServiceError`.

        ``operation`` is the API name (``"SearchEntities"``) or the client's method
        (``"search_entities"``), any but the two upload operations. The answer is
        checked against botocore's model when added. A call takes the first
        answer queued for its operation whose ``match`` (request members, with
        :data:`ANY` for any value) fits it; ``expected`` names members the call
        must carry, and a call that differs is reported at teardown.
        """
        where = f"add_response({describe(operation)})"
        name = resolve(operation, where=where)
        self._refuse_when_stopped(where)
        queued = answers.prepare(name, answer, match=match, expected=expected, where=where)
        with self._lock:
            answers.answers_of(self._service).add(queued)

    def _refuse_known(self, where: str, upload_id: str) -> None:
        if uploads_of(self._service).knows(upload_id):
            raise UsageError(
                f"{where}: the upload already has a script: put every answer in one script, or call reset() first."
            )

    def _refuse_when_stopped(self, where: str) -> None:
        if self._stopped:
            raise UsageError(
                f"{where}: this stub has stopped, so no call would reach the script. "
                "Script uploads while the stub runs: inside the test, the with block or between start() and stop()."
            )

    def reset(self) -> None:
        """Forget every script, call, retry delay and problem (for a stub shared by several tests)."""
        with self._lock:
            self._service = Service(self._options)
            self._calls.clear()
            self._unanswered.clear()
            self._problems = Problems()
            self._requests_seen = 0
            self._retry_delays.clear()

    def failures(self, *, check_consumed: bool = True, known: str = "") -> list[str]:
        """The teardown report: one section per failed check, each ending with its fix.

        ``known`` is a failure already reported: the stub errors it states are left out.
        """
        with self._lock:
            return report(
                self._service,
                self._problems,
                check_consumed=check_consumed,
                set_option=self._set_option,
                expected_of=self._expected_of,
                known=known,
            )

    def verify(self, *, check_consumed: bool = True) -> None:
        """Raise :class:`StubError` with the teardown report if a check failed."""
        sections = self.failures(check_consumed=check_consumed)
        if sections:
            raise StubError("\n\n".join(sections))

    # What the fixture, mock_thingsgraph and the adapters call.

    def activate(self, owner: str, started_at: str | None = None) -> None:
        """Start answering every client (``owner`` names who starts it and ``started_at`` where, for messages)."""
        _registry.activate(self, owner, started_at)
        self._stopped = False
        _adapters.acquire()

    def deactivate(self) -> None:
        """Stop answering; scripts can no longer be added. Once stopped, stopping again changes nothing."""
        if self._stopped:
            return
        _adapters.release()
        _registry.deactivate(self)
        self._stopped = True

    def record_retry_delay(self, seconds: float) -> None:
        """Note a retry delay a client asked for (and, with ``instant_retries``, did not wait)."""
        with self._lock:
            self._retry_delays.append(seconds)

    def record_unreachable(self, request: WireRequest) -> None:
        """Record a call to a host where Things Graph never ran: nothing was sent, no problem by itself.

        Its ``status_code`` is 0 (no response), ``error_code`` ``"EndpointConnectionError"``,
        ``request`` ``None`` (no body reached a service) and ``request_id`` empty.
        """
        host = urlsplit(request.url).hostname or ""
        target = request.headers.get("x-amz-target", "")
        operation = target.rpartition(".")[2] or None
        call = Call(operation, None, things_graph_region(host), None, 0, {}, UNREACHABLE_ERROR_CODE, "")
        with self._lock:
            self._calls.append(call)

    def answer(self, request: WireRequest) -> WireResponse:
        """Answer one HTTP attempt as the service would; raise :class:`StubError` where the stub cannot."""
        parsed = parse(request)
        with self._lock:
            self._requests_seen += 1
            number = self._requests_seen
            if isinstance(parsed, Rejection):
                in_region = f" in {request.region}" if request.region else ""
                self._problems.invalid_requests.append(
                    f"request {number} ({parsed.operation or 'unknown operation'}{in_region}): "
                    f"{parsed.error_code}: {parsed.message}"
                )
                return self._record(parsed.operation, None, request.region, parsed.document, rejection_reply(parsed))
            name = parsed.operation
            try:
                answer = lookup(name).handle(self._service, parsed, request.region, number)
            except Unanswerable as error:
                self._problems.stub_errors.append(str(error))
                self._unanswered.append(Unanswered(number, name, request.region))
                raise StubError(str(error)) from None
            if answer.mismatch is not None:
                self._problems.unexpected_requests.setdefault(name, []).append(f"request {number}: {answer.mismatch}")
            return self._record(name, answer.upload_id, request.region, parsed.document, answer.reply)

    def _record(
        self,
        operation: str | None,
        upload_id: str | None,
        region: str | None,
        request: Mapping[str, Any] | None,
        reply: Reply,
    ) -> WireResponse:
        request_ids = self._request_ids
        if request_ids is None:
            request_ids = self._request_ids = _request_ids()
        request_id = next(request_ids)
        self._calls.append(
            Call(operation, upload_id, region, request, reply.status_code, reply.document, reply.error_code, request_id)
        )
        return WireResponse(reply.status_code, reply.body, request_id)

    def __repr__(self) -> str:
        with self._lock:
            uploads, calls = len(uploads_of(self._service).uploads), len(self._calls)
        state = "active" if _registry.active() is self else "stopped" if self._stopped else "inactive"
        return f"<ThingsGraphStub {state}: {uploads} uploads, {calls} calls>"


def _request_ids() -> Iterator[str]:
    """Request IDs shaped as the service's UUIDs: a random prefix per stub, then a counter."""
    prefix = str(uuid.uuid4())[:24]
    return map(f"{prefix}{{:012x}}".format, itertools.count())

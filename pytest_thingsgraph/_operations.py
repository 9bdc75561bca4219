"""The service's state and one handler per operation the stub answers.

A handler takes a request the protocol accepted and returns the service's
:class:`Reply` and the upload it concerns, or raises :class:`Unanswerable`
where the stub has no answer a test could have meant.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import _graphql
from ._options import StubOptions
from ._protocol import describe_json, error_reply, ok_reply
from ._scripts import PreparedItem, PreparedUpload, Upload, prepare_item, prepare_upload
from ._service import UploadStatus
from ._wire import ParsedRequest, Reply

#: What an UploadEntityDefinitions call with nothing queued makes its upload answer.
DEFAULT_SCRIPT: tuple[UploadStatus, ...] = ("IN_PROGRESS", "SUCCEEDED")


class Unanswerable(Exception):
    """The stub has no answer for this request; the message says why and what to change."""


@dataclass(frozen=True, slots=True)
class QueuedUpload:
    """What the next UploadEntityDefinitions call creates, and what it must carry."""

    upload: PreparedUpload
    expected: Mapping[str, Any] | None = None

    def label(self) -> str:
        return self.upload.label()


@dataclass(frozen=True, slots=True)
class QueuedError:
    """An error the next UploadEntityDefinitions call is answered with."""

    item: PreparedItem
    expected: Mapping[str, Any] | None = None

    def label(self) -> str:
        return self.item.label()


@dataclass(slots=True)
class Service:
    """Things Graph as the stub plays it: the uploads it knows and the UploadEntityDefinitions answers queued."""

    options: StubOptions
    uploads: dict[str, Upload] = field(default_factory=dict)
    queue: deque[QueuedUpload | QueuedError] = field(default_factory=deque)

    def knows(self, upload_id: str) -> bool:
        return upload_id in self.uploads or (
            bool(self.queue)
            and any(isinstance(entry, QueuedUpload) and entry.upload.upload_id == upload_id for entry in self.queue)
        )

    def get_upload_status(self, request: ParsedRequest, region: str | None, number: int) -> tuple[Reply, str]:
        upload_id = request.upload_id
        assert upload_id is not None  # the protocol parsed it
        upload = self.uploads.get(upload_id)
        if upload is None or (upload.region is not None and upload.region != region):
            if upload is not None and region is not None:
                upload.polled_in.add(region)
            where = f" in region {region}" if region else ""
            return error_reply("ResourceNotFoundException", f"Upload {upload_id} was not found{where}.", 404), upload_id
        item = upload.next_item()
        if item is None:
            count = len(upload.items)
            raise Unanswerable(
                f"Upload {upload_id!r} has no script item left for request {number}: its script of "
                f"{count} item{'s' if count > 1 else ''} ended on {upload.items[-1].label()}, which is not "
                "terminal. Add the items the code under test polls for, or end the script with "
                "'SUCCEEDED' or 'FAILED'."
            )
        return item.reply, upload_id

    def upload_entity_definitions(
        self, request: ParsedRequest, region: str | None
    ) -> tuple[Reply, str | None, str | None]:
        """The reply, the upload created, and how the request differs from what its answer expected."""
        entry = self.queue.popleft() if self.queue else None
        mismatch = _mismatch(entry.expected, request.document) if entry is not None and entry.expected else None
        if isinstance(entry, QueuedError):
            return entry.item.reply, None, mismatch
        if entry is None:
            upload_id = str(uuid.uuid4())
            prepared = prepare_upload(upload_id, DEFAULT_SCRIPT, where="UploadEntityDefinitions, nothing queued")
            scripted = False
        else:
            prepared, scripted = entry.upload, True
        items = prepared.items
        text = (request.document.get("document") or {}).get("text")
        if self.options.validate_definitions and text is not None:
            reasons = _graphql.syntax_errors(text)
            if reasons:  # the upload ends FAILED after its IN_PROGRESS polls, as the service reported
                final = {"uploadStatus": "FAILED", "failureReason": reasons}
                failed = prepare_item("validate_definitions", final, prepared.defaults)
                items = (*(item for item in items if not item.terminal), failed)
        self.uploads[prepared.upload_id] = Upload(prepared.upload_id, region, items, scripted=scripted)
        return ok_reply({"uploadId": prepared.upload_id}), prepared.upload_id, mismatch


def _mismatch(expected: Mapping[str, Any], document: Mapping[str, Any]) -> str | None:
    """Expected and actual members side by side, where they differ."""
    differ = [name for name, value in expected.items() if document.get(name) != value]
    if not differ:
        return None
    return "; ".join(
        f"{name}: expected {describe_json(expected[name])}, got "
        + (describe_json(document[name]) if name in document else "nothing")
        for name in differ
    )

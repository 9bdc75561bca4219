"""The state GetUploadStatus and UploadEntityDefinitions share: the uploads the stub knows, and the answers queued.

``add_upload`` and ``on_upload_entity_definitions`` write it, the two
operations' handlers read it, and their teardown sections report what is left.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._call import Call
from .._errors import UsageError
from .._service import UploadStatus
from ._record import ScriptedStub, Service

if TYPE_CHECKING:  # pydantic: loaded with the first script, so the server's --help stays quick
    from .._scripts import PreparedItem, PreparedUpload

#: What an UploadEntityDefinitions call with nothing queued makes its upload answer.
DEFAULT_SCRIPT: tuple[UploadStatus, ...] = ("IN_PROGRESS", "SUCCEEDED")


@dataclass(slots=True)
class Upload:
    """An upload the stub knows, and how far its script has been served."""

    upload_id: str
    region: str | None
    items: tuple[PreparedItem, ...]
    scripted: bool = True  # False for an upload nobody queued: the teardown check leaves it alone
    served: int = 0
    polled_in: set[str] = field(default_factory=set)  # other regions it was asked for in

    def next_item(self) -> PreparedItem | None:
        """The item that answers the next poll; a terminal last item answers for good; ``None`` past the end."""
        if self.served < len(self.items):
            self.served += 1
            return self.items[self.served - 1]
        last = self.items[-1]
        return last if last.terminal else None

    def left(self) -> tuple[PreparedItem, ...]:
        return self.items[self.served :]

    def unconsumed(self) -> bool:
        return self.scripted and self.served < len(self.items)


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
class Uploads:
    """The uploads the stub knows, and the UploadEntityDefinitions answers queued."""

    uploads: dict[str, Upload] = field(default_factory=dict)
    queue: deque[QueuedUpload | QueuedError] = field(default_factory=deque)

    def knows(self, upload_id: str) -> bool:
        return upload_id in self.uploads or (
            bool(self.queue)
            and any(isinstance(entry, QueuedUpload) and entry.upload.upload_id == upload_id for entry in self.queue)
        )


def uploads_of(service: Service) -> Uploads:
    """The upload state of ``service``, made on first use."""
    return service.state(Uploads)


#: How the control API's message ends for an ``uploadId`` the stub already scripts.
TAKEN_BY_CONTROL = "already has a script: put every answer in one script, or POST /_thingsgraph/reset first."
#: How a script file's message ends for one: only the file can have scripted it (its stub is new).
TAKEN_BY_FILE = "is already scripted by an earlier entry of this file: put every answer in one entry."


def refuse_stopped(stub: ScriptedStub, *, where: str) -> None:
    """Refuse, in the JSON form's words, an entry for a stub that stopped (a server may serve one)."""
    if stub._stopped:
        raise UsageError(
            f"{where}: the stub this server serves has stopped, so it takes no more scripts: "
            "serve a running stub, such as the thingsgraph_server fixture's."
        )


def refuse_taken(stub: ScriptedStub, upload_id: str | None, *, where: str, taken: str) -> None:
    """Refuse, in the JSON form's words, an ``uploadId`` the stub already scripts (before the stub says it in
    its Python words: ``add_upload(...)``, ``reset()``)."""
    if upload_id is not None and uploads_of(stub._service).knows(upload_id):
        raise UsageError(f"{where}: uploadId {upload_id!r} {taken}")


def upload_of_call(call: Call) -> str | None:
    """The upload a call concerned, for its line in the "Things Graph calls" report."""
    return repr(call.upload_id) if call.upload_id is not None else None


def status_of_call(call: Call) -> str | None:
    """The ``uploadStatus`` a call answered, for that line."""
    return call.upload_status

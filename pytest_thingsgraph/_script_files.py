"""Script files (``thingsgraph-server --script FILE``): one JSON object whose keys are the operations' JSON forms.

Each key and the function that adds one of its entries are in an operation's record; :data:`JSON_FORMS`
(from the registry) says which keys there are and in what order their entries are added.

Importing this module loads no pydantic: it is loaded with the first entry read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._errors import UsageError
from ._operations import JSON_FORMS, SCRIPT_FILE_SHAPE
from ._operations._uploads import TAKEN_BY_FILE
from ._protocol import json_type

if TYPE_CHECKING:
    from ._stub import ThingsGraphStub


def apply_script(stub: ThingsGraphStub, document: object, *, where: str = "script") -> list[str | None]:
    """Script ``stub`` from a script file's JSON: ``{"uploads": [...], "uploadEntityDefinitions": [...],
    "responses": [...]}``.

    Returns the upload IDs the queued UploadEntityDefinitions answers will create (``None`` for an error).
    Raises :class:`UsageError` naming the entry that is wrong; entries before it are already added.
    """
    if not isinstance(document, dict):
        raise UsageError(
            f"{where}: a script file is a JSON object such as {SCRIPT_FILE_SHAPE}, not {json_type(document)}."
        )
    unknown = [key for key in document if key not in JSON_FORMS]
    if unknown:
        *others, last = JSON_FORMS
        raise UsageError(f"{where}: unknown key {unknown[0]!r}: a script file has {', '.join(others)} and {last}.")
    entries = {key: document.get(key, []) for key in JSON_FORMS}
    for key, value in entries.items():
        if not isinstance(value, list):
            raise UsageError(f"{where}: {key} is {json_type(value)}: give a JSON array of objects.")
    created: list[str | None] = []
    for key, form in JSON_FORMS.items():
        for index, entry in enumerate(entries[key]):
            upload_id = form.add(stub, entry, where=f"{where}: {key}[{index}]", taken=TAKEN_BY_FILE)
            if form.queued:
                created.append(upload_id)
    return created


__all__ = ["SCRIPT_FILE_SHAPE", "apply_script"]

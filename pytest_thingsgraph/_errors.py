"""The exceptions of pytest-thingsgraph, and the scripted service error."""

from __future__ import annotations

import dataclasses

from ._service import DOCUMENTED_ERRORS


class StubError(AssertionError):
    """The stub was asked for something it cannot answer; the test fails."""

    __module__ = "pytest_thingsgraph"


class UsageError(ValueError):
    """A test passed the stub an argument, script item or option it does not accept."""

    __module__ = "pytest_thingsgraph"


@dataclasses.dataclass(frozen=True, init=False)
class ServiceError:
    """A service error, as a script item: one HTTP attempt is answered with it.

    ``status_code`` defaults to the documented status of the four documented
    errors; any other ``code`` needs it.
    """

    __module__ = "pytest_thingsgraph"

    code: str
    message: str
    status_code: int

    def __init__(self, code: str, message: str = "", *, status_code: int | None = None) -> None:
        if not isinstance(code, str) or not code.isidentifier():
            raise UsageError(
                f"ServiceError code {code!r} is not an error code: "
                f"use one of {', '.join(DOCUMENTED_ERRORS)}, or another identifier with status_code=."
            )
        if not isinstance(message, str):
            raise UsageError(f"ServiceError({code!r}) message {message!r} is not a str: pass text.")
        if status_code is None:
            if code not in DOCUMENTED_ERRORS:
                raise UsageError(
                    f"ServiceError({code!r}) needs status_code=: only "
                    + ", ".join(f"{name} ({status})" for name, status in DOCUMENTED_ERRORS.items())
                    + " have a documented status."
                )
            status_code = DOCUMENTED_ERRORS[code]
        elif isinstance(status_code, bool) or not isinstance(status_code, int) or not 400 <= status_code <= 599:
            raise UsageError(
                f"ServiceError({code!r}) status_code {status_code!r} is not an error status: "
                "pass an int from 400 to 599."
            )
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "message", message)
        object.__setattr__(self, "status_code", status_code)

    def __repr__(self) -> str:
        args = [repr(self.code)]
        if self.message:
            args.append(repr(self.message))
        if self.status_code != DOCUMENTED_ERRORS.get(self.code):
            args.append(f"status_code={self.status_code}")
        return f"ServiceError({', '.join(args)})"

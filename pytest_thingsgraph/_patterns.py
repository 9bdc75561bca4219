"""The model's ``pattern`` constraints, which are Java regular expressions, applied as the service applied them.

Java's POSIX classes (``\\p{Alnum}``, ``\\p{Alpha}``, ...) are ASCII; its Unicode
categories (``\\p{L}``, ``\\p{Z}``, ``\\p{N}`` in ``TagKey``) are not read by
Python's ``re``: the maintained ``regex`` library reads them, and the POSIX
classes are spelt out in ASCII for it. A pattern is searched, not matched
whole (Smithy: "patterns are not implicitly anchored"), so an unanchored one
such as ``ThingName``'s ``[a-zA-Z0-9:_-]+`` fits any value that holds a match.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import regex

#: Java's POSIX character classes (``java.util.regex.Pattern``), as the ASCII ranges they stand for.
JAVA_POSIX_CLASSES = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": "\\x00-\\x7f",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": "!-/:-@\\[-`{-~",
    "Graph": "!-~",
    "Print": " -~",
    "Blank": " \\t",
    "Cntrl": "\\x00-\\x1f\\x7f",
    "XDigit": "0-9a-fA-F",
    "Space": " \\t\\n\\x0b\\f\\r",
}
_POSIX = re.compile(r"\\p\{(" + "|".join(JAVA_POSIX_CLASSES) + r")\}|\\.|\[|\]")


def translate(java: str) -> str:
    """A Java pattern in the ``regex`` library's syntax: each POSIX class as its ASCII range."""
    parts: list[str] = []
    depth = 0
    position = 0
    for found in _POSIX.finditer(java):
        parts.append(java[position : found.start()])
        token = found.group()
        name = found.group(1)
        if name is not None:
            ranges = JAVA_POSIX_CLASSES[name]
            parts.append(ranges if depth else f"[{ranges}]")
        else:
            parts.append(token)
            if token == "[":
                depth += 1
            elif token == "]" and depth:
                depth -= 1
        position = found.end()
    parts.append(java[position:])
    return "".join(parts)


@functools.cache
def compiled(java: str) -> regex.Pattern[str]:
    """The model's pattern ``java``, compiled once."""
    import regex

    return regex.compile(translate(java))


def fits(java: str, value: str) -> bool:
    """Whether ``value`` satisfies the model's pattern ``java``, as the service checked it."""
    return compiled(java).search(value) is not None

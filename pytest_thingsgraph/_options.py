"""The stub's options: one object merged from ini keys, markers (module < class < function) and keywords."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Mapping

from ._errors import UsageError


@dataclasses.dataclass(frozen=True)
class StubOptions:
    """How strict a stub is. Each field is also a marker keyword, an ini key
    ``thingsgraph_<name>`` and a ``mock_thingsgraph`` keyword; its help is in ``OPTION_HELP``."""

    assert_all_consumed: bool = dataclasses.field(
        default=True, metadata={"help": "fail at teardown if an upload's script was not served to its end"}
    )
    allow_invalid_requests: bool = dataclasses.field(
        default=False, metadata={"help": "answer invalid Things Graph requests without failing the test"}
    )
    fake_credentials: bool = dataclasses.field(
        default=True, metadata={"help": "sign stubbed Things Graph requests with fake credentials"}
    )
    instant_retries: bool = dataclasses.field(
        default=True, metadata={"help": "skip clients' waits before retrying stubbed calls; record the delays"}
    )
    validate_definitions: bool = dataclasses.field(
        default=False,
        metadata={"help": "parse uploaded GraphQL with graphql-core; uploads that don't parse end FAILED"},
    )


OPTION_NAMES: tuple[str, ...] = tuple(field.name for field in dataclasses.fields(StubOptions))
#: Each option's help, with its default: the one text behind ini help, markers and docs.
OPTION_HELP: dict[str, str] = {
    field.name: f"{field.metadata['help']} (default {str(field.default).lower()})"
    for field in dataclasses.fields(StubOptions)
}


def merge_options(base: StubOptions, keywords: Mapping[str, object], *, source: str) -> StubOptions:
    """Return ``base`` with ``keywords`` applied, after checking each name and value.

    ``source`` names where the keywords came from, for the error message.
    """
    for name, value in keywords.items():
        if name not in OPTION_NAMES:
            raise UsageError(f"{source} got the unknown keyword {name!r}: use one of {', '.join(OPTION_NAMES)}.")
        if not isinstance(value, bool):
            raise UsageError(f"{source} keyword {name}={value!r} is not a bool: pass True or False.")
    if not keywords:
        return base
    return _replaced(base, tuple(keywords.items()))  # every value checked above: a bool


@functools.lru_cache(maxsize=256)
def _replaced(base: StubOptions, changes: tuple[tuple[str, bool], ...]) -> StubOptions:
    """``base`` with ``changes``: options are frozen, so each combination is made once."""
    return dataclasses.replace(base, **dict(changes))


def options_from_markers(
    base: StubOptions, marker_layers: Iterable[tuple[tuple[object, ...], Mapping[str, object]]]
) -> StubOptions:
    """Apply marker (args, kwargs) layers in order, outermost (module) first."""
    options = base
    for args, kwargs in marker_layers:
        if args:
            raise UsageError(
                f"@pytest.mark.thingsgraph_stub got positional arguments {args!r}: "
                f"pass keywords, one of {', '.join(OPTION_NAMES)}."
            )
        options = merge_options(options, kwargs, source="@pytest.mark.thingsgraph_stub")
    return options

"""The stub's options: one object merged from ini keys, markers and keywords."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from ._errors import UsageError


@dataclasses.dataclass(frozen=True)
class StubOptions:
    """How strict a stub is. Each field is also a marker keyword, an ini key
    ``thingsgraph_<name>`` and a ``mock_thingsgraph`` keyword."""

    #: Fail at teardown if an upload's script was not served to its end.
    assert_all_consumed: bool = True
    #: Answer invalid requests as the service would, without failing the test.
    allow_invalid_requests: bool = False
    #: Sign stubbed requests with fake credentials, never the machine's own.
    fake_credentials: bool = True
    #: Skip botocore's sleeps before retrying stubbed calls; the stub records the delays.
    instant_retries: bool = True
    #: Parse uploaded GraphQL with graphql-core; an upload that does not parse ends FAILED.
    validate_definitions: bool = False


OPTION_NAMES: tuple[str, ...] = tuple(field.name for field in dataclasses.fields(StubOptions))

OPTION_HELP: dict[str, str] = {
    "assert_all_consumed": "fail at teardown if an upload's script was not served to its end (default true)",
    "allow_invalid_requests": "answer invalid Things Graph requests without failing the test (default false)",
    "fake_credentials": "sign stubbed Things Graph requests with fake credentials (default true)",
    "instant_retries": "skip botocore's sleeps before retrying stubbed Things Graph calls (default true)",
    "validate_definitions": "parse uploaded GraphQL with graphql-core; uploads that do not parse fail (default false)",
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
    return dataclasses.replace(base, **keywords)  # type: ignore[arg-type]


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

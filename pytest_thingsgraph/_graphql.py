"""``validate_definitions``: uploaded GraphQL is parsed as the service validated it."""

from __future__ import annotations

from ._errors import UsageError


def require_graphql() -> None:
    """Fail at once if graphql-core, which ``validate_definitions`` needs, is missing."""
    try:
        import graphql  # noqa: F401
    except ImportError:
        raise UsageError(
            "validate_definitions=True needs graphql-core: install pytest-thingsgraph[graphql], "
            "or leave validate_definitions off."
        ) from None


def syntax_errors(text: str) -> list[str]:
    """One failure reason per syntax error of ``text`` (graphql-core stops at the first)."""
    from graphql import GraphQLSyntaxError, parse

    try:
        parse(text)
    except GraphQLSyntaxError as error:
        where = ", ".join(f"line {location.line} column {location.column}" for location in error.locations or [])
        return [f"{where}: {error.message}" if where else error.message]
    return []

"""GraphQL errors with an `extensions.code` clients can branch on."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

BAD_USER_INPUT = "BAD_USER_INPUT"
NOT_FOUND = "NOT_FOUND"
UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"
INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"
UPSTREAM_ERROR = "UPSTREAM_ERROR"


def coded_error(message: str, code: str, **details: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **details})


def bad_user_input(message: str, *, field: str | None = None, **details: Any) -> GraphQLError:
    if field is not None:
        details["field"] = field
    return coded_error(message, BAD_USER_INPUT, **details)


def not_found(message: str, **details: Any) -> GraphQLError:
    return coded_error(message, NOT_FOUND, **details)


def parse_int_id(raw: str | int, *, field: str) -> int:
    """A GraphQL `ID` holding a positive integer, or a BAD_USER_INPUT error."""
    value = parse_int_id_or_none(raw)
    if value is None:
        raise bad_user_input(f"{field} must be a positive integer id, got {raw!r}", field=field)
    return value


MAX_ID = 2**31 - 1  # ids are 32-bit integer columns
_MAX_ID_DIGITS = len(str(MAX_ID))


def parse_int_id_or_none(raw: object) -> int | None:
    """A positive 32-bit id from an int or a string of ASCII digits; None for anything else."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= _MAX_ID_DIGITS:
        raw = int(raw)
    if isinstance(raw, int):
        return raw if 0 < raw <= MAX_ID else None
    return None


def is_unexpected(error: GraphQLError) -> bool:
    """An error from an exception that is not a GraphQLError (a bug, a database failure): its
    message may hold SQL or internals, so clients get a generic one; the server log has it."""
    return error.original_error is not None and not isinstance(error.original_error, GraphQLError)


def mask_unexpected_errors() -> MaskErrors:
    """A new extension per operation (it keeps per-operation state)."""
    return MaskErrors(should_mask_error=is_unexpected)

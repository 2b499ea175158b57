"""Request errors: the operation cannot run (parse, validation, variables, planning)."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError

GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"
# An operation that is valid GraphQL but cannot be run as asked: no operation of the given name,
# several operations and no name, or an operation type the schema has no root type for. The
# code @apollo/gateway gives these.
INVALID_GRAPHQL = "INVALID_GRAPHQL"
QUERY_PLANNING_FAILED = "QUERY_PLANNING_FAILED"
INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"
OPERATION_NOT_SUPPORTED = "OPERATION_NOT_SUPPORTED"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


def request_error(message: str, code: str) -> dict[str, Any]:
    return {"message": message, "extensions": {"code": code}}


def from_graphql_error(error: GraphQLError, code: str) -> dict[str, Any]:
    """A graphql-core error as a response error, with its locations and path, and ``code``."""
    formatted: dict[str, Any] = dict(error.formatted)
    extensions = dict(formatted.get("extensions") or {})
    extensions.setdefault("code", code)
    formatted["extensions"] = extensions
    return formatted

"""Errors the server answers before (or instead of) running an operation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class RequestError(Exception):
    """A request the server refuses: the HTTP status and one GraphQL error naming why."""

    status: int
    message: str
    code: str
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message

    def to_response_body(self) -> dict[str, Any]:
        return {"errors": [graphql_error(self.message, self.code)]}


def graphql_error(message: str, code: str, **extensions: Any) -> dict[str, Any]:
    return {"message": message, "extensions": {"code": code, **extensions}}

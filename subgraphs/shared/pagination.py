"""Relay-style cursor connections: opaque cursors, bounded page sizes."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import strawberry

from .errors import bad_user_input, parse_int_id_or_none

NodeT = TypeVar("NodeT")
RowT = TypeVar("RowT")

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


@strawberry.federation.type(shareable=True, description="Where a page of a connection ends.")
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[NodeT]):
    node: NodeT
    cursor: str


@strawberry.type
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo


def encode_cursor(kind: str, row_id: int) -> str:
    raw = f"{kind}:{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str) -> int:
    """The row id inside a cursor made by `encode_cursor(kind, ...)`, or BAD_USER_INPUT."""
    padded = cursor + "=" * (-len(cursor) % 4)
    try:
        text = base64.urlsafe_b64decode(padded.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    prefix, _, digits = text.partition(":")
    row_id = parse_int_id_or_none(digits) if prefix == kind else None
    if row_id is None:
        raise bad_user_input(f"Invalid cursor {cursor!r}", field="after")
    return row_id


def check_page_size(first: int, *, maximum: int = MAX_PAGE_SIZE) -> None:
    if first < 0 or first > maximum:
        raise bad_user_input(
            f"first must be between 0 and {maximum}, got {first}", field="first", maximum=maximum
        )


def build_connection(
    rows: Sequence[RowT],
    *,
    first: int,
    kind: str,
    row_id: Callable[[RowT], int],
    to_node: Callable[[RowT], NodeT],
) -> Connection[NodeT]:
    """A page from rows fetched with `LIMIT first + 1` (the extra row says a next page exists)."""
    page = rows[:first]
    edges = [Edge(node=to_node(row), cursor=encode_cursor(kind, row_id(row))) for row in page]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > first,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )

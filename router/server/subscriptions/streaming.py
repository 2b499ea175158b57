"""GraphQL over SSE (graphql-sse, distinct connections mode) and multipart HTTP subscriptions.

SSE: ``event: next`` with each response as ``data``, ``event: complete`` at the end, a comment
line as heartbeat. Multipart (Apollo's ``subscriptionSpec="1.0"``): each response is a part
``{"payload": …}``, ``{}`` is a heartbeat and the final boundary ends it. A query or mutation
on these transports answers once and completes.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable
from typing import Any, Literal

import orjson

from router.server.negotiation import parse_accept
from router.server.subscriptions.keepalive import with_heartbeats

StreamingKind = Literal["sse", "multipart"]
SSE_MEDIA_TYPE = "text/event-stream"
MULTIPART_BOUNDARY = "graphql"
MULTIPART_MEDIA_TYPE = f'multipart/mixed;boundary="{MULTIPART_BOUNDARY}";subscriptionSpec="1.0"'
# Each part ends with the boundary, so a client can read it as soon as it arrives.
_PART_HEAD = b"\r\ncontent-type: application/json; charset=utf-8\r\n\r\n"
_DELIMITER = f"\r\n--{MULTIPART_BOUNDARY}".encode()


def streaming_kind(accept: str | None, *, sse: bool, multipart: bool) -> StreamingKind | None:
    """Which streaming transport the Accept header asks for, when one of them is enabled."""
    if not accept:
        return None
    for media in parse_accept(accept):
        if media.quality <= 0:
            continue
        if sse and media.type == SSE_MEDIA_TYPE:
            return "sse"
    lowered = accept.lower().replace(" ", "")
    if multipart and "multipart/mixed" in lowered and 'subscriptionspec="1.0"' in lowered:
        return "multipart"
    if multipart and "multipart/mixed" in lowered and "subscriptionspec=1.0" in lowered:
        return "multipart"
    return None


async def sse_events(
    responses: AsyncIterable[dict[str, Any]], heartbeat: float
) -> AsyncIterator[bytes]:
    async for response in with_heartbeats(responses, heartbeat):
        if response is None:
            yield b":\n\n"
        else:
            yield b"event: next\ndata: " + orjson.dumps(response) + b"\n\n"
    yield b"event: complete\ndata: \n\n"


async def multipart_parts(
    responses: AsyncIterable[dict[str, Any]], heartbeat: float
) -> AsyncIterator[bytes]:
    yield _DELIMITER + _PART_HEAD + b"{}" + _DELIMITER
    async for response in with_heartbeats(responses, heartbeat):
        body = b"{}" if response is None else orjson.dumps({"payload": response})
        yield _PART_HEAD + body + _DELIMITER
    yield b"--\r\n"


def encoder(
    kind: StreamingKind,
) -> Callable[[AsyncIterable[dict[str, Any]], float], AsyncIterator[bytes]]:
    return sse_events if kind == "sse" else multipart_parts


def media_type(kind: StreamingKind) -> str:
    return SSE_MEDIA_TYPE if kind == "sse" else MULTIPART_MEDIA_TYPE


async def one(response: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
    yield response

"""A subscription's responses with a heartbeat (None) whenever none came for a while."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any


async def with_heartbeats(
    responses: AsyncIterable[dict[str, Any]], interval: float
) -> AsyncIterator[dict[str, Any] | None]:
    """Every response of ``responses``, and None after each ``interval`` without one."""
    iterator = aiter(responses)
    pending: asyncio.Task[dict[str, Any]] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(anext(iterator))
            done, _ = await asyncio.wait({pending}, timeout=interval)
            if not done:
                yield None
                continue
            finished, pending = pending, None
            try:
                response = finished.result()
            except StopAsyncIteration:
                return
            yield response
    finally:
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(BaseException):
                await pending
        closer = getattr(iterator, "aclose", None)
        if closer is not None:
            with contextlib.suppress(Exception):
                await closer()

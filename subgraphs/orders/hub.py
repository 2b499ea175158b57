"""In-process fan-out of order events to this instance's subscriptions.

The hub is fed by whatever carries events to this process: the broker's event exchange (one
exclusive queue per instance) or, without a broker, the embedded outbox dispatcher. Each
subscriber has a bounded buffer (`ORDERS_SUBSCRIPTION_BUFFER`, default 100); a subscriber
too slow to keep up loses its oldest events rather than holding the others up.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from .events import OrderEvent

BUFFER_ENV = "ORDERS_SUBSCRIPTION_BUFFER"
DEFAULT_BUFFER = 100

EventFilter = Callable[[OrderEvent], bool]


def buffer_from_env() -> int:
    raw = os.environ.get(BUFFER_ENV)
    size = int(raw) if raw else DEFAULT_BUFFER
    if size < 1:
        raise ValueError(f"{BUFFER_ENV} must be at least 1, got {raw!r}")
    return size


class OrderEventHub:
    def __init__(self, buffer: int | None = None) -> None:
        self._buffer = buffer if buffer is not None else buffer_from_env()
        self._subscribers: set[tuple[EventFilter, asyncio.Queue[OrderEvent]]] = set()

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def publish(self, event: OrderEvent) -> None:
        for accepts, queue in list(self._subscribers):
            if not accepts(event):
                continue
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)

    @asynccontextmanager
    async def subscribe(self, accepts: EventFilter) -> AsyncIterator[AsyncIterator[OrderEvent]]:
        queue: asyncio.Queue[OrderEvent] = asyncio.Queue(self._buffer)
        entry = (accepts, queue)
        self._subscribers.add(entry)

        async def events() -> AsyncIterator[OrderEvent]:
            while True:
                yield await queue.get()

        try:
            yield events()
        finally:
            self._subscribers.discard(entry)

"""A client subscription's stream of responses, which the gateway can end from outside.

The events of the subgraph (``Executor.subscribe``) are completed one at a time (the rest of the
plan runs on each, in order) by a producer task and queued for the client. ``end`` stops the
stream with a last error response, e.g. when the supergraph is reloaded or the router shuts
down, so no subscription is dropped silently.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import Any

from router.executor.subscription_client import SubgraphEvent

SUBSCRIPTION_SCHEMA_RELOAD = "SUBSCRIPTION_SCHEMA_RELOAD"
SUBSCRIPTION_SHUTDOWN = "SUBSCRIPTION_SHUTDOWN"
# Responses completed but not yet sent to a slow client: the producer waits beyond this.
QUEUE_SIZE = 16

_END = object()


class SubscriptionStream:
    """The responses of one client subscription; iterate it once, ``aclose`` when done."""

    def __init__(
        self,
        events: AsyncGenerator[SubgraphEvent, None],
        complete: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]],
        on_closed: Callable[[SubscriptionStream], None] | None = None,
    ) -> None:
        self._events = events
        self._complete = complete
        self._on_closed = on_closed
        self._queue: asyncio.Queue[object] = asyncio.Queue(QUEUE_SIZE)
        self._producer: asyncio.Task[None] | None = None
        self._ended = False

    def start(self) -> None:
        """Subscribe now, in the current context (the client call whose headers it sends)."""
        if self._producer is None and not self._ended:
            self._producer = asyncio.create_task(self._produce())

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self._responses()

    async def _responses(self) -> AsyncIterator[dict[str, Any]]:
        self.start()
        try:
            while True:
                item = await self._queue.get()
                if item is _END:
                    return
                assert isinstance(item, dict)
                yield item
        finally:
            await self.aclose()

    async def _produce(self) -> None:
        try:
            async for event in self._events:
                if event.failure is not None:
                    await self._queue.put({"errors": [event.failure]})
                    break
                assert event.response is not None
                await self._queue.put(await self._complete(event.response))
        finally:
            with contextlib.suppress(Exception):
                await self._events.aclose()
            self._put_end()

    def _put_end(self) -> None:
        # never blocks: the queue may be full of responses the client has not read
        try:
            self._queue.put_nowait(_END)
        except asyncio.QueueFull:
            self._drain()
            self._queue.put_nowait(_END)

    def _drain(self) -> None:
        while not self._queue.empty():
            self._queue.get_nowait()

    def end(self, message: str, code: str) -> None:
        """End the stream now: the client gets this error as the last response."""
        if self._ended:
            return
        self._ended = True
        if self._producer is not None:
            self._producer.cancel()
        self._drain()
        self._queue.put_nowait({"errors": [{"message": message, "extensions": {"code": code}}]})
        self._queue.put_nowait(_END)

    async def aclose(self) -> None:
        self._ended = True
        producer, self._producer = self._producer, None
        if producer is not None and not producer.done():
            producer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await producer
        elif producer is None:
            with contextlib.suppress(Exception):
                await self._events.aclose()
        if self._on_closed is not None:
            on_closed, self._on_closed = self._on_closed, None
            on_closed(self)

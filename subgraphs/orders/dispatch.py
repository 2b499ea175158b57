"""The embedded path, used when no broker is configured (`BROKER_URL` unset): the outbox is
read in-process and each event goes to this instance's subscriptions and to the same
fulfilment handlers the broker's workers run, with the same bounded retries.

An event whose handler keeps failing (or cannot handle it at all) is logged and kept in
`dead_letters`, the embedded counterpart of the dead-letter queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from dataclasses import dataclass
from datetime import timedelta

from subgraphs.shared.db import Database

from .events import BadEvent, OrderEvent
from .fulfilment import Fulfilment, PoisonMessage
from .hub import OrderEventHub
from .outbox import lease_unpublished, mark_published

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """`ORDERS_MAX_ATTEMPTS` (default 5) attempts per message, waiting
    `ORDERS_RETRY_BACKOFF_MS` (default 200) times 2^attempt between them."""

    max_attempts: int = 5
    backoff_ms: float = 200.0

    @classmethod
    def from_env(cls) -> RetryPolicy:
        attempts = int(os.environ.get("ORDERS_MAX_ATTEMPTS") or 5)
        backoff = float(os.environ.get("ORDERS_RETRY_BACKOFF_MS") or 200)
        if attempts < 1 or backoff < 0:
            raise ValueError("ORDERS_MAX_ATTEMPTS >= 1 and ORDERS_RETRY_BACKOFF_MS >= 0")
        return cls(max_attempts=attempts, backoff_ms=backoff)

    def delay_ms(self, attempt: int) -> float:
        """The wait before retry number `attempt` (1 for the first retry)."""
        return float(self.backoff_ms * 2 ** (attempt - 1))


@dataclass(frozen=True, slots=True)
class OutboxPolling:
    """`ORDERS_OUTBOX_POLL_MS` (default 100) between empty reads, `ORDERS_OUTBOX_BATCH`
    (default 100) events per read, each leased for `ORDERS_OUTBOX_LEASE_SECONDS` (30)."""

    interval_ms: float = 100.0
    batch: int = 100
    lease: timedelta = timedelta(seconds=30)

    @classmethod
    def from_env(cls) -> OutboxPolling:
        return cls(
            interval_ms=float(os.environ.get("ORDERS_OUTBOX_POLL_MS") or 100),
            batch=int(os.environ.get("ORDERS_OUTBOX_BATCH") or 100),
            lease=timedelta(seconds=float(os.environ.get("ORDERS_OUTBOX_LEASE_SECONDS") or 30)),
        )


class EmbeddedDispatcher:
    def __init__(
        self,
        database: Database,
        fulfilment: Fulfilment,
        hub: OrderEventHub,
        *,
        retry: RetryPolicy | None = None,
        polling: OutboxPolling | None = None,
    ) -> None:
        self._database = database
        self._fulfilment = fulfilment
        self._hub = hub
        self._retry = retry or RetryPolicy.from_env()
        self._polling = polling or OutboxPolling.from_env()
        self._task: asyncio.Task[None] | None = None
        self._inflight: set[asyncio.Task[None]] = set()
        self.dead_letters: list[bytes] = []

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="orders-outbox-dispatcher")

    async def stop(self) -> None:
        tasks = [t for t in (self._task, *self._inflight) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._task = None

    async def drain_once(self) -> int:
        """Reads one batch and hands every event on; how many there were."""
        async with self._database.session() as db:
            taken = await lease_unpublished(db, self._polling.batch, self._polling.lease)
        if not taken:
            return 0
        for row_id, event in taken:
            if isinstance(event, OrderEvent):
                self._hub.publish(event)
            task = asyncio.create_task(self._handle_and_mark(row_id, event))
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)
        return len(taken)

    async def idle(self) -> None:
        """Waits until every handed-on event is handled."""
        while self._inflight:
            await asyncio.gather(*list(self._inflight), return_exceptions=True)

    async def _run(self) -> None:
        while True:
            try:
                handed_on = await self.drain_once()
            except Exception:
                logger.exception("Reading the order outbox failed")
                handed_on = 0
            if handed_on == 0:
                await asyncio.sleep(self._polling.interval_ms / 1000)

    async def _handle_and_mark(self, row_id: int, event: OrderEvent | bytes) -> None:
        """Handles the event, then marks it published: if this process stops first, the
        lease runs out and the event is handled again (the handlers are idempotent)."""
        await self._handle(event)
        async with self._database.session() as db:
            await mark_published(db, [row_id])

    async def _handle(self, event: OrderEvent | bytes) -> None:
        if not isinstance(event, OrderEvent):
            self._dead(event, "not an order event")
            return
        for attempt in range(1, self._retry.max_attempts + 1):
            try:
                await self._fulfilment.handle(event)
                return
            except (PoisonMessage, BadEvent) as error:
                self._dead(event.to_json(), str(error))
                return
            except Exception as error:
                if attempt == self._retry.max_attempts:
                    self._dead(event.to_json(), f"{attempt} attempts failed: {error}")
                    return
                await asyncio.sleep(self._retry.delay_ms(attempt) / 1000)

    def _dead(self, body: bytes, reason: str) -> None:
        logger.error("Order event dead-lettered (%s): %s", reason, body[:500])
        self.dead_letters.append(body)

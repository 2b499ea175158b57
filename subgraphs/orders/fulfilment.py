"""The fulfilment handlers: what happens to an order after each of its events.

- `order.placed`: confirm the stock reservation, then authorise the payment (simulated):
  PAID, or CANCELLED if it is declined or the reservation expired meanwhile;
- `order.paid`: ship (simulated): SHIPPED; a shipping failure is retried;
- `order.cancelled`: release the stock (idempotent on the products side).

Each handler is idempotent: its state change and a record of the message commit together,
so a redelivered message finds the record (or the order past that state) and changes nothing.
Latency and failure rates are configurable (`ORDERS_PAYMENT_LATENCY_MS`, default 1000,
`ORDERS_PAYMENT_FAILURE_RATE`, default 0, `ORDERS_SHIPPING_LATENCY_MS`, default 3000,
`ORDERS_SHIPPING_FAILURE_RATE`, default 0).
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.shared.db import Database
from subgraphs.shared.timestamps import utc_now

from .events import EventKind, OrderEvent
from .models import OrderRow, ProcessedMessageRow
from .models import OrderStatusValue as Status
from .products_client import ProductsClient
from .transitions import transition

logger = logging.getLogger(__name__)

DEFAULT_PAYMENT_LATENCY_MS = 1000.0
DEFAULT_SHIPPING_LATENCY_MS = 3000.0


class TransientFailure(Exception):
    """A step failed in a way a later attempt may not: the message is retried."""


class PoisonMessage(Exception):
    """A message no attempt can handle: it goes to the dead-letter queue at once."""


@dataclass(frozen=True, slots=True)
class SimulatedStep:
    latency_ms: float = 0.0
    failure_rate: float = 0.0

    @classmethod
    def from_env(cls, prefix: str, default_latency_ms: float) -> SimulatedStep:
        raw = os.environ.get(f"{prefix}_LATENCY_MS")
        latency = float(raw) if raw else default_latency_ms
        rate = float(os.environ.get(f"{prefix}_FAILURE_RATE") or 0)
        if latency < 0 or not 0 <= rate <= 1:
            raise ValueError(f"{prefix}_LATENCY_MS >= 0 and 0 <= {prefix}_FAILURE_RATE <= 1")
        return cls(latency_ms=latency, failure_rate=rate)

    async def run(self, rng: random.Random) -> bool:
        """Waits the latency; True if the step succeeded."""
        if self.latency_ms:
            await asyncio.sleep(self.latency_ms / 1000)
        return rng.random() >= self.failure_rate


@dataclass(frozen=True, slots=True)
class FulfilmentSettings:
    payment: SimulatedStep = SimulatedStep()
    shipping: SimulatedStep = SimulatedStep()

    @classmethod
    def from_env(cls) -> FulfilmentSettings:
        return cls(
            payment=SimulatedStep.from_env("ORDERS_PAYMENT", DEFAULT_PAYMENT_LATENCY_MS),
            shipping=SimulatedStep.from_env("ORDERS_SHIPPING", DEFAULT_SHIPPING_LATENCY_MS),
        )


class Fulfilment:
    """Drives orders through their states in reaction to their events."""

    def __init__(
        self,
        database: Database,
        products: ProductsClient,
        settings: FulfilmentSettings | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._database = database
        self._products = products
        self._settings = settings or FulfilmentSettings.from_env()
        self._rng = rng or random.Random()

    async def handle(self, event: OrderEvent) -> None:
        """Acts on one event; raises TransientFailure (retry) or PoisonMessage (dead-letter)."""
        if event.kind is EventKind.PLACED:
            await self._authorise_payment(event)
        elif event.kind is EventKind.PAID:
            await self._ship(event)
        elif event.kind is EventKind.CANCELLED:
            await self._release(event)

    async def _authorise_payment(self, event: OrderEvent) -> None:
        if await self._already_processed(event):
            return
        try:
            kept = await self._products.confirm(event.reservation_id)
        except Exception as error:
            raise TransientFailure(f"confirming the reservation failed: {error}") from error
        if not kept:
            await self._apply(event, Status.CANCELLED, "the stock reservation expired")
            return
        if await self._settings.payment.run(self._rng):
            await self._apply(event, Status.PAID, None)
        else:
            await self._apply(event, Status.CANCELLED, "the payment was declined")

    async def _ship(self, event: OrderEvent) -> None:
        if await self._already_processed(event):
            return
        if not await self._settings.shipping.run(self._rng):
            raise TransientFailure(f"shipping order {event.order_id} failed")
        await self._apply(event, Status.SHIPPED, None)

    async def _release(self, event: OrderEvent) -> None:
        try:
            await self._products.release(event.reservation_id)
        except Exception as error:
            raise TransientFailure(f"releasing the stock failed: {error}") from error
        async with self._database.session() as db:
            await _record_processed(db, event)

    async def _already_processed(self, event: OrderEvent) -> bool:
        async with self._database.session() as db:
            if await db.get(OrderRow, event.order_id) is None:
                raise PoisonMessage(f"order {event.order_id} does not exist")
            return await db.get(ProcessedMessageRow, event.event_id) is not None

    async def _apply(self, event: OrderEvent, target: Status, reason: str | None) -> None:
        """The state change (if the order is still where the event left it) and the record of
        the message, in one transaction."""
        async with self._database.session() as db:
            try:
                await transition(
                    db, event.order_id, target, reason=reason, sources=[Status(event.status)]
                )
                db.add(ProcessedMessageRow(message_id=event.event_id, processed_at=utc_now()))
                await db.commit()
            except IntegrityError:
                await db.rollback()  # another delivery of this message got there first
            except BaseException:
                await db.rollback()
                raise


async def _record_processed(db: AsyncSession, event: OrderEvent) -> None:
    try:
        db.add(ProcessedMessageRow(message_id=event.event_id, processed_at=utc_now()))
        await db.commit()
    except IntegrityError:
        await db.rollback()

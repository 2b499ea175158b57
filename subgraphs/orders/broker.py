"""Order events and fulfilment jobs on RabbitMQ (aio-pika).

Topology (names start with `ORDERS_BROKER_PREFIX`, default `fedra.orders`):
- `<prefix>.events`: a durable topic exchange; the relay publishes every outbox event to it
  as a persistent message, routing key = the event kind (`order.placed`, ...);
- `<prefix>.fulfilment`: the durable work queue (bound to `order.#`) the workers consume with
  manual acknowledgement and a bounded prefetch;
- `<prefix>.fulfilment.retry`: a failed message waits here for its backoff (per-message
  expiry) and then dead-letters back to the work queue, its attempt counted in a header;
- `<prefix>.fulfilment.dead`: the dead-letter queue: messages that are not order events, name
  unknown orders, or failed `ORDERS_MAX_ATTEMPTS` times;
- one exclusive, server-named queue per orders instance, bound to `order.#`, feeding that
  instance's subscriptions.
Delivery is at least once (a relay may publish an event twice, a message unacknowledged when
a connection drops comes again); the handlers are idempotent, so that changes nothing twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from dataclasses import dataclass

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)

from subgraphs.shared.db import Database

from .dispatch import OutboxPolling, RetryPolicy
from .events import BadEvent, OrderEvent
from .fulfilment import Fulfilment, PoisonMessage
from .hub import OrderEventHub
from .outbox import lease_unpublished, mark_published

logger = logging.getLogger(__name__)

PREFIX_ENV = "ORDERS_BROKER_PREFIX"
DEFAULT_PREFIX = "fedra.orders"
PREFETCH_ENV = "ORDERS_WORKER_PREFETCH"
DEFAULT_PREFETCH = 16
ATTEMPT_HEADER = "x-fedra-attempt"
REASON_HEADER = "x-fedra-dead-reason"
RECONNECT_SECONDS = 1.0
PUBLISH_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class Topology:
    prefix: str = DEFAULT_PREFIX

    @property
    def exchange(self) -> str:
        return f"{self.prefix}.events"

    @property
    def work_queue(self) -> str:
        return f"{self.prefix}.fulfilment"

    @property
    def retry_queue(self) -> str:
        return f"{self.prefix}.fulfilment.retry"

    @property
    def dead_queue(self) -> str:
        return f"{self.prefix}.fulfilment.dead"


def topology_from_env() -> Topology:
    return Topology(os.environ.get(PREFIX_ENV) or DEFAULT_PREFIX)


def prefetch_from_env() -> int:
    prefetch = int(os.environ.get(PREFETCH_ENV) or DEFAULT_PREFETCH)
    if prefetch < 1:
        raise ValueError(f"{PREFETCH_ENV} must be at least 1")
    return prefetch


async def connect(url: str) -> AbstractRobustConnection:
    """A connection that reconnects (and redeclares its queues and consumers) by itself."""
    return await aio_pika.connect_robust(url, reconnect_interval=RECONNECT_SECONDS)


async def declare(
    channel: AbstractChannel, topology: Topology
) -> tuple[AbstractExchange, AbstractQueue]:
    """The events exchange and the fulfilment queues; returns the exchange and work queue."""
    exchange = await channel.declare_exchange(
        topology.exchange, aio_pika.ExchangeType.TOPIC, durable=True
    )
    work = await channel.declare_queue(topology.work_queue, durable=True)
    await work.bind(exchange, routing_key="order.#")
    await channel.declare_queue(
        topology.retry_queue,
        durable=True,
        arguments={
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": topology.work_queue,
        },
    )
    await channel.declare_queue(topology.dead_queue, durable=True)
    return exchange, work


class OutboxRelay:
    """Publishes outbox events to the events exchange with publisher confirms, then marks
    them published. Several relays may run: each leases its batch."""

    def __init__(
        self,
        database: Database,
        url: str,
        topology: Topology,
        *,
        polling: OutboxPolling | None = None,
    ) -> None:
        self._database = database
        self._url = url
        self._topology = topology
        self._polling = polling or OutboxPolling.from_env()
        self._connection: AbstractRobustConnection | None = None
        self._exchange: AbstractExchange | None = None
        self._task: asyncio.Task[None] | None = None
        self.published = 0

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="orders-outbox-relay")

    async def stop(self) -> None:
        await _cancel(self._task)
        self._task = None
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    async def publish_once(self) -> int:
        """Publishes one batch; how many events it published."""
        exchange = await self._ensure_exchange()
        async with self._database.session() as db:
            taken = await lease_unpublished(db, self._polling.batch, self._polling.lease)
        if not taken:
            return 0
        for _row_id, event in taken:
            if isinstance(event, OrderEvent):
                body, key, message_id = event.to_json(), event.kind.value, event.event_id
            else:
                body, key, message_id = event, "order.unreadable", None
            await exchange.publish(
                aio_pika.Message(
                    body,
                    content_type="application/json",
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    message_id=message_id,
                ),
                routing_key=key,
                timeout=PUBLISH_TIMEOUT_SECONDS,
            )
        async with self._database.session() as db:
            await mark_published(db, [row_id for row_id, _event in taken])
        self.published += len(taken)
        return len(taken)

    async def _ensure_exchange(self) -> AbstractExchange:
        if self._exchange is None:
            self._connection = await connect(self._url)
            channel = await self._connection.channel(publisher_confirms=True)
            self._exchange, _work = await declare(channel, self._topology)
        return self._exchange

    async def _run(self) -> None:
        while True:
            try:
                published = await self.publish_once()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                logger.warning("Publishing order events failed (retrying): %s", error)
                published = 0
                await asyncio.sleep(RECONNECT_SECONDS)
            if published == 0:
                await asyncio.sleep(self._polling.interval_ms / 1000)


class FulfilmentConsumer:
    """Consumes the work queue: handles each message, then acknowledges it; a failure goes
    to the retry queue with a doubling backoff, and after the last attempt (or at once, for
    a message that cannot be handled) to the dead-letter queue."""

    def __init__(
        self,
        url: str,
        topology: Topology,
        fulfilment: Fulfilment,
        *,
        retry: RetryPolicy | None = None,
        prefetch: int | None = None,
    ) -> None:
        self._url = url
        self._topology = topology
        self._fulfilment = fulfilment
        self._retry = retry or RetryPolicy.from_env()
        self._prefetch = prefetch or prefetch_from_env()
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractChannel | None = None
        self.handled = 0
        self.dead_lettered = 0

    async def start(self) -> None:
        self._connection = await connect(self._url)
        channel = await self._connection.channel(publisher_confirms=True)
        await channel.set_qos(prefetch_count=self._prefetch)
        _exchange, work = await declare(channel, self._topology)
        self._channel = channel
        await work.consume(self._on_message)

    async def stop(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        attempt = _attempt(message)
        try:
            event = OrderEvent.from_json(message.body)
            await self._fulfilment.handle(event)
        except (BadEvent, PoisonMessage) as error:
            await self._settle(message, dead=str(error))
        except Exception as error:
            if attempt + 1 >= self._retry.max_attempts:
                await self._settle(message, dead=f"{attempt + 1} attempts failed: {error}")
            else:
                await self._settle(message, retry_after_ms=self._retry.delay_ms(attempt + 1))
        else:
            self.handled += 1
            await self._settle(message)

    async def _settle(
        self,
        message: AbstractIncomingMessage,
        *,
        dead: str | None = None,
        retry_after_ms: float | None = None,
    ) -> None:
        """Publishes the retry or dead letter (confirmed) before acknowledging: a crash in
        between delivers the message again, which the idempotent handlers absorb."""
        channel = self._channel
        try:
            if channel is not None and dead is not None:
                logger.error("Dead-lettering an order message: %s", dead)
                await channel.default_exchange.publish(
                    _copy(message, {REASON_HEADER: dead[:500]}),
                    routing_key=self._topology.dead_queue,
                    timeout=PUBLISH_TIMEOUT_SECONDS,
                )
                self.dead_lettered += 1
            elif channel is not None and retry_after_ms is not None:
                copy = _copy(
                    message,
                    {ATTEMPT_HEADER: _attempt(message) + 1},
                    expiration=max(retry_after_ms, 1.0) / 1000,
                )
                await channel.default_exchange.publish(
                    copy, routing_key=self._topology.retry_queue, timeout=PUBLISH_TIMEOUT_SECONDS
                )
            await message.ack()
        except Exception as error:
            # The channel went away (a broker restart): the message is delivered again.
            logger.warning("Could not settle an order message (it will come again): %s", error)


def _attempt(message: AbstractIncomingMessage) -> int:
    value = (message.headers or {}).get(ATTEMPT_HEADER, 0)
    return value if isinstance(value, int) else 0


def _copy(
    message: AbstractIncomingMessage,
    headers: dict[str, str | int],
    *,
    expiration: float | None = None,
) -> aio_pika.Message:
    return aio_pika.Message(
        message.body,
        expiration=expiration,
        headers={**(message.headers or {}), **headers},
        content_type=message.content_type,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        message_id=message.message_id,
    )


class BrokerEventFeed:
    """Feeds this instance's hub from the events exchange through an exclusive queue."""

    def __init__(self, url: str, topology: Topology, hub: OrderEventHub) -> None:
        self._url = url
        self._topology = topology
        self._hub = hub
        self._connection: AbstractRobustConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()  # set once this instance's queue is bound

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="orders-event-feed")

    async def stop(self) -> None:
        await _cancel(self._task)
        self._task = None
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    async def _run(self) -> None:
        while self._connection is None:
            try:
                self._connection = await connect(self._url)
            except Exception as error:
                logger.warning("The broker is unreachable (retrying): %s", error)
                await asyncio.sleep(RECONNECT_SECONDS)
        channel = await self._connection.channel()
        exchange = await channel.declare_exchange(
            self._topology.exchange, aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key="order.#")
        await queue.consume(self._on_message, no_ack=True)
        self.ready.set()

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        try:
            self._hub.publish(OrderEvent.from_json(message.body))
        except BadEvent:
            logger.warning("Ignoring a message on the order events exchange that is no event")


async def _cancel(task: asyncio.Task[None] | None) -> None:
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

"""The broker path on the shared RabbitMQ: relay, workers, retries with backoff, the
dead-letter queue, idempotent redelivery, and subscriptions fed by the events exchange."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from subgraphs.orders.app import create_app as create_orders_app
from subgraphs.orders.broker import ATTEMPT_HEADER, FulfilmentConsumer, Topology
from subgraphs.orders.dispatch import RetryPolicy
from subgraphs.orders.events import EventKind, OrderEvent
from subgraphs.orders.fulfilment import Fulfilment, FulfilmentSettings, SimulatedStep
from subgraphs.orders.models import OrderRow, OutboxRow
from subgraphs.orders.products_client import CallPolicy, ProductsClient
from subgraphs.shared.testing import SubgraphClient, serve_in_process
from subgraphs.shared.testing_tokens import TestKeys

from ..conftest import PRODUCTS_TEST_URL, DatabaseUrls, orders_service_tokens, restored
from ..test_orders import PLACE, placeable_product_ids, stock_levels
from .rabbit import delete_queues, drain, publish_raw

QUICK = FulfilmentSettings(payment=SimulatedStep(), shipping=SimulatedStep())


@dataclass
class BrokerSaga:
    url: str
    topology: Topology
    orders: SubgraphClient
    products: SubgraphClient
    client: ProductsClient

    def consumer(
        self, settings: FulfilmentSettings = QUICK, attempts: int = 4
    ) -> FulfilmentConsumer:
        return FulfilmentConsumer(
            self.url,
            self.topology,
            Fulfilment(self.orders.database, self.client, settings),
            retry=RetryPolicy(max_attempts=attempts, backoff_ms=20),
            prefetch=8,
        )

    async def status(self, order_id: int) -> str:
        async with self.orders.database.session() as db:
            row = await db.get(OrderRow, order_id)
        assert row is not None
        return row.status


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not hold in time")
        await asyncio.sleep(0.05)


@pytest.fixture
async def broker_saga(
    rabbitmq_url: str,
    database_urls: DatabaseUrls,
    products: SubgraphClient,
    keys: TestKeys,
    token_endpoint: FastAPI,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[BrokerSaga]:
    topology = Topology(f"test-{uuid.uuid4().hex[:10]}")
    monkeypatch.setenv("ORDERS_BROKER_PREFIX", topology.prefix)
    monkeypatch.setenv("ORDERS_OUTBOX_POLL_MS", "20")
    transport = httpx.ASGITransport(app=products.app)
    app = create_orders_app(
        await restored(database_urls, "orders"),
        products_url=PRODUCTS_TEST_URL,
        products_transport=transport,
        service_tokens=orders_service_tokens(token_endpoint),
        verifier=keys.verifier(),
        broker_url=rabbitmq_url,
    )
    client = ProductsClient(
        PRODUCTS_TEST_URL,
        tokens=orders_service_tokens(token_endpoint),
        transport=transport,
        policy=CallPolicy(retries=1, backoff_seconds=0.01),
    )
    await client.start()
    try:
        async with serve_in_process(app) as orders:
            yield BrokerSaga(rabbitmq_url, topology, orders, products, client)
    finally:
        await client.aclose()
        await delete_queues(
            rabbitmq_url, [topology.work_queue, topology.retry_queue, topology.dead_queue]
        )


async def place(saga: BrokerSaga, keys: TestKeys, quantity: int = 1) -> int:
    product_id = placeable_product_ids(await stock_levels(saga.products), 1)[0]
    placed = await saga.orders.execute(
        PLACE,
        {"input": {"items": [{"productId": str(product_id), "quantity": quantity}]}},
        headers=keys.user(5),
    )
    return int(placed.ok()["placeOrder"]["id"])


async def test_workers_drive_orders_to_shipped_through_the_broker(
    broker_saga: BrokerSaga, keys: TestKeys
) -> None:
    consumers = [broker_saga.consumer(), broker_saga.consumer()]  # they share the queue
    for consumer in consumers:
        await consumer.start()
    try:
        order_ids = [await place(broker_saga, keys) for _ in range(6)]

        async def all_shipped_and_handled() -> bool:
            # An order is SHIPPED before its order.shipped event reaches a worker.
            handled = sum(consumer.handled for consumer in consumers)
            statuses = [await broker_saga.status(o) for o in order_ids]
            return handled >= 18 and all(s == "SHIPPED" for s in statuses)

        await eventually(all_shipped_and_handled)
    finally:
        for consumer in consumers:
            await consumer.stop()
    assert sum(consumer.handled for consumer in consumers) >= 18  # placed, paid, shipped each
    assert await drain(broker_saga.url, broker_saga.topology.dead_queue) == []


async def test_poisoned_messages_are_dead_lettered_at_once(
    broker_saga: BrokerSaga, keys: TestKeys
) -> None:
    consumer = broker_saga.consumer()
    await consumer.start()
    unknown_order = OrderEvent.from_json(
        b'{"eventId": "e-unknown", "kind": "order.placed", "orderId": 999999, "userId": 5,'
        b' "status": "PLACED", "totalCents": 100, "createdAt": "2026-01-01T00:00:00+00:00",'
        b' "reservationId": "r-unknown"}'
    ).to_json()
    poisoned = [b"not json at all", b'{"kind": "order.placed"}', unknown_order]
    try:
        for body in poisoned:
            await publish_raw(broker_saga.url, broker_saga.topology.exchange, "order.placed", body)

        async def dead_lettered() -> bool:
            return consumer.dead_lettered == len(poisoned)

        await eventually(dead_lettered)
    finally:
        await consumer.stop()
    dead = await drain(broker_saga.url, broker_saga.topology.dead_queue)
    assert sorted(message.body for message in dead) == sorted(poisoned)
    assert all(ATTEMPT_HEADER not in (message.headers or {}) for message in dead)  # no retries


async def test_a_failing_step_is_retried_with_backoff_then_dead_lettered(
    broker_saga: BrokerSaga, keys: TestKeys
) -> None:
    failing = FulfilmentSettings(payment=SimulatedStep(), shipping=SimulatedStep(failure_rate=1))
    consumer = broker_saga.consumer(failing, attempts=3)
    await consumer.start()
    try:
        order_id = await place(broker_saga, keys)

        async def dead_lettered() -> bool:
            return consumer.dead_lettered == 1

        await eventually(dead_lettered)
    finally:
        await consumer.stop()
    assert await broker_saga.status(order_id) == "PAID"
    [dead] = await drain(broker_saga.url, broker_saga.topology.dead_queue)
    event = OrderEvent.from_json(dead.body)
    assert (event.kind, event.order_id) == (EventKind.PAID, order_id)
    assert (dead.headers or {})[ATTEMPT_HEADER] == 2  # the third attempt failed


async def test_a_redelivered_event_changes_nothing_twice(
    broker_saga: BrokerSaga, keys: TestKeys
) -> None:
    held = FulfilmentSettings(payment=SimulatedStep(), shipping=SimulatedStep(latency_ms=60_000))
    consumer = broker_saga.consumer(held)
    await consumer.start()
    try:
        order_id = await place(broker_saga, keys)

        async def paid() -> bool:
            # The order is PAID before the worker counts its order.placed event handled.
            return await broker_saga.status(order_id) == "PAID" and consumer.handled >= 1

        await eventually(paid)
        async with broker_saga.orders.database.session() as db:
            placed_payload = await db.scalar(
                select(OutboxRow.payload).where(
                    OutboxRow.order_id == order_id, OutboxRow.kind == EventKind.PLACED.value
                )
            )
        assert placed_payload is not None
        before = consumer.handled
        for _ in range(3):  # as a relay that died before marking it published would
            await publish_raw(
                broker_saga.url,
                broker_saga.topology.exchange,
                "order.placed",
                placed_payload.encode(),
            )

        async def redelivered() -> bool:
            return consumer.handled >= before + 3

        await eventually(redelivered)
        async with broker_saga.orders.database.session() as db:
            kinds = list(
                await db.scalars(
                    select(OutboxRow.kind)
                    .where(OutboxRow.order_id == order_id)
                    .order_by(OutboxRow.id)
                )
            )
        assert kinds == [EventKind.PLACED.value, EventKind.PAID.value]
        assert await broker_saga.status(order_id) == "PAID"
    finally:
        await consumer.stop()


async def test_subscriptions_are_fed_by_the_events_exchange(
    broker_saga: BrokerSaga, keys: TestKeys
) -> None:
    app = broker_saga.orders.app
    await asyncio.wait_for(app.state.event_feed.ready.wait(), 30)
    consumer = broker_saga.consumer()
    await consumer.start()
    try:
        async with app.state.events.subscribe(lambda event: event.user_id == 5) as events:
            order_id = await place(broker_saga, keys)
            statuses = []
            while statuses[-1:] != ["SHIPPED"]:
                event = await asyncio.wait_for(anext(events), 30)
                assert event.order_id == order_id
                statuses.append(event.status)
    finally:
        await consumer.stop()
    assert statuses == ["PLACED", "PAID", "SHIPPED"]

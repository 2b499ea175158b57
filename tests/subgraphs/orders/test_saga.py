"""placeOrder / cancelOrder as a saga: each side killed or failed at each step, on SQLite
and PostgreSQL, leaves both the order and its stock, or neither.

Faults are injected between the real orders and products apps (`faults.FaultyProducts`), in
the orders database (a failing commit) and by cancelling the request mid-call; a killed orders
process is a reservation nobody stores, confirms or releases, which the reaper must return.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, func, select

from subgraphs.orders.app import create_app as create_orders_app
from subgraphs.orders.events import EventKind, OrderEvent
from subgraphs.orders.fulfilment import Fulfilment, FulfilmentSettings, SimulatedStep
from subgraphs.orders.models import OrderRow, OutboxRow, ProcessedMessageRow
from subgraphs.orders.ordering import RequestedLine, place_order
from subgraphs.orders.products_client import CallPolicy, ProductsClient, StockLine
from subgraphs.products.models import StockReservationRow
from subgraphs.products.reaper import reap_once
from subgraphs.products.stock import TTL_ENV
from subgraphs.shared.request_session import RequestSession
from subgraphs.shared.seed import ORDER_COUNT
from subgraphs.shared.testing import SubgraphClient, serve_in_process
from subgraphs.shared.testing_tokens import TestKeys

from ..conftest import PRODUCTS_TEST_URL, DatabaseUrls, orders_service_tokens, restored
from ..test_orders import CANCEL, PLACE, count_rows, placeable_product_ids, stock_levels
from .faults import Fault, FaultyProducts

QUICK = FulfilmentSettings(payment=SimulatedStep(), shipping=SimulatedStep())


@dataclass
class Saga:
    orders: SubgraphClient
    products: SubgraphClient
    faults: FaultyProducts
    client: ProductsClient  # the orders service's products client, faults included

    def order_input(self, product_id: int, quantity: int) -> dict[str, Any]:
        return {"input": {"items": [{"productId": str(product_id), "quantity": quantity}]}}

    async def reservations(self) -> int:
        return await count_rows(self.products, StockReservationRow)

    async def unreleased(self) -> int:
        async with self.products.database.session() as db:
            count = await db.scalar(
                select(func.count())
                .select_from(StockReservationRow)
                .where(StockReservationRow.released_at.is_(None))
            )
        return int(count or 0)

    async def order(self, order_id: int) -> OrderRow:
        async with self.orders.database.session() as db:
            row = await db.get(OrderRow, order_id)
        assert row is not None
        return row

    async def outbox(self, order_id: int) -> list[str]:
        async with self.orders.database.session() as db:
            kinds = await db.scalars(
                select(OutboxRow.kind).where(OutboxRow.order_id == order_id).order_by(OutboxRow.id)
            )
        return list(kinds)

    def fulfilment(self, settings: FulfilmentSettings = QUICK) -> Fulfilment:
        return Fulfilment(self.orders.database, self.client, settings)


@pytest.fixture
async def saga(
    database_urls: DatabaseUrls, products: SubgraphClient, keys: TestKeys, token_endpoint: FastAPI
) -> AsyncIterator[Saga]:
    faults = FaultyProducts(httpx.ASGITransport(app=products.app))
    policy = CallPolicy(timeout_seconds=5, retries=2, backoff_seconds=0.01)
    app = create_orders_app(
        await restored(database_urls, "orders"),
        products_url=PRODUCTS_TEST_URL,
        products_transport=faults,
        service_tokens=orders_service_tokens(token_endpoint),
        verifier=keys.verifier(),
        broker_url="",
        run_handlers=False,
    )
    client = ProductsClient(
        PRODUCTS_TEST_URL,
        tokens=orders_service_tokens(token_endpoint),
        transport=faults,
        policy=policy,
    )
    await client.start()
    try:
        async with serve_in_process(app) as orders:
            yield Saga(orders, products, faults, client)
    finally:
        for task in faults.late:
            task.cancel()
        await asyncio.gather(*faults.late, return_exceptions=True)
        await client.aclose()


async def test_a_lost_reservation_answer_is_retried_under_the_same_key(
    saga: Saga, keys: TestKeys
) -> None:
    levels = await stock_levels(saga.products)
    product_id = placeable_product_ids(levels, 1)[0]
    reservations = await saga.reservations()
    saga.faults.inject("reserveStock", Fault(lose_answer=True))
    placed = await saga.orders.execute(PLACE, saga.order_input(product_id, 2), headers=keys.user(5))
    assert placed.ok()["placeOrder"]["status"] == "PLACED"
    assert saga.faults.calls["reserveStock"] == 2  # the retry
    assert (await stock_levels(saga.products))[product_id] == levels[product_id] - 2
    assert await saga.reservations() == reservations + 1
    order_id = int(placed.ok()["placeOrder"]["id"])
    assert await saga.outbox(order_id) == [EventKind.PLACED.value]
    # Confirmed after the orders commit: the reaper leaves it alone.
    async with saga.products.database.session() as db:
        reservation = await db.get(StockReservationRow, (await saga.order(order_id)).reservation_id)
    assert reservation is not None and reservation.confirmed_at is not None


async def test_every_answer_lost_releases_the_stock(saga: Saga, keys: TestKeys) -> None:
    levels = await stock_levels(saga.products)
    product_id = placeable_product_ids(levels, 1)[0]
    saga.faults.inject("reserveStock", Fault(times=3, lose_answer=True))
    placed = await saga.orders.execute(PLACE, saga.order_input(product_id, 2), headers=keys.user(5))
    assert placed.error_codes == ["UPSTREAM_ERROR"]
    assert await stock_levels(saga.products) == levels
    assert await count_rows(saga.orders, OrderRow) == ORDER_COUNT
    assert saga.faults.calls["releaseStock"] == 1


async def test_a_reservation_arriving_after_its_release_takes_nothing(
    saga: Saga, keys: TestKeys
) -> None:
    """A timeout: products gets the reservation only after orders gave up and released."""
    levels = await stock_levels(saga.products)
    product_id = placeable_product_ids(levels, 1)[0]
    saga.faults.inject("reserveStock", Fault(times=3, delay_seconds=0.3))
    placed = await saga.orders.execute(PLACE, saga.order_input(product_id, 2), headers=keys.user(5))
    assert placed.error_codes == ["UPSTREAM_ERROR"]
    answers = await asyncio.gather(*saga.faults.late)
    for answer in answers:
        [error] = answer.json()["errors"]
        assert error["extensions"]["code"] == "RESERVATION_RELEASED"
    assert await stock_levels(saga.products) == levels
    assert await count_rows(saga.orders, OrderRow) == ORDER_COUNT


async def test_a_request_cancelled_mid_call_releases_its_reservation(
    saga: Saga, keys: TestKeys
) -> None:
    levels = await stock_levels(saga.products)
    product_id = placeable_product_ids(levels, 1)[0]
    hold = asyncio.Event()
    saga.faults.inject("reserveStock", Fault(hold=hold))
    session = RequestSession(saga.orders.database.session())
    try:
        placing = asyncio.create_task(
            place_order(session, saga.client, 5, [RequestedLine(str(product_id), 3)])
        )
        await saga.faults.reached_event("reserveStock").wait()
        assert (await stock_levels(saga.products))[product_id] == levels[product_id] - 3
        placing.cancel()
        with pytest.raises(asyncio.CancelledError):
            await placing
    finally:
        await session.close()
    assert await stock_levels(saga.products) == levels
    assert await count_rows(saga.orders, OrderRow) == ORDER_COUNT
    assert saga.faults.calls["releaseStock"] == 1


async def test_a_failed_cancel_commit_keeps_the_order_and_its_stock(
    saga: Saga, keys: TestKeys
) -> None:
    levels = await stock_levels(saga.products)
    product_id = placeable_product_ids(levels, 1)[0]
    placed = await saga.orders.execute(PLACE, saga.order_input(product_id, 2), headers=keys.user(9))
    order_id = int(placed.ok()["placeOrder"]["id"])
    taken = await stock_levels(saga.products)

    def fail_commit(_connection: Any) -> None:
        raise RuntimeError("injected: the orders commit failed")

    engine = saga.orders.database.engine.sync_engine
    event.listen(engine, "commit", fail_commit)
    try:
        failed = await saga.orders.execute(CANCEL, {"id": str(order_id)}, headers=keys.user(9))
    finally:
        event.remove(engine, "commit", fail_commit)
    assert [(e["message"], e["path"]) for e in failed.errors] == [
        ("Unexpected error.", ["cancelOrder"])
    ]
    assert (await saga.order(order_id)).status == "PLACED"
    assert await stock_levels(saga.products) == taken
    assert "releaseStock" not in saga.faults.calls
    cancelled = await saga.orders.execute(CANCEL, {"id": str(order_id)}, headers=keys.user(9))
    assert cancelled.ok()["cancelOrder"]["status"] == "CANCELLED"
    assert await stock_levels(saga.products) == levels


async def test_a_lost_release_after_cancel_is_done_by_the_event_handler(
    saga: Saga, keys: TestKeys
) -> None:
    levels = await stock_levels(saga.products)
    product_id = placeable_product_ids(levels, 1)[0]
    placed = await saga.orders.execute(PLACE, saga.order_input(product_id, 2), headers=keys.user(9))
    order_id = int(placed.ok()["placeOrder"]["id"])
    saga.faults.inject("releaseStock", Fault(times=3, refuse=True))
    cancelled = await saga.orders.execute(CANCEL, {"id": str(order_id)}, headers=keys.user(9))
    assert cancelled.ok()["cancelOrder"]["status"] == "CANCELLED"
    assert (await stock_levels(saga.products))[product_id] == levels[product_id] - 2
    assert await saga.outbox(order_id) == [EventKind.PLACED.value, EventKind.CANCELLED.value]
    await handle_outbox(saga, order_id, saga.fulfilment())
    assert await stock_levels(saga.products) == levels


async def handle_outbox(saga: Saga, order_id: int, fulfilment: Fulfilment) -> list[OrderEvent]:
    async with saga.orders.database.session() as db:
        payloads = await db.scalars(
            select(OutboxRow.payload).where(OutboxRow.order_id == order_id).order_by(OutboxRow.id)
        )
        events = [OrderEvent.from_json(payload) for payload in payloads]
    for order_event in events:
        await fulfilment.handle(order_event)
    return events


async def test_an_orders_process_killed_after_reserving_leaks_nothing_past_the_ttl(
    saga: Saga, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reserved, then the orders process died: nobody stores, confirms or releases it."""
    monkeypatch.setenv(TTL_ENV, "0.2")
    levels = await stock_levels(saga.products)
    product_id = placeable_product_ids(levels, 1)[0]
    await saga.client.reserve([StockLine(product_id, 4)], "killed-after-reserve")
    assert (await stock_levels(saga.products))[product_id] == levels[product_id] - 4
    assert await reap_once(saga.products.database) == 0  # not expired yet
    await asyncio.sleep(0.3)
    assert await reap_once(saga.products.database) == 1
    assert await stock_levels(saga.products) == levels
    assert await reap_once(saga.products.database) == 0
    # The key is spent: a late retry of the dead process takes nothing.
    with pytest.raises(Exception, match="released"):
        await saga.client.reserve([StockLine(product_id, 4)], "killed-after-reserve")
    assert await stock_levels(saga.products) == levels


async def test_killed_after_the_orders_commit_the_payment_handler_confirms(
    saga: Saga, keys: TestKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TTL_ENV, "0.5")
    levels = await stock_levels(saga.products)
    product_id = placeable_product_ids(levels, 1)[0]
    saga.faults.inject("confirmStock", Fault(times=3, refuse=True))
    placed = await saga.orders.execute(PLACE, saga.order_input(product_id, 1), headers=keys.user(5))
    order_id = int(placed.ok()["placeOrder"]["id"])
    await handle_outbox(saga, order_id, saga.fulfilment())
    assert (await saga.order(order_id)).status == "PAID"
    await asyncio.sleep(0.6)
    assert await reap_once(saga.products.database) == 0  # confirmed: it does not expire
    await handle_outbox(saga, order_id, saga.fulfilment())
    assert (await saga.order(order_id)).status == "SHIPPED"
    assert (await stock_levels(saga.products))[product_id] == levels[product_id] - 1


async def test_an_order_whose_reservation_expired_is_cancelled_not_paid(
    saga: Saga, keys: TestKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TTL_ENV, "0.2")
    levels = await stock_levels(saga.products)
    product_id = placeable_product_ids(levels, 1)[0]
    saga.faults.inject("confirmStock", Fault(times=3, refuse=True))
    placed = await saga.orders.execute(PLACE, saga.order_input(product_id, 1), headers=keys.user(5))
    order_id = int(placed.ok()["placeOrder"]["id"])
    await asyncio.sleep(0.3)
    assert await reap_once(saga.products.database) == 1
    assert await stock_levels(saga.products) == levels
    await handle_outbox(saga, order_id, saga.fulfilment())
    assert (await saga.order(order_id)).status == "CANCELLED"
    await handle_outbox(saga, order_id, saga.fulfilment())  # the cancellation's release: a no-op
    assert await stock_levels(saga.products) == levels


async def test_a_declined_payment_cancels_and_returns_the_stock(saga: Saga, keys: TestKeys) -> None:
    levels = await stock_levels(saga.products)
    product_id = placeable_product_ids(levels, 1)[0]
    placed = await saga.orders.execute(PLACE, saga.order_input(product_id, 2), headers=keys.user(5))
    order_id = int(placed.ok()["placeOrder"]["id"])
    declining = saga.fulfilment(FulfilmentSettings(payment=SimulatedStep(failure_rate=1.0)))
    await handle_outbox(saga, order_id, declining)
    assert (await saga.order(order_id)).status == "CANCELLED"
    await handle_outbox(saga, order_id, declining)
    assert await stock_levels(saga.products) == levels
    assert await saga.outbox(order_id) == [EventKind.PLACED.value, EventKind.CANCELLED.value]


async def test_a_redelivered_message_changes_nothing_twice(saga: Saga, keys: TestKeys) -> None:
    levels = await stock_levels(saga.products)
    product_id = placeable_product_ids(levels, 1)[0]
    placed = await saga.orders.execute(PLACE, saga.order_input(product_id, 1), headers=keys.user(5))
    order_id = int(placed.ok()["placeOrder"]["id"])
    fulfilment = saga.fulfilment()
    [placed_event] = await handle_outbox(saga, order_id, fulfilment)
    for _ in range(3):  # redelivered, also concurrently
        await asyncio.gather(*(fulfilment.handle(placed_event) for _ in range(3)))
    assert await saga.outbox(order_id) == [EventKind.PLACED.value, EventKind.PAID.value]
    events = await handle_outbox(saga, order_id, fulfilment)
    await asyncio.gather(*(fulfilment.handle(events[1]) for _ in range(4)))
    assert await saga.outbox(order_id) == [
        EventKind.PLACED.value,
        EventKind.PAID.value,
        EventKind.SHIPPED.value,
    ]
    assert (await saga.order(order_id)).status == "SHIPPED"
    assert await count_rows(saga.orders, ProcessedMessageRow) == 2
    assert (await stock_levels(saga.products))[product_id] == levels[product_id] - 1


def test_ttl_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    from subgraphs.products.stock import reservation_ttl_from_env

    monkeypatch.setenv(TTL_ENV, "42")
    assert reservation_ttl_from_env() == timedelta(seconds=42)
    monkeypatch.setenv(TTL_ENV, "0")
    with pytest.raises(ValueError):
        reservation_ttl_from_env()

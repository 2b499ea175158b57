"""200 orders placed concurrently while two worker processes (`python -m
subgraphs.orders.worker`) run on a RabbitMQ node of the test's own, restarted midway, with
poisoned messages injected before and after the restart.

Afterwards: every order is in a terminal state, no event was acted on twice (each order's
outbox holds each transition once), no stock was lost or created (what left the shelves is
exactly what shipped), and the dead-letter queue holds exactly the poisoned messages.
"""

from __future__ import annotations

import asyncio
import collections
import os
import random
import signal
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from subgraphs.orders.app import create_app as create_orders_app
from subgraphs.orders.broker import Topology
from subgraphs.orders.models import OrderItemRow, OrderRow, OutboxRow
from subgraphs.orders.service_token import ClientCredentialsTokenSource
from subgraphs.products.app import create_app as create_products_app
from subgraphs.products.models import StockReservationRow
from subgraphs.shared.seed import ORDER_COUNT
from subgraphs.shared.testing import SubgraphClient, serve_in_process
from subgraphs.shared.testing_tokens import ORDERS_SERVICE_SCOPE, ServiceClient, TestKeys

from ..conftest import DatabaseUrls, copy_sqlite
from ..test_orders import PLACE, stock_levels
from .rabbit import RabbitNode, declare_topology, drain, publish_raw
from .ws import served

ORDERS = 200
CONCURRENCY = 8
SECRET = "chaos-orders-secret"
TERMINAL = {"SHIPPED", "CANCELLED"}
HISTORIES = {
    ("order.placed", "order.paid", "order.shipped"),
    ("order.placed", "order.cancelled"),
    ("order.placed", "order.paid", "order.cancelled"),
}
SETTLE_SECONDS = 300.0


def worker_env(
    broker_url: str, database_url: str, products: str, tokens: str, prefix: str
) -> dict[str, str]:
    return {
        **os.environ,
        "BROKER_URL": broker_url,
        "DATABASE_URL": database_url,
        "PRODUCTS_URL": f"http://{products}/graphql",
        "USERS_TOKEN_URL": f"http://{tokens}/token",
        "FEDRA_SERVICE_SECRET_ORDERS": SECRET,
        "ORDERS_BROKER_PREFIX": prefix,
        "ORDERS_PAYMENT_LATENCY_MS": "20",
        "ORDERS_PAYMENT_FAILURE_RATE": "0.2",
        "ORDERS_SHIPPING_LATENCY_MS": "20",
        "ORDERS_SHIPPING_FAILURE_RATE": "0.2",
        "ORDERS_MAX_ATTEMPTS": "12",
        "ORDERS_RETRY_BACKOFF_MS": "50",
        "ORDERS_OUTBOX_POLL_MS": "50",
    }


@pytest.mark.timeout(900)
async def test_200_orders_through_a_broker_restart(
    tmp_path: Path,
    sqlite_template: DatabaseUrls,
    keys: TestKeys,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    node = RabbitNode()
    prefix = f"chaos-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("ORDERS_BROKER_PREFIX", prefix)
    monkeypatch.setenv("ORDERS_OUTBOX_POLL_MS", "50")
    urls = copy_sqlite(sqlite_template, tmp_path)
    token_app = keys.token_endpoint({"orders": ServiceClient(SECRET, ORDERS_SERVICE_SCOPE)})
    products_app = create_products_app(urls.products, verifier=keys.verifier())
    workers: list[asyncio.subprocess.Process] = []
    try:
        await node.start()
        await declare_topology(node.url, Topology(prefix))
        async with (
            served(token_app) as tokens,
            served(products_app) as products_address,
            serve_in_process(create_products_app(urls.products)) as products,
        ):
            orders_app = create_orders_app(
                urls.orders,
                products_url=f"http://{products_address}/graphql",
                service_tokens=ClientCredentialsTokenSource(
                    f"http://{tokens}/token", secret=lambda: SECRET
                ),
                verifier=keys.verifier(),
                broker_url=node.url,
            )
            env = worker_env(node.url, urls.orders, products_address, tokens, prefix)
            for _ in range(2):
                workers.append(
                    await asyncio.create_subprocess_exec(
                        sys.executable, "-m", "subgraphs.orders.worker", env=env
                    )
                )
            async with serve_in_process(orders_app) as orders:
                await run_chaos(orders, products, node, prefix, workers, keys)
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                await asyncio.wait_for(worker.wait(), 30)
            except TimeoutError:
                worker.kill()
                await worker.wait()
        await node.stop()
        node.remove()
    assert [worker.returncode for worker in workers] == [0, 0]


async def run_chaos(
    orders: SubgraphClient,
    products: SubgraphClient,
    node: RabbitNode,
    prefix: str,
    workers: list[asyncio.subprocess.Process],
    keys: TestKeys,
) -> None:
    before = await stock_levels(products)
    stocked = [pid for pid, stock in sorted(before.items()) if stock >= 50][:20]
    assert len(stocked) == 20
    rng = random.Random(11)
    plan = [(rng.choice(stocked), rng.randint(1, 2), 1 + i % 50) for i in range(ORDERS)]
    poisoned = [f"poison-{n}".encode() for n in range(4)]
    exchange = f"{prefix}.events"
    placed: list[int] = []
    failed: list[int] = []
    gate = asyncio.Semaphore(CONCURRENCY)
    halfway = asyncio.Event()

    async def place(product_id: int, quantity: int, user_id: int) -> None:
        async with gate:
            result = await orders.execute(
                PLACE,
                {"input": {"items": [{"productId": str(product_id), "quantity": quantity}]}},
                headers=keys.user(user_id),
            )
        if result.errors:
            # A reservation slower than the client's patience: released, nothing taken.
            assert result.error_codes == ["UPSTREAM_ERROR"], result.errors
            failed.append(product_id)
        else:
            placed.append(int(result.ok()["placeOrder"]["id"]))
        if len(placed) + len(failed) >= ORDERS // 2:
            halfway.set()

    placing = asyncio.gather(*(place(*order) for order in plan))
    await publish_raw(node.url, exchange, "order.placed", poisoned[0])
    await publish_raw(node.url, exchange, "order.paid", poisoned[1])
    await halfway.wait()
    await node.stop()  # the broker goes away midway; placing carries on into the outbox
    await asyncio.sleep(1)
    await node.start()
    await placing
    assert len(placed) >= ORDERS * 3 // 4, f"{len(failed)} of {ORDERS} orders failed"
    await publish_raw(node.url, exchange, "order.placed", poisoned[2])
    await publish_raw(node.url, exchange, "order.cancelled", poisoned[3])

    started = time.monotonic()
    deadline = started + SETTLE_SECONDS
    while True:
        statuses = await order_statuses(orders, placed)
        if all(status in TERMINAL for status in statuses.values()):
            break
        assert all(worker.returncode is None for worker in workers), "a worker died"
        assert time.monotonic() < deadline, collections.Counter(statuses.values())
        await asyncio.sleep(0.5)

    # No message acted on twice: each order's outbox holds each of its transitions once.
    histories = await outbox_histories(orders, placed)
    assert {tuple(history) for history in histories.values()} <= HISTORIES
    assert set(statuses.values()) == TERMINAL  # both outcomes happened
    # No stock lost or created: what left the shelves is what shipped.
    shipped = await shipped_quantities(orders, [o for o, s in statuses.items() if s == "SHIPPED"])
    after = await stock_levels(products)
    for product_id in before:
        assert before[product_id] - after[product_id] == shipped.get(product_id, 0), product_id
    await reservations_match(orders, products, statuses)
    # The dead-letter queue holds exactly the poisoned messages.
    await asyncio.sleep(1)
    dead = await drain(node.url, f"{prefix}.fulfilment.dead")
    assert sorted(message.body for message in dead) == sorted(poisoned)
    print(  # the figures of the run, shown with -s
        f"placed {len(placed)}, refused {len(failed)},",
        dict(collections.Counter(statuses.values())),
        f"settled {time.monotonic() - started:.1f}s after the last placement",
    )


async def order_statuses(orders: SubgraphClient, ids: list[int]) -> dict[int, str]:
    async with orders.database.session() as db:
        rows = await db.execute(
            select(OrderRow.id, OrderRow.status).where(OrderRow.id > ORDER_COUNT)
        )
        found = {order_id: status for order_id, status in rows.all()}
    assert sorted(found) == sorted(ids)
    return found


async def outbox_histories(orders: SubgraphClient, ids: list[int]) -> dict[int, list[str]]:
    histories: dict[int, list[str]] = {order_id: [] for order_id in ids}
    async with orders.database.session() as db:
        rows = await db.execute(select(OutboxRow.order_id, OutboxRow.kind).order_by(OutboxRow.id))
        for order_id, kind in rows.all():
            if order_id in histories:
                histories[order_id].append(kind)
    return histories


async def shipped_quantities(orders: SubgraphClient, ids: list[int]) -> dict[int, int]:
    totals: dict[int, int] = collections.defaultdict(int)
    async with orders.database.session() as db:
        rows = await db.execute(
            select(OrderItemRow.product_id, OrderItemRow.quantity).where(
                OrderItemRow.order_id.in_(ids)
            )
        )
        for product_id, quantity in rows.all():
            totals[product_id] += quantity
    return totals


async def reservations_match(
    orders: SubgraphClient, products: SubgraphClient, statuses: dict[int, str]
) -> None:
    """Shipped orders hold confirmed reservations; cancelled ones released theirs."""
    async with orders.database.session() as db:
        keys = dict(
            (
                await db.execute(
                    select(OrderRow.id, OrderRow.reservation_id).where(
                        OrderRow.id.in_(list(statuses))
                    )
                )
            ).all()
        )
    async with products.database.session() as db:
        rows = await db.scalars(
            select(StockReservationRow).where(StockReservationRow.id.in_(list(keys.values())))
        )
        reservations = {row.id: row for row in rows}
    for order_id, status in statuses.items():
        reservation = reservations[keys[order_id]]
        if status == "SHIPPED":
            assert reservation.released_at is None and reservation.confirmed_at is not None
        else:
            assert reservation.released_at is not None

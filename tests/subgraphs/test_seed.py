"""The shared seed generator: deterministic, sized as promised, ids lining up."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any, Protocol

import pytest
from sqlalchemy import func, select, update

from subgraphs.orders.app import create_app as create_orders_app
from subgraphs.orders.models import OrderRow
from subgraphs.products.app import create_app as create_products_app
from subgraphs.products.models import StockReservationRow
from subgraphs.shared import seed as seed_module
from subgraphs.shared.seed import (
    ADMIN_EMAIL,
    ADMIN_USER_ID,
    ORDER_COUNT,
    PRODUCT_COUNT,
    USER_COUNT,
    seed_data,
    seed_reservation_id,
)
from subgraphs.shared.testing import SubgraphClient, serve_in_process
from subgraphs.shared.timestamps import as_utc
from subgraphs.users.app import create_app as create_users_app
from subgraphs.users.models import UserRow


class DatabaseUrlsLike(Protocol):
    users: str
    products: str
    orders: str


def test_seed_is_deterministic() -> None:
    seed_module.seed_data.cache_clear()
    first = seed_data()
    seed_module.seed_data.cache_clear()
    assert seed_data() == first


def test_seed_sizes() -> None:
    data = seed_data()
    assert (len(data.users), len(data.products), len(data.orders)) == (
        USER_COUNT + 1,  # the customers and one admin
        PRODUCT_COUNT,
        ORDER_COUNT,
    )
    assert USER_COUNT >= 100 and PRODUCT_COUNT >= 100 and ORDER_COUNT >= 1000


def test_seed_ids_line_up_across_subgraphs() -> None:
    data = seed_data()
    user_ids = {user.id for user in data.users}
    products = {product.id: product for product in data.products}
    assert user_ids == set(range(1, USER_COUNT + 2))
    assert len({user.email for user in data.users}) == USER_COUNT + 1
    assert [(u.id, u.email) for u in data.users if u.is_admin] == [(ADMIN_USER_ID, ADMIN_EMAIL)]
    assert len({product.sku for product in data.products}) == PRODUCT_COUNT
    orders_per_user = Counter(order.user_id for order in data.orders)
    for user in data.users:
        assert user.order_count == orders_per_user[user.id]
    sold: Counter[int] = Counter()
    for order in data.orders:
        assert order.user_id in user_ids
        assert order.items
        assert order.total_cents == sum(i.quantity * i.unit_price_cents for i in order.items)
        for item in order.items:
            assert item.product_name == products[item.product_id].name
            if order.status != "CANCELLED":
                sold[item.product_id] += item.quantity
    for product in data.products:
        assert product.units_sold == sold[product.id]


def test_seed_has_every_status_and_some_price_changes() -> None:
    data = seed_data()
    assert {order.status for order in data.orders} == {
        "PLACED",
        "SHIPPED",
        "DELIVERED",
        "CANCELLED",
    }
    products = {product.id: product for product in data.products}
    changed = [
        item
        for order in data.orders
        for item in order.items
        if item.unit_price_cents != products[item.product_id].price_cents
    ]
    assert changed


MARKER = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
STARTS: dict[str, tuple[Any, Any, int, object]] = {
    "users": (create_users_app, UserRow, USER_COUNT + 1, 1),
    "products": (create_products_app, StockReservationRow, ORDER_COUNT, seed_reservation_id(1)),
    "orders": (create_orders_app, OrderRow, ORDER_COUNT, 1),
}


async def count_rows(client: SubgraphClient, model: Any) -> int:
    async with client.database.session() as db:
        return int((await db.execute(select(func.count()).select_from(model))).scalar_one())


@pytest.mark.parametrize("subgraph", sorted(STARTS))
async def test_a_fresh_start_seeds_quickly_and_a_restart_keeps_the_data(
    subgraph: str, empty_database_urls: DatabaseUrlsLike
) -> None:
    create_app, model, expected, first_id = STARTS[subgraph]
    url = getattr(empty_database_urls, subgraph)
    started = time.perf_counter()
    async with serve_in_process(create_app(url)) as client:
        elapsed = time.perf_counter() - started
        assert await count_rows(client, model) == expected
        await client.execute("{ _service { sdl } }")
        async with client.database.session() as db:
            await db.execute(update(model).where(model.id == first_id).values(created_at=MARKER))
            await db.commit()
    assert elapsed < 2.0, f"{subgraph} took {elapsed:.2f}s to start"
    async with serve_in_process(create_app(url)) as client:
        assert await count_rows(client, model) == expected
        async with client.database.session() as db:
            marked = await db.scalar(select(model.created_at).where(model.id == first_id))
        assert marked is not None
        assert as_utc(marked) == MARKER

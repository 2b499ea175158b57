"""No N+1: an `_entities` batch or a list of parents costs one SQL query per entity/relation."""

from __future__ import annotations

from typing import Any

import pytest

from subgraphs.shared.seed import ADMIN_USER_ID
from subgraphs.shared.sql_counter import SqlStatementCounter
from subgraphs.shared.testing import SubgraphClient

from .auth import TokenFactory

BATCH_SIZES = [1, 10, 500]
USER_TABLES = ("users",)
PRODUCT_TABLES = ("products", "stock_reservations", "stock_reservation_lines")
ORDER_TABLES = ("orders", "order_items")


def selects_by_table(counter: SqlStatementCounter, tables: tuple[str, ...]) -> dict[str, int]:
    return {table: len(counter.selects(table)) for table in tables}


def representations(typename: str, key: str, values: list[str]) -> list[dict[str, str]]:
    return [{"__typename": typename, key: value} for value in values]


async def entities(
    client: SubgraphClient,
    selection: str,
    reps: list[dict[str, str]],
    headers: dict[str, str] | None = None,
) -> tuple[list[Any], SqlStatementCounter]:
    query = f"""
    query($representations: [_Any!]!) {{
      _entities(representations: $representations) {{ {selection} }}
    }}
    """
    with client.count_sql() as counter:
        result = await client.execute(query, {"representations": reps}, headers=headers)
    found = result.ok()["_entities"]
    assert isinstance(found, list)
    assert len(found) == len(reps)
    return found, counter


@pytest.mark.parametrize("size", BATCH_SIZES)
async def test_user_entities_cost_one_select(users: SubgraphClient, size: int) -> None:
    found, counter = await entities(
        users,
        "... on User { id name }",
        representations("User", "id", [str(i) for i in range(1, size + 1)]),
    )
    assert sum(1 for user in found if user is not None) == min(size, 301)  # admin included
    assert selects_by_table(counter, USER_TABLES) == {"users": 1}
    assert len(counter.statements) == 1


@pytest.mark.parametrize("size", BATCH_SIZES)
@pytest.mark.parametrize("key", ["id", "sku"])
async def test_product_entities_cost_one_select_per_key(
    products: SubgraphClient, size: int, key: str
) -> None:
    values = [str(i) if key == "id" else f"FED-{i:05d}" for i in range(1, size + 1)]
    found, counter = await entities(
        products,
        "... on Product { id sku price { amount } }",
        representations("Product", key, values),
    )
    assert sum(1 for product in found if product is not None) == min(size, 200)
    assert selects_by_table(counter, PRODUCT_TABLES)["products"] == 1
    assert len(counter.statements) == 1


async def test_mixed_product_keys_cost_one_select_per_key(products: SubgraphClient) -> None:
    reps = representations("Product", "id", [str(i) for i in range(1, 51)]) + representations(
        "Product", "sku", [f"FED-{i:05d}" for i in range(51, 101)]
    )
    found, counter = await entities(products, "... on Product { id }", reps)
    assert [product["id"] for product in found] == [str(i) for i in range(1, 101)]
    assert len(counter.selects("products")) == 2
    assert len(counter.statements) == 2


@pytest.mark.parametrize("size", BATCH_SIZES)
async def test_order_entities_with_items_cost_one_select_each(
    orders: SubgraphClient, admin: dict[str, str], size: int
) -> None:
    found, counter = await entities(
        orders,
        "... on Order { id items { quantity product { id name } } }",
        representations("Order", "id", [str(i) for i in range(1, size + 1)]),
        admin,
    )
    assert all(order is not None for order in found)
    assert selects_by_table(counter, ORDER_TABLES) == {"orders": 1, "order_items": 1}
    assert len(counter.statements) == 2


@pytest.mark.parametrize("size", BATCH_SIZES)
async def test_user_orders_relation_costs_one_select(
    orders: SubgraphClient, admin: dict[str, str], size: int
) -> None:
    found, counter = await entities(
        orders,
        "... on User { id orders(first: 3) { id items { quantity } } }",
        representations("User", "id", [str(i) for i in range(1, size + 1)]),
        admin,
    )
    assert sum(len(user["orders"]) for user in found) > 0
    assert selects_by_table(counter, ORDER_TABLES) == {"orders": 1, "order_items": 1}
    assert len(counter.statements) == 2


async def test_order_count_relation_costs_one_select(orders: SubgraphClient) -> None:
    found, counter = await entities(
        orders,
        "... on User { orderCount }",
        representations("User", "id", [str(i) for i in range(1, 301)]),
    )
    assert sum(user["orderCount"] for user in found) == 3000
    assert len(counter.statements) == 1


async def test_different_page_sizes_share_nothing_but_stay_batched(
    orders: SubgraphClient, admin: dict[str, str]
) -> None:
    query = """
    query($representations: [_Any!]!) {
      _entities(representations: $representations) {
        ... on User { a: orders(first: 1) { id } b: orders(first: 5) { id } }
      }
    }
    """
    reps = representations("User", "id", [str(i) for i in range(1, 51)])
    with orders.count_sql() as counter:
        result = await orders.execute(query, {"representations": reps}, headers=admin)
    for user in result.ok()["_entities"]:
        assert user["a"] == user["b"][:1]
    assert len(counter.selects("orders")) == 2


async def test_connections_cost_one_select(
    users: SubgraphClient, products: SubgraphClient, tokens: TokenFactory
) -> None:
    admin = tokens.user(ADMIN_USER_ID, admin=True)  # reads every email, decrypted
    with users.count_sql() as counter:
        query = "{ users(first: 100) { edges { node { id email } } } }"
        (await users.execute(query, headers=admin)).ok()
    assert len(counter.statements) == 1
    with products.count_sql() as counter:
        result = await products.execute(
            "{ products(first: 100) { edges { node { id price { amount } } } } "
            "topProducts(first: 10) { id } }"
        )
        result.ok()
    assert len(counter.selects("products")) == 2
    assert len(counter.statements) == 2

"""The orders subgraph: orders, the User and Product extensions, placeOrder, cancelOrder."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text

from subgraphs.orders.app import create_app as create_orders_app
from subgraphs.orders.models import OrderItemRow, OrderRow
from subgraphs.orders.shipping import shipping_estimate_cents
from subgraphs.products.models import ProductRow, StockReservationRow
from subgraphs.shared.seed import ORDER_COUNT, seed_data
from subgraphs.shared.testing import SubgraphClient, serve_in_process
from subgraphs.shared.testing_tokens import TestKeys

from .conftest import orders_service_tokens

PRODUCTS_TEST_URL = "http://products.test/graphql"
ADMIN_ID = 100_000  # an admin who owns none of the orders

PLACE = """
mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    id status total { amount currency } user { id }
    items { product { id name } quantity unitPrice { amount currency } lineTotal { amount } }
  }
}
"""
CANCEL = "mutation($id: ID!) { cancelOrder(id: $id) { id status } }"


def cents(amount: str) -> int:
    whole, _, fraction = amount.partition(".")
    return int(whole) * 100 + int(fraction.ljust(2, "0"))


async def stock_levels(products: SubgraphClient) -> dict[int, int]:
    async with products.database.session() as db:
        rows = (await db.execute(select(ProductRow.id, ProductRow.stock))).all()
    return {product_id: stock for product_id, stock in rows}


async def count_rows(client: SubgraphClient, model: Any) -> int:
    async with client.database.session() as db:
        return int((await db.execute(select(func.count()).select_from(model))).scalar_one())


async def snapshot(orders: SubgraphClient, products: SubgraphClient) -> tuple[Any, ...]:
    """Everything a failed order must leave untouched."""
    return (
        await stock_levels(products),
        await count_rows(products, StockReservationRow),
        await count_rows(orders, OrderRow),
        await count_rows(orders, OrderItemRow),
    )


def placeable_product_ids(levels: dict[int, int], count: int) -> list[int]:
    return [pid for pid, stock in sorted(levels.items()) if stock >= 5][:count]


async def test_order_by_id(orders: SubgraphClient, keys: TestKeys) -> None:
    seeded = seed_data().orders[0]
    owner = keys.user(seeded.user_id)
    result = await orders.execute(
        """{ order(id: "1") {
             id status createdAt total { amount currency } user { id }
             items { product { id name } quantity unitPrice { amount } }
        } }""",
        headers=owner,
    )
    order = result.ok()["order"]
    assert order["id"] == "1"
    assert order["status"] == seeded.status
    assert order["createdAt"] == seeded.created_at.isoformat()
    assert order["user"] == {"id": str(seeded.user_id)}
    assert cents(order["total"]["amount"]) == seeded.total_cents
    assert [item["product"] for item in order["items"]] == [
        {"id": str(item.product_id), "name": item.product_name} for item in seeded.items
    ]
    unknown = await orders.execute('{ order(id: "999999") { id } }', headers=owner)
    assert unknown.ok() == {"order": None}
    malformed = await orders.execute('{ order(id: "x") { id } }', headers=owner)
    assert malformed.error_codes == ["BAD_USER_INPUT"]


async def test_entities_orders_users_and_products(orders: SubgraphClient, keys: TestKeys) -> None:
    data = seed_data()
    user_id = data.orders[0].user_id
    user_orders = sorted(
        (o for o in data.orders if o.user_id == user_id), key=lambda o: (o.created_at, o.id)
    )
    result = await orders.execute(
        """
        query($representations: [_Any!]!) {
          _entities(representations: $representations) {
            ... on Order { id status }
            ... on User { id orderCount orders(first: 2) { id } }
            ... on Product { id shippingEstimate { amount currency } }
          }
        }
        """,
        {
            "representations": [
                {"__typename": "Order", "id": "2"},
                {"__typename": "Order", "id": "999999"},
                {"__typename": "User", "id": str(user_id)},
                {"__typename": "User", "id": "999999"},
                {
                    "__typename": "Product",
                    "id": "1",
                    "weight": 2.5,
                    "price": {"amount": "20.00", "currency": "USD"},
                },
                {
                    "__typename": "Product",
                    "id": "2",
                    "weight": 3,
                    "price": {"amount": "150.00", "currency": "USD"},
                },
            ]
        },
        headers=keys.user(ADMIN_ID, admin=True),
    )
    assert result.ok()["_entities"] == [
        {"id": "2", "status": data.orders[1].status},
        None,
        {
            "id": str(user_id),
            "orderCount": len(user_orders),
            "orders": [{"id": str(o.id)} for o in reversed(user_orders[-2:])],
        },
        {"id": "999999", "orderCount": 0, "orders": []},
        {"id": "1", "shippingEstimate": {"amount": "8.74", "currency": "USD"}},
        {"id": "2", "shippingEstimate": {"amount": "0.00", "currency": "USD"}},
    ]


def test_shipping_estimate_rule() -> None:
    assert shipping_estimate_cents(0.2, 5_00) == 499 + 125
    assert shipping_estimate_cents(2.5, 20_00) == 499 + 3 * 125
    assert shipping_estimate_cents(20.0, 100_00) == 0
    assert shipping_estimate_cents(20.5, 100_00) == 499 + 21 * 125


async def test_shipping_estimate_without_its_required_fields_is_an_error(
    orders: SubgraphClient,
) -> None:
    result = await orders.execute(
        """{ _entities(representations: [{__typename: "Product", id: "1"}]) {
             ... on Product { shippingEstimate { amount } } } }"""
    )
    assert result.error_codes == ["EXTERNAL_FIELD_MISSING"]


async def test_unexpected_failures_are_masked_and_coded_errors_are_not(
    orders: SubgraphClient, keys: TestKeys
) -> None:
    result = await orders.execute(
        """{ _entities(representations: [{__typename: "Product", id: "1", weight: "heavy",
             price: {amount: "1.00", currency: "USD"}}]) {
             ... on Product { shippingEstimate { amount } } } }"""
    )
    assert [error["message"] for error in result.errors] == ["Unexpected error."]
    assert result.errors[0]["path"] == ["_entities", 0]
    coded = await orders.execute('{ order(id: "x") { id } }', headers=keys.user(1))
    assert coded.error_codes == ["BAD_USER_INPUT"]
    assert "positive integer" in coded.errors[0]["message"]


async def test_user_orders_first_is_bounded(orders: SubgraphClient, keys: TestKeys) -> None:
    result = await orders.execute(
        '{ _entities(representations: [{__typename: "User", id: "1"}]) {'
        " ... on User { orders(first: 101) { id } } } }",
        headers=keys.user(1),
    )
    assert result.error_codes == ["BAD_USER_INPUT"]


async def test_place_order_stores_order_and_takes_stock(
    orders: SubgraphClient, products: SubgraphClient, keys: TestKeys
) -> None:
    before = await stock_levels(products)
    first, second = placeable_product_ids(before, 2)
    result = await orders.execute(
        PLACE,
        {
            "input": {
                "items": [
                    {"productId": str(first), "quantity": 2},
                    {"productId": str(second), "quantity": 1},
                ]
            }
        },
        headers=keys.user(42),
    )
    order = result.ok()["placeOrder"]
    products_by_id = {p.id: p for p in seed_data().products}
    assert order["id"] == str(ORDER_COUNT + 1)
    assert order["status"] == "PLACED"
    assert order["user"] == {"id": "42"}
    assert [(i["product"]["id"], i["quantity"]) for i in order["items"]] == [
        (str(first), 2),
        (str(second), 1),
    ]
    assert order["items"][0]["product"]["name"] == products_by_id[first].name
    assert cents(order["items"][0]["unitPrice"]["amount"]) == products_by_id[first].price_cents
    assert cents(order["items"][0]["lineTotal"]["amount"]) == 2 * products_by_id[first].price_cents
    assert cents(order["total"]["amount"]) == (
        2 * products_by_id[first].price_cents + products_by_id[second].price_cents
    )

    after = await stock_levels(products)
    assert after[first] == before[first] - 2
    assert after[second] == before[second] - 1
    read_back = await orders.execute(
        f'{{ order(id: "{order["id"]}") {{ total {{ amount }} items {{ quantity }} }} }}',
        headers=keys.user(42),
    )
    assert read_back.ok()["order"] == {
        "total": {"amount": order["total"]["amount"]},
        "items": [{"quantity": 2}, {"quantity": 1}],
    }
    counted = await orders.execute(
        '{ _entities(representations: [{__typename: "User", id: "42"}]) {'
        " ... on User { orderCount orders(first: 1) { id } } } }",
        headers=keys.user(42),
    )
    assert counted.ok()["_entities"][0]["orders"] == [{"id": order["id"]}]


async def test_price_snapshot_survives_later_price_changes(
    orders: SubgraphClient, products: SubgraphClient, keys: TestKeys
) -> None:
    result = await orders.execute(
        PLACE, {"input": {"items": [{"productId": "7", "quantity": 1}]}}, headers=keys.user(1)
    )
    if result.error_codes == ["INSUFFICIENT_STOCK"]:
        await products.execute(
            'mutation { restock(productId: "7", quantity: 5) { id } }',
            headers=keys.user(ADMIN_ID, admin=True),
        )
        result = await orders.execute(
            PLACE,
            {"input": {"items": [{"productId": "7", "quantity": 1}]}},
            headers=keys.user(1),
        )
    order = result.ok()["placeOrder"]
    async with products.database.session() as db:
        await db.execute(text("UPDATE products SET price_cents = price_cents * 3 WHERE id = 7"))
        await db.commit()
    read_back = await orders.execute(
        f'{{ order(id: "{order["id"]}") {{ items {{ unitPrice {{ amount }} }} }} }}',
        headers=keys.user(1),
    )
    assert read_back.ok()["order"]["items"][0]["unitPrice"] == {
        "amount": order["items"][0]["unitPrice"]["amount"]
    }


@pytest.mark.parametrize(
    ("items", "code"),
    [
        ([], "BAD_USER_INPUT"),
        ([{"productId": "1", "quantity": 0}], "BAD_USER_INPUT"),
        ([{"productId": "1", "quantity": -2}], "BAD_USER_INPUT"),
        ([{"productId": "1", "quantity": 1001}], "BAD_USER_INPUT"),
        ([{"productId": "abc", "quantity": 1}], "BAD_USER_INPUT"),
        ([{"productId": "PLENTY", "quantity": 1}, {"productId": "99999", "quantity": 1}],
         "BAD_USER_INPUT"),
        ([{"productId": "PLENTY", "quantity": 1}, {"productId": "SHORT", "quantity": "TOO_MANY"}],
         "INSUFFICIENT_STOCK"),
    ],
    ids=["empty", "zero", "negative", "too-many", "bad-id", "unknown-product", "no-stock"],
)  # fmt: skip
async def test_place_order_failures_change_nothing(
    orders: SubgraphClient,
    products: SubgraphClient,
    keys: TestKeys,
    items: list[dict[str, Any]],
    code: str,
) -> None:
    before = await snapshot(orders, products)
    levels = before[0]
    plenty = placeable_product_ids(levels, 1)[0]
    short = next(pid for pid, stock in sorted(levels.items()) if pid != plenty and stock < 900)
    concrete = [
        {
            "productId": {"PLENTY": str(plenty), "SHORT": str(short)}.get(
                item["productId"], item["productId"]
            ),
            "quantity": levels[short] + 1 if item["quantity"] == "TOO_MANY" else item["quantity"],
        }
        for item in items
    ]
    result = await orders.execute(PLACE, {"input": {"items": concrete}}, headers=keys.user(5))
    assert result.error_codes == [code]
    assert result.data is None
    assert await snapshot(orders, products) == before


async def test_place_order_needs_a_caller(orders: SubgraphClient, products: SubgraphClient) -> None:
    before = await snapshot(orders, products)
    result = await orders.execute(PLACE, {"input": {"items": [{"productId": "1", "quantity": 1}]}})
    assert result.error_codes == ["UNAUTHENTICATED"]
    assert await snapshot(orders, products) == before


async def test_place_order_releases_the_stock_when_storing_fails(
    orders: SubgraphClient, products: SubgraphClient, keys: TestKeys
) -> None:
    async with orders.database.engine.begin() as connection:
        await connection.execute(text("DROP TABLE order_items"))
    before = await stock_levels(products)
    reservations = await count_rows(products, StockReservationRow)
    product_id = placeable_product_ids(before, 1)[0]
    result = await orders.execute(
        PLACE,
        {"input": {"items": [{"productId": str(product_id), "quantity": 2}]}},
        headers=keys.user(5),
    )
    assert result.error_codes == ["UPSTREAM_ERROR"]
    assert await stock_levels(products) == before
    assert await count_rows(orders, OrderRow) == ORDER_COUNT
    async with products.database.session() as db:
        released = await db.scalar(
            select(func.count())
            .select_from(StockReservationRow)
            .where(StockReservationRow.released_at.is_not(None))
        )
    assert await count_rows(products, StockReservationRow) == reservations + 1
    cancelled_seed_orders = sum(1 for o in seed_data().orders if o.status == "CANCELLED")
    assert released == cancelled_seed_orders + 1


async def test_place_order_when_products_is_down_changes_nothing(
    database_urls: Any, products: SubgraphClient, keys: TestKeys, token_endpoint: FastAPI
) -> None:
    app = create_orders_app(
        database_urls.orders,
        products_url="http://127.0.0.1:9/graphql",
        products_transport=httpx.AsyncHTTPTransport(retries=0),
        service_tokens=orders_service_tokens(token_endpoint),
        verifier=keys.verifier(),
    )
    async with serve_in_process(app) as orders:
        before = await snapshot(orders, products)
        result = await orders.execute(
            PLACE,
            {"input": {"items": [{"productId": "1", "quantity": 1}]}},
            headers=keys.user(5),
        )
        assert result.error_codes == ["UPSTREAM_ERROR"]
        assert await snapshot(orders, products) == before


async def test_cancel_order_returns_the_stock_once(
    orders: SubgraphClient, products: SubgraphClient, keys: TestKeys
) -> None:
    before = await stock_levels(products)
    product_id = placeable_product_ids(before, 1)[0]
    placed = await orders.execute(
        PLACE,
        {"input": {"items": [{"productId": str(product_id), "quantity": 3}]}},
        headers=keys.user(9),
    )
    order_id = placed.ok()["placeOrder"]["id"]
    assert (await stock_levels(products))[product_id] == before[product_id] - 3

    other = await orders.execute(CANCEL, {"id": order_id}, headers=keys.user(10))
    assert other.error_codes == ["FORBIDDEN"]
    anonymous = await orders.execute(CANCEL, {"id": order_id})
    assert anonymous.error_codes == ["UNAUTHENTICATED"]

    cancelled = await orders.execute(CANCEL, {"id": order_id}, headers=keys.user(9))
    assert cancelled.ok()["cancelOrder"] == {"id": order_id, "status": "CANCELLED"}
    assert await stock_levels(products) == before

    again = await orders.execute(CANCEL, {"id": order_id}, headers=keys.user(9))
    assert again.error_codes == ["BAD_USER_INPUT"]
    assert await stock_levels(products) == before
    unknown = await orders.execute(CANCEL, {"id": "999999"}, headers=keys.user(9))
    assert unknown.error_codes == ["NOT_FOUND"]


async def test_cancel_a_seeded_order_returns_its_stock(
    orders: SubgraphClient, products: SubgraphClient, keys: TestKeys
) -> None:
    seeded = next(o for o in seed_data().orders if o.status == "PLACED")
    before = await stock_levels(products)
    result = await orders.execute(CANCEL, {"id": str(seeded.id)}, headers=keys.user(seeded.user_id))
    assert result.ok()["cancelOrder"]["status"] == "CANCELLED"
    after = await stock_levels(products)
    for item in seeded.items:
        assert after[item.product_id] == before[item.product_id] + item.quantity
    shipped = next(o for o in seed_data().orders if o.status == "SHIPPED")
    refused = await orders.execute(
        CANCEL, {"id": str(shipped.id)}, headers=keys.user(shipped.user_id)
    )
    assert refused.error_codes == ["BAD_USER_INPUT"]


async def test_service_sdl_uses_the_federation_directives(orders: SubgraphClient) -> None:
    sdl = (await orders.execute("{ _service { sdl } }")).ok()["_service"]["sdl"]
    assert 'shippingEstimate: Money! @requires(fields: "weight price { amount currency }")' in sdl
    assert 'product: Product! @provides(fields: "name")' in sdl
    assert "name: String! @external" in sdl
    assert 'orderCount: Int! @override(from: "users")' in sdl
    assert "order(id: ID!): Order @authenticated" in sdl
    assert (
        'orders(first: Int! = 10): [Order!] @listSize(slicingArguments: ["first"], '
        "requireOneSlicingArgument: true) @authenticated" in sdl
    )
    assert (
        'placeOrder(input: PlaceOrderInput!): Order! @authenticated @requiresScopes(scopes: [["orders:write"]])'
        in sdl
    )
    assert "cancelOrder(id: ID!): Order! @authenticated" in sdl


async def test_orders_app_with_a_given_products_client_survives_a_restart(
    database_urls: Any, products: SubgraphClient, keys: TestKeys, token_endpoint: FastAPI
) -> None:
    levels = await stock_levels(products)
    product_id = placeable_product_ids(levels, 1)[0]
    order = {"input": {"items": [{"productId": str(product_id), "quantity": 1}]}}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=products.app)) as client:
        app = create_orders_app(
            database_urls.orders,
            products_url=PRODUCTS_TEST_URL,
            products_client=client,
            service_tokens=orders_service_tokens(token_endpoint),
            verifier=keys.verifier(),
        )
        for _ in range(2):
            async with serve_in_process(app) as orders:
                result = await orders.execute(PLACE, order, headers=keys.user(2))
                assert result.ok()["placeOrder"]["status"] == "PLACED"
        assert not client.is_closed
    assert (await stock_levels(products))[product_id] == levels[product_id] - 2


async def test_the_largest_price_times_the_largest_quantity_is_stored_exactly(
    orders: SubgraphClient, products: SubgraphClient, keys: TestKeys
) -> None:
    created = await products.execute(
        "mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }",
        {
            "input": {
                "sku": "GOLD-BAR",
                "name": "Gold bar",
                "price": {"amount": "9999999999.99", "currency": "USD"},
                "weight": 12.5,
                "stock": 1000,
            }
        },
        headers=keys.user(ADMIN_ID, admin=True),
    )
    product_id = created.ok()["createProduct"]["id"]
    result = await orders.execute(
        PLACE,
        {"input": {"items": [{"productId": product_id, "quantity": 1000}]}},
        headers=keys.user(42),
    )
    order = result.ok()["placeOrder"]
    assert order["items"][0]["unitPrice"]["amount"] == "9999999999.99"
    assert order["total"]["amount"] == "9999999999990.00"
    stored = await orders.execute(
        "query($id: ID!) { order(id: $id) { total { amount } items { lineTotal { amount } } } }",
        {"id": order["id"]},
        headers=keys.user(42),
    )
    assert stored.ok()["order"] == {
        "total": {"amount": "9999999999990.00"},
        "items": [{"lineTotal": {"amount": "9999999999990.00"}}],
    }

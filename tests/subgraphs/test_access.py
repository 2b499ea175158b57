"""Who may do what in orders and products, decided by verified tokens alone."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from subgraphs.orders.models import OrderRow
from subgraphs.products.models import ProductRow, StockReservationRow
from subgraphs.shared.seed import ORDER_COUNT, seed_data
from subgraphs.shared.testing import SubgraphClient
from subgraphs.shared.testing_tokens import TestKeys

PLACE = """
mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id user { id } } }
"""
ORDER = "query($id: ID!) { order(id: $id) { id user { id } total { amount } } }"
USER_ORDERS = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on User { id orders { id } } }
}
"""
ORDER_ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Order { id user { id } } }
}
"""
CANCEL = "mutation($id: ID!) { cancelOrder(id: $id) { id status } }"
RESERVE = """
mutation($lines: [StockLineInput!]!) { reserveStock(lines: $lines) { id } }
"""
RELEASE = "mutation($id: ID!) { releaseStock(reservationId: $id) }"
CREATE = """
mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }
"""
RESTOCK = 'mutation { restock(productId: "5", quantity: 3) { stock } }'
NEW_PRODUCT = {"sku": "ACL-1", "name": "Lock", "price": {"amount": "3.00"}, "weight": 0.4}
ONE_ITEM = {"input": {"items": [{"productId": "1", "quantity": 1}]}}


def orders_of(user_id: int) -> list[Any]:
    return [order for order in seed_data().orders if order.user_id == user_id]


async def row_count(client: SubgraphClient, model: Any) -> int:
    async with client.database.session() as db:
        return int((await db.execute(select(func.count()).select_from(model))).scalar_one())


async def stock(products: SubgraphClient) -> dict[int, int]:
    async with products.database.session() as db:
        return dict((await db.execute(select(ProductRow.id, ProductRow.stock))).tuples().all())


# -- orders: reading ------------------------------------------------------------------------


async def test_a_user_reads_an_own_order_but_not_another_users(
    orders: SubgraphClient, keys: TestKeys
) -> None:
    mine, theirs = (
        seed_data().orders[0],
        next(o for o in seed_data().orders if o.user_id != seed_data().orders[0].user_id),
    )
    me = keys.user(mine.user_id)
    own = await orders.execute(ORDER, {"id": str(mine.id)}, headers=me)
    assert own.ok()["order"]["user"] == {"id": str(mine.user_id)}

    other = await orders.execute(ORDER, {"id": str(theirs.id)}, headers=me)
    assert other.data == {"order": None}
    assert other.error_codes == ["FORBIDDEN"]
    assert other.errors[0]["path"] == ["order"]


async def test_an_admin_reads_anyones_order(orders: SubgraphClient, admin: dict[str, str]) -> None:
    order = seed_data().orders[5]
    result = await orders.execute(ORDER, {"id": str(order.id)}, headers=admin)
    assert result.ok()["order"]["user"] == {"id": str(order.user_id)}


async def test_reading_an_order_needs_a_verified_token(
    orders: SubgraphClient, keys: TestKeys, tmp_path: Any
) -> None:
    anonymous = await orders.execute(ORDER, {"id": "1"})
    assert anonymous.data == {"order": None}
    assert anonymous.error_codes == ["UNAUTHENTICATED"]

    stranger = TestKeys.create(tmp_path)  # a key the subgraph does not know
    forged = await orders.execute(ORDER, {"id": "1"}, headers=stranger.user(1))
    assert forged.error_codes == ["UNAUTHENTICATED"]
    assert forged.data == {"order": None}


async def test_a_client_user_id_header_changes_nothing(
    orders: SubgraphClient, keys: TestKeys
) -> None:
    order = seed_data().orders[0]
    alone = await orders.execute(ORDER, {"id": str(order.id)}, headers={"x-user-id": "1"})
    assert alone.error_codes == ["UNAUTHENTICATED"]
    other = next(o.user_id for o in seed_data().orders if o.user_id != order.user_id)
    spoofed = await orders.execute(
        ORDER, {"id": str(order.id)}, headers={**keys.user(other), "x-user-id": str(order.user_id)}
    )
    assert spoofed.error_codes == ["FORBIDDEN"]
    assert spoofed.data == {"order": None}


async def test_user_orders_entities_never_leak_another_users_orders(
    orders: SubgraphClient, keys: TestKeys
) -> None:
    first = seed_data().orders[0].user_id
    second = next(o.user_id for o in seed_data().orders if o.user_id != first)
    result = await orders.execute(
        USER_ORDERS,
        {
            "representations": [
                {"__typename": "User", "id": str(first)},
                {"__typename": "User", "id": str(second)},
            ]
        },
        headers=keys.user(first),
    )
    assert result.data is not None
    own, theirs = result.data["_entities"]
    assert {order["id"] for order in own["orders"]} <= {str(o.id) for o in orders_of(first)}
    assert own["orders"]
    assert theirs == {"id": str(second), "orders": None}
    assert result.error_codes == ["FORBIDDEN"]
    assert result.errors[0]["path"] == ["_entities", 1, "orders"]


async def test_user_orders_need_a_token(orders: SubgraphClient) -> None:
    result = await orders.execute(
        USER_ORDERS, {"representations": [{"__typename": "User", "id": "1"}]}
    )
    assert result.data == {"_entities": [{"id": "1", "orders": None}]}
    assert result.error_codes == ["UNAUTHENTICATED"]


async def test_order_entities_are_for_their_owner_and_admins(
    orders: SubgraphClient, keys: TestKeys, admin: dict[str, str]
) -> None:
    mine, theirs = (
        seed_data().orders[0],
        next(o for o in seed_data().orders if o.user_id != seed_data().orders[0].user_id),
    )
    reps = {
        "representations": [
            {"__typename": "Order", "id": str(mine.id)},
            {"__typename": "Order", "id": str(theirs.id)},
        ]
    }
    result = await orders.execute(ORDER_ENTITIES, reps, headers=keys.user(mine.user_id))
    assert result.data == {
        "_entities": [{"id": str(mine.id), "user": {"id": str(mine.user_id)}}, None]
    }
    assert result.error_codes == ["FORBIDDEN"]
    both = await orders.execute(ORDER_ENTITIES, reps, headers=admin)
    assert [entity["id"] for entity in both.ok()["_entities"]] == [str(mine.id), str(theirs.id)]


# -- orders: placing and cancelling ---------------------------------------------------------


async def test_an_order_is_placed_for_the_tokens_user_only(
    orders: SubgraphClient, keys: TestKeys
) -> None:
    placed = await orders.execute(PLACE, ONE_ITEM, headers={**keys.user(7), "x-user-id": "2"})
    assert placed.ok()["placeOrder"]["user"] == {"id": "7"}
    # there is no way to name another user: the input has no such field
    as_other = await orders.execute(
        PLACE,
        {"input": {"userId": "2", "items": [{"productId": "1", "quantity": 1}]}},
        headers=keys.user(7),
    )
    assert as_other.data is None
    assert "userId" in as_other.errors[0]["message"]
    async with orders.database.session() as db:
        owners = (await db.scalars(select(OrderRow.user_id).where(OrderRow.id > ORDER_COUNT))).all()
    assert owners == [7]


@pytest.mark.parametrize(
    ("caller", "code"),
    [
        ("anonymous", "UNAUTHENTICATED"),
        ("x-user-id", "UNAUTHENTICATED"),
        ("read-only", "FORBIDDEN"),
        ("service", "FORBIDDEN"),
    ],
)
async def test_placing_an_order_needs_a_user_with_orders_write(
    orders: SubgraphClient, products: SubgraphClient, keys: TestKeys, caller: str, code: str
) -> None:
    headers = {
        "anonymous": {},
        "x-user-id": {"x-user-id": "3"},
        "read-only": keys.user(3, scope="orders:read"),
        "service": keys.service("orders"),
    }[caller]
    levels = await stock(products)
    result = await orders.execute(PLACE, ONE_ITEM, headers=headers)
    assert result.error_codes == [code]
    assert result.data is None
    assert await row_count(orders, OrderRow) == ORDER_COUNT
    assert await stock(products) == levels


async def test_an_admin_cancels_anyones_order_and_other_users_cannot(
    orders: SubgraphClient, keys: TestKeys, admin: dict[str, str]
) -> None:
    placed = await orders.execute(PLACE, ONE_ITEM, headers=keys.user(11))
    order_id = placed.ok()["placeOrder"]["id"]
    refused = await orders.execute(CANCEL, {"id": order_id}, headers=keys.user(12))
    assert refused.error_codes == ["FORBIDDEN"]
    service = await orders.execute(CANCEL, {"id": order_id}, headers=keys.service("orders"))
    assert service.error_codes == ["FORBIDDEN"]
    cancelled = await orders.execute(CANCEL, {"id": order_id}, headers=admin)
    assert cancelled.ok()["cancelOrder"] == {"id": order_id, "status": "CANCELLED"}


async def test_a_new_user_sees_an_empty_history_and_then_the_own_order(
    orders: SubgraphClient, keys: TestKeys
) -> None:
    user_id = 100_001  # signed up after the seed: no orders yet
    assert not orders_of(user_id)
    reps = {"representations": [{"__typename": "User", "id": str(user_id)}]}
    me = keys.user(user_id)
    empty = await orders.execute(USER_ORDERS, reps, headers=me)
    assert empty.ok()["_entities"] == [{"id": str(user_id), "orders": []}]
    placed = (await orders.execute(PLACE, ONE_ITEM, headers=me)).ok()["placeOrder"]
    after = await orders.execute(USER_ORDERS, reps, headers=me)
    assert after.ok()["_entities"] == [{"id": str(user_id), "orders": [{"id": placed["id"]}]}]


# -- products -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "caller",
    ["anonymous", "x-user-id", "user", "user-with-the-scope", "admin", "service-without-scope"],
)
async def test_stock_mutations_refuse_all_but_the_stock_reserve_service_credential(
    products: SubgraphClient, keys: TestKeys, caller: str
) -> None:
    headers, code = {
        "anonymous": ({}, "UNAUTHENTICATED"),
        "x-user-id": ({"x-user-id": "1"}, "UNAUTHENTICATED"),
        "user": (keys.user(1), "FORBIDDEN"),
        "user-with-the-scope": (keys.user(1, scope="stock:reserve orders:write"), "FORBIDDEN"),
        "admin": (keys.user(1, admin=True, scope="stock:reserve"), "FORBIDDEN"),
        "service-without-scope": (keys.service("orders", scope="orders:read"), "FORBIDDEN"),
    }[caller]
    levels = await stock(products)
    reservations = await row_count(products, StockReservationRow)
    reserve = await products.execute(
        RESERVE, {"lines": [{"productId": "1", "quantity": 1}]}, headers=headers
    )
    assert reserve.error_codes == [code]
    assert reserve.data is None
    assert await stock(products) == levels
    assert await row_count(products, StockReservationRow) == reservations

    granted = await products.execute(
        RESERVE, {"lines": [{"productId": "1", "quantity": 1}]}, headers=keys.service("orders")
    )
    reservation_id = granted.ok()["reserveStock"]["id"]
    release = await products.execute(RELEASE, {"id": reservation_id}, headers=headers)
    assert release.error_codes == [code]
    assert (await stock(products))[1] == levels[1] - 1
    released = await products.execute(
        RELEASE, {"id": reservation_id}, headers=keys.service("orders")
    )
    assert released.ok() == {"releaseStock": True}
    assert await stock(products) == levels


@pytest.mark.parametrize(
    ("caller", "code"),
    [
        ("anonymous", "UNAUTHENTICATED"),
        ("x-user-id", "UNAUTHENTICATED"),
        ("user", "FORBIDDEN"),
        ("orders-service", "FORBIDDEN"),
    ],
)
async def test_catalogue_mutations_need_an_admin(
    products: SubgraphClient, keys: TestKeys, admin: dict[str, str], caller: str, code: str
) -> None:
    headers = {
        "anonymous": {},
        "x-user-id": {"x-user-id": "1"},
        "user": keys.user(1),
        "orders-service": keys.service("orders", scope="stock:reserve admin"),
    }[caller]
    levels = await stock(products)
    created = await products.execute(CREATE, {"input": NEW_PRODUCT}, headers=headers)
    assert created.error_codes == [code]
    restocked = await products.execute(RESTOCK, headers=headers)
    assert restocked.error_codes == [code]
    assert await stock(products) == levels

    assert (await products.execute(CREATE, {"input": NEW_PRODUCT}, headers=admin)).ok()
    assert (await products.execute(RESTOCK, headers=admin)).ok()["restock"] == {
        "stock": levels[5] + 3
    }

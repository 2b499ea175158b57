"""Mutations through the router: their effects, their errors, and that failures write nothing."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text

from . import seed_facts
from .identity import ADMIN, CALLER, user
from .stack import Stack

NEXT_ORDER_ID = str(len(seed_facts.orders()) + 1)

PLACE_ORDER = """
mutation Place($items: [OrderLineInput!]!) {
  placeOrder(input: {items: $items}) {
    id
    status
    total { amount currency }
    user { id name orderCount }
    items { quantity unitPrice { amount } lineTotal { amount } product { id name stock } }
  }
}
"""

STOCK_AND_ORDERS = (
    "query State($userId: ID!) {"
    ' p1: product(id: "1") { stock }'
    ' p2: product(id: "2") { stock }'
    " user(id: $userId) { orderCount orders(first: 1) { id status } }"
    f' newest: order(id: "{NEXT_ORDER_ID}") {{ id }}'
    " }"
)


async def state(stack: Stack, user_id: str = "5") -> dict[str, Any]:
    return await stack.data(STOCK_AND_ORDERS, {"userId": user_id}, headers=ADMIN)


async def row_counts(stack: Stack) -> dict[str, int]:
    """Rows per table in every subgraph's database."""
    counts: dict[str, int] = {}
    for subgraph in stack.apps:
        database = stack.database(subgraph)
        async with database.engine.connect() as connection:
            for table in database.metadata.sorted_tables:
                query = text(f'SELECT count(*) FROM "{table.name}"')
                counts[f"{subgraph}.{table.name}"] = (await connection.execute(query)).scalar_one()
    return counts


async def test_place_order_then_the_user_has_it_and_stock_went_down(stack: Stack) -> None:
    before = await state(stack)
    p1, p2 = seed_facts.product(1), seed_facts.product(2)
    response = await stack.execute(
        PLACE_ORDER,
        {"items": [{"productId": "1", "quantity": 2}, {"productId": "2", "quantity": 1}]},
        headers=CALLER,
    )
    assert response == {
        "data": {
            "placeOrder": {
                "id": NEXT_ORDER_ID,
                "status": "PLACED",
                "total": seed_facts.money(2 * p1.price_cents + p2.price_cents),
                "user": {
                    "id": "5",
                    "name": seed_facts.user(5).name,
                    "orderCount": len(seed_facts.orders_of(5)) + 1,
                },
                "items": [
                    {
                        "quantity": 2,
                        "unitPrice": {"amount": seed_facts.money(p1.price_cents)["amount"]},
                        "lineTotal": {"amount": seed_facts.money(2 * p1.price_cents)["amount"]},
                        "product": {"id": "1", "name": p1.name, "stock": p1.stock - 2},
                    },
                    {
                        "quantity": 1,
                        "unitPrice": {"amount": seed_facts.money(p2.price_cents)["amount"]},
                        "lineTotal": {"amount": seed_facts.money(p2.price_cents)["amount"]},
                        "product": {"id": "2", "name": p2.name, "stock": p2.stock - 1},
                    },
                ],
            }
        }
    }
    after = await state(stack)
    assert before["p1"]["stock"] == p1.stock
    assert after["p1"] == {"stock": p1.stock - 2}
    assert after["p2"] == {"stock": p2.stock - 1}
    assert after["user"] == {
        "orderCount": before["user"]["orderCount"] + 1,
        "orders": [{"id": NEXT_ORDER_ID, "status": "PLACED"}],
    }
    assert after["newest"] == {"id": NEXT_ORDER_ID}


FAILING_ORDERS = [
    ([{"productId": "99999", "quantity": 1}], CALLER, "BAD_USER_INPUT", "Unknown product 99999"),
    (
        [{"productId": "1", "quantity": 0}],
        CALLER,
        "BAD_USER_INPUT",
        "quantity must be between 1 and 1000, got 0",
    ),
    (
        [{"productId": "2", "quantity": 1}, {"productId": "1", "quantity": 1000}],
        CALLER,
        "INSUFFICIENT_STOCK",
        f"Not enough stock for product 1: 1000 requested, {seed_facts.product(1).stock} available",
    ),
    ([], CALLER, "BAD_USER_INPUT", "An order needs at least one item"),
    # placeOrder is @authenticated: the router refuses an anonymous caller before any fetch
    (
        [{"productId": "1", "quantity": 1}],
        {},
        "UNAUTHORIZED_FIELD_OR_TYPE",
        "Unauthorized field or type",
    ),
    (
        [{"productId": "1", "quantity": 1}],
        {"x-user-id": "5"},
        "UNAUTHORIZED_FIELD_OR_TYPE",
        "Unauthorized field or type",
    ),
]


async def test_failing_place_order_is_a_clear_error_and_writes_nothing(stack: Stack) -> None:
    before_state = await state(stack)
    before_rows = await row_counts(stack)
    for items, headers, code, message in FAILING_ORDERS:
        response = await stack.execute(PLACE_ORDER, {"items": items}, headers=headers)
        assert response["data"] is None, response
        [error] = response["errors"]
        assert (error["message"], error["path"], error["extensions"]["code"]) == (
            message,
            ["placeOrder"],
            code,
        ), items
    assert await state(stack) == before_state
    assert await row_counts(stack) == before_rows


CANCEL_ORDER = """
mutation Cancel($id: ID!) {
  cancelOrder(id: $id) { id status items { quantity product { id stock } } user { orderCount } }
}
"""


async def test_cancel_order_returns_the_stock(stack: Stack) -> None:
    stock = seed_facts.product(1).stock
    await stack.data(PLACE_ORDER, {"items": [{"productId": "1", "quantity": 3}]}, headers=CALLER)
    assert (await state(stack))["p1"] == {"stock": stock - 3}
    cancelled = await stack.data(CANCEL_ORDER, {"id": NEXT_ORDER_ID}, headers=CALLER)
    assert cancelled == {
        "cancelOrder": {
            "id": NEXT_ORDER_ID,
            "status": "CANCELLED",
            "items": [{"quantity": 3, "product": {"id": "1", "stock": stock}}],
            "user": {"orderCount": len(seed_facts.orders_of(5)) + 1},
        }
    }
    after = await state(stack)
    assert after["p1"] == {"stock": stock}
    assert after["user"]["orders"] == [{"id": NEXT_ORDER_ID, "status": "CANCELLED"}]

    again = await stack.execute(CANCEL_ORDER, {"id": NEXT_ORDER_ID}, headers=CALLER)
    assert again["data"] is None
    [error] = again["errors"]
    assert error["path"] == ["cancelOrder"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert (await state(stack))["p1"] == {"stock": stock}


async def test_cancelling_another_users_order_is_forbidden_and_changes_nothing(
    stack: Stack,
) -> None:
    placed_order = next(o for o in seed_facts.orders_of(5) if o.status == "PLACED")
    before_rows = await row_counts(stack)
    before_state = await state(stack)
    response = await stack.execute(
        CANCEL_ORDER, {"id": str(placed_order.id)}, headers={**user(6), "x-user-id": "5"}
    )
    assert response["data"] is None
    [error] = response["errors"]
    assert (error["path"], error["extensions"]["code"]) == (["cancelOrder"], "FORBIDDEN")
    assert await state(stack) == before_state
    assert await row_counts(stack) == before_rows
    order = await stack.data(f'{{ order(id: "{placed_order.id}") {{ status }} }}', headers=CALLER)
    assert order == {"order": {"status": "PLACED"}}
    hidden = await stack.execute(
        f'{{ order(id: "{placed_order.id}") {{ status }} }}', headers=user(6)
    )
    assert hidden["data"] == {"order": None}
    assert [error["extensions"]["code"] for error in hidden["errors"]] == ["FORBIDDEN"]


CREATE_USER = """
mutation Create($email: String!, $name: String!) {
  createUser(input: {email: $email, name: $name}) { id email name orderCount orders { id } }
}
"""


async def test_create_user_then_query_it_across_subgraphs(stack: Stack) -> None:
    created = await stack.data(
        CREATE_USER, {"email": " New.Person@Example.com", "name": " Ada "}, headers=ADMIN
    )
    new_id = str(len(seed_facts.users()) + 1)
    assert created == {
        "createUser": {
            "id": new_id,
            "email": "new.person@example.com",
            "name": "Ada",
            "orderCount": 0,
            "orders": [],
        }
    }
    assert await stack.data(f'{{ user(id: "{new_id}") {{ name }} }}') == {"user": {"name": "Ada"}}


async def test_create_user_with_a_bad_email_writes_nothing(stack: Stack) -> None:
    before_rows = await row_counts(stack)
    taken = seed_facts.user(1).email
    for email, message in (
        ("not-an-email", "'not-an-email' is not a valid email address"),
        (taken.upper(), f"A user with email {taken!r} already exists"),
    ):
        response = await stack.execute(
            CREATE_USER, {"email": email, "name": "Someone"}, headers=ADMIN
        )
        assert response["data"] is None
        [error] = response["errors"]
        assert (error["message"], error["path"], error["extensions"]["code"]) == (
            message,
            ["createUser"],
            "BAD_USER_INPUT",
        )
    assert await row_counts(stack) == before_rows


async def test_two_mutations_run_in_order_and_the_second_sees_the_first(stack: Stack) -> None:
    stock = seed_facts.product(1).stock
    data = await stack.data(
        """
        mutation Both {
          more: restock(productId: "1", quantity: 1000) { stock }
          order: placeOrder(input: {items: [{productId: "1", quantity: 1000}]}) {
            id items { product { stock } }
          }
          again: placeOrder(input: {items: [{productId: "1", quantity: 5}]}) {
            id items { product { stock } }
          }
          cancel: cancelOrder(id: "$cancelled") { status items { product { stock } } }
        }
        """.replace("$cancelled", NEXT_ORDER_ID),
        headers=user(5, admin=True),  # restock needs an admin
    )
    after_restock = stock + 1000
    assert data == {
        "more": {"stock": after_restock},
        "order": {"id": NEXT_ORDER_ID, "items": [{"product": {"stock": after_restock - 1000}}]},
        "again": {
            "id": str(int(NEXT_ORDER_ID) + 1),
            "items": [{"product": {"stock": after_restock - 1005}}],
        },
        "cancel": {"status": "CANCELLED", "items": [{"product": {"stock": after_restock - 5}}]},
    }


TWO_ORDERS_SECOND_FAILS = """
mutation {
  ok: placeOrder(input: {items: [{productId: "1", quantity: 1}]}) { id }
  bad: placeOrder(input: {items: [{productId: "1", quantity: 1000}]}) { id }
}
"""


async def test_a_failing_mutation_leaves_the_earlier_ones_done(stack: Stack) -> None:
    stock = seed_facts.product(1).stock
    response = await stack.execute(TWO_ORDERS_SECOND_FAILS, headers=CALLER)
    assert response["data"] is None
    assert ["bad"] in [error["path"] for error in response["errors"]]
    after = await state(stack)
    assert after["p1"] == {"stock": stock - 1}
    assert after["newest"] == {"id": NEXT_ORDER_ID}


async def test_a_failing_mutation_reports_only_its_own_error(stack: Stack) -> None:
    response = await stack.execute(TWO_ORDERS_SECOND_FAILS, headers=CALLER)
    assert response["data"] is None
    assert [(error["path"], error["extensions"]["code"]) for error in response["errors"]] == [
        (["bad"], "INSUFFICIENT_STOCK")
    ]


async def test_created_product_gets_its_shipping_estimate_in_the_same_operation(
    stack: Stack,
) -> None:
    data = await stack.data(
        """
        mutation {
          createProduct(input: {sku: "NEW-1", name: "Big Anvil", price: {amount: "150.00"},
                                weight: 30.5, stock: 3}) {
            id sku stock price { amount currency } shippingEstimate { amount currency }
          }
        }
        """,
        headers=ADMIN,
    )
    new_id = str(len(seed_facts.products()) + 1)
    assert data == {
        "createProduct": {
            "id": new_id,
            "sku": "NEW-1",
            "stock": 3,
            "price": {"amount": "150.00", "currency": "USD"},
            "shippingEstimate": seed_facts.money(seed_facts.shipping_estimate_cents(30.5, 15000)),
        }
    }
    by_sku = await stack.data('{ product(sku: "NEW-1") { id shippingEstimate { amount } } }')
    assert by_sku == {"product": {"id": new_id, "shippingEstimate": {"amount": "43.74"}}}


async def test_concurrent_orders_never_oversell(stack: Stack) -> None:
    scarce = next(p for p in seed_facts.products() if 3 <= p.stock <= 8)
    place = (
        "mutation($id: ID!) { placeOrder(input: {items: [{productId: $id, quantity: 1}]}) "
        "{ id items { product { stock } } } }"
    )
    before_rows = await row_counts(stack)
    responses = await asyncio.gather(
        *(
            stack.execute(place, {"id": str(scarce.id)}, headers=user(caller))
            for caller in range(1, 21)
        )
    )
    placed = [r["data"]["placeOrder"] for r in responses if "errors" not in r]
    refused = [r for r in responses if "errors" in r]
    assert len(placed) == scarce.stock
    assert len({order["id"] for order in placed}) == scarce.stock
    # read after the order was stored, so other orders may have taken stock meanwhile
    for order in placed:
        assert 0 <= order["items"][0]["product"]["stock"] < scarce.stock
    for response in refused:
        assert response["data"] is None
        [error] = response["errors"]
        assert (error["path"], error["extensions"]["code"]) == (
            ["placeOrder"],
            "INSUFFICIENT_STOCK",
        )
    stock = await stack.data(f'{{ product(id: "{scarce.id}") {{ stock }} }}')
    assert stock == {"product": {"stock": 0}}
    after_rows = await row_counts(stack)
    assert after_rows["orders.orders"] == before_rows["orders.orders"] + scarce.stock

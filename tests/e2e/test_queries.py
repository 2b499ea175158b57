"""Queries through the router over the project's own three subgraphs, checked against the seed."""

from __future__ import annotations

import re
from typing import Any

from . import seed_facts
from .identity import ADMIN, user
from .stack import Stack

DEEP_USERS_QUERY = """
query DeepUsers($first: Int!) {
  users(first: $first) {
    edges {
      node {
        id
        name
        orderCount
        orders(first: 3) {
          id
          status
          total { amount currency }
          items {
            quantity
            unitPrice { amount currency }
            product { id name shippingEstimate { amount currency } }
          }
        }
      }
    }
  }
}
"""


def fetched_services(plan_text: str) -> list[str]:
    return re.findall(r'Fetch\(service: "(\w+)"\)', plan_text)


async def test_users_orders_items_products_shipping_across_three_subgraphs(stack: Stack) -> None:
    data = await stack.data(DEEP_USERS_QUERY, {"first": 3}, headers=ADMIN)
    expected = [
        {
            "node": {
                "id": str(user_id),
                "name": seed_facts.user(user_id).name,
                "orderCount": len(seed_facts.orders_of(user_id)),
                "orders": [
                    seed_facts.order_with_items(order)
                    for order in seed_facts.orders_of(user_id)[:3]
                ],
            }
        }
        for user_id in (1, 2, 3)
    ]
    assert data == {"users": {"edges": expected}}


async def test_requires_fetches_weight_and_price_from_products_before_orders(
    stack: Stack,
) -> None:
    plan = stack.plan_text(DEEP_USERS_QUERY)
    assert fetched_services(plan) == ["users", "orders", "products", "orders"]
    products_fetch = plan.split('Fetch(service: "products")')[1].split("Fetch(")[0]
    assert "weight" in products_fetch and "price" in products_fetch


async def test_product_by_sku_then_shipping_estimate_from_orders(stack: Stack) -> None:
    seeded = seed_facts.product_by_sku("FED-00042")
    data = await stack.data(
        'query { product(sku: "FED-00042") { id sku name weight stock '
        "price { amount currency } shippingEstimate { amount currency } } }"
    )
    assert data == {
        "product": {
            "id": str(seeded.id),
            "sku": "FED-00042",
            "name": seeded.name,
            "weight": seeded.weight_kg,
            "stock": seeded.stock,
            "price": seed_facts.money(seeded.price_cents),
            "shippingEstimate": seed_facts.shipping_estimate(seeded.id),
        }
    }


async def test_unknown_sku_is_null_without_errors(stack: Stack) -> None:
    response = await stack.execute('{ product(sku: "NOPE") { id shippingEstimate { amount } } }')
    assert response == {"data": {"product": None}}


async def test_provides_serves_the_item_product_name_from_orders_alone(stack: Stack) -> None:
    query = '{ order(id: "17") { id items { quantity product { id name } } } }'
    order = seed_facts.order(17)
    assert fetched_services(stack.plan_text(query)) == ["orders"]
    assert await stack.data(query, headers=ADMIN) == {
        "order": {
            "id": "17",
            "items": [
                {
                    "quantity": item.quantity,
                    "product": {"id": str(item.product_id), "name": item.product_name},
                }
                for item in order.items
            ],
        }
    }


async def test_a_field_outside_provides_still_fetches_products(stack: Stack) -> None:
    query = '{ order(id: "17") { items { product { name sku } } } }'
    assert fetched_services(stack.plan_text(query)) == ["orders", "products"]
    items = (await stack.data(query, headers=ADMIN))["order"]["items"]
    order = seed_facts.order(17)
    assert items == [
        {"product": {"name": item.product_name, "sku": seed_facts.product(item.product_id).sku}}
        for item in order.items
    ]


async def test_order_count_is_resolved_by_orders_after_the_override(stack: Stack) -> None:
    query = '{ user(id: "7") { name orderCount } }'
    plan = stack.plan_text(query)
    assert fetched_services(plan) == ["users", "orders"]
    users_fetch = plan.split('Fetch(service: "orders")')[0]
    assert "orderCount" not in users_fetch
    assert await stack.data(query) == {
        "user": {"name": seed_facts.user(7).name, "orderCount": len(seed_facts.orders_of(7))}
    }


async def test_reserve_stock_is_not_queryable_through_the_router(stack: Stack) -> None:
    response = await stack.execute(
        'mutation { reserveStock(lines: [{productId: "1", quantity: 1}]) { id } }'
    )
    assert "data" not in response
    [error] = response["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "reserveStock" in error["message"]
    assert (await stack.data('{ product(id: "1") { stock } }'))["product"]["stock"] == (
        seed_facts.product(1).stock
    )


async def test_release_stock_and_inaccessible_types_are_rejected(stack: Stack) -> None:
    for query in (
        'mutation { releaseStock(reservationId: "seed-000001") }',
        "mutation($lines: [StockLineInput!]!) { restock(productId: 1, quantity: 1) { id } }",
        "query { __typename ... on StockReservation { id } }",
    ):
        response = await stack.execute(query)
        assert "data" not in response, query
        codes = {error["extensions"]["code"] for error in response["errors"]}
        assert codes == {"GRAPHQL_VALIDATION_FAILED"}, (query, response)


async def test_me_is_the_caller_of_the_verified_token(stack: Stack) -> None:
    query = "{ me { id email orderCount orders(first: 1) { id } } }"
    data = await stack.data(query, headers=user(12))
    newest = seed_facts.orders_of(12)[0]
    assert data == {
        "me": {
            "id": "12",
            "email": seed_facts.user(12).email,
            "orderCount": len(seed_facts.orders_of(12)),
            "orders": [{"id": str(newest.id)}],
        }
    }
    # `me` is @authenticated: for an anonymous caller the router answers null and says why
    anonymous = {
        "data": {"me": None},
        "errors": [
            {
                "message": "Unauthorized field or type",
                "path": ["me"],
                "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"},
            }
        ],
    }
    assert await stack.execute(query) == anonymous
    assert await stack.execute(query, headers={"x-user-id": "12"}) == anonymous


async def test_users_pagination_walks_every_page_through_the_router(stack: Stack) -> None:
    query = """
      query Page($after: String) {
        users(first: 40, after: $after) {
          edges { cursor node { id orderCount } }
          pageInfo { hasNextPage endCursor }
        }
      }
    """
    seen: list[dict[str, Any]] = []
    after: str | None = None
    pages = 0
    while True:
        page = (await stack.data(query, {"after": after}))["users"]
        pages += 1
        seen.extend(edge["node"] for edge in page["edges"])
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    users = seed_facts.users()
    assert pages == -(-len(users) // 40)
    assert seen == [
        {"id": str(user.id), "orderCount": len(seed_facts.orders_of(user.id))} for user in users
    ]


async def test_products_search_pages_with_shipping(stack: Stack) -> None:
    query = """
      query Search($after: String) {
        products(first: 3, after: $after, search: "kettle") {
          edges { node { id name shippingEstimate { amount } } }
          pageInfo { hasNextPage endCursor }
        }
      }
    """
    first = (await stack.data(query, {"after": None}))["products"]
    second = (await stack.data(query, {"after": first["pageInfo"]["endCursor"]}))["products"]
    kettles = [p for p in seed_facts.products() if "kettle" in p.name.lower()]
    assert [edge["node"] for edge in first["edges"] + second["edges"]] == [
        {
            "id": str(p.id),
            "name": p.name,
            "shippingEstimate": {"amount": seed_facts.shipping_estimate(p.id)["amount"]},
        }
        for p in kettles[:6]
    ]
    assert first["pageInfo"]["hasNextPage"] is True


async def test_bad_page_size_is_an_error_with_path_and_code(stack: Stack) -> None:
    response = await stack.execute("{ users(first: 500) { edges { node { id } } } }")
    assert response["data"] is None
    [error] = response["errors"]
    assert error["path"] == ["users"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "first must be between 0 and 100" in error["message"]


async def test_aliases_and_fragments_across_subgraphs(stack: Stack) -> None:
    query = """
      query Aliased($withShipping: Boolean!) {
        a: user(id: "1") { ...Buyer }
        b: user(id: "2") { who: name ...Buyer }
        kettle: product(id: "3") {
          __typename
          ... on Product { label: name }
          ship: shippingEstimate @include(if: $withShipping) { amount }
        }
      }
      fragment Buyer on User {
        __typename
        count: orderCount
        latest: orders(first: 1) { ...OrderBits }
        oldest: orders(first: 100) { id }
      }
      fragment OrderBits on Order { orderId: id items { n: quantity product { name } } }
    """

    def buyer(user_id: int) -> dict[str, Any]:
        orders = seed_facts.orders_of(user_id)
        newest = orders[0]
        return {
            "__typename": "User",
            "count": len(orders),
            "latest": [
                {
                    "orderId": str(newest.id),
                    "items": [
                        {"n": item.quantity, "product": {"name": item.product_name}}
                        for item in newest.items
                    ],
                }
            ],
            "oldest": [{"id": str(order.id)} for order in orders],
        }

    data = await stack.data(query, {"withShipping": True}, headers=ADMIN)
    assert data == {
        "a": buyer(1),
        "b": {"who": seed_facts.user(2).name, **buyer(2)},
        "kettle": {
            "__typename": "Product",
            "label": seed_facts.product(3).name,
            "ship": {"amount": seed_facts.shipping_estimate(3)["amount"]},
        },
    }
    without = await stack.data(query, {"withShipping": False}, headers=ADMIN)
    assert without["kettle"] == {"__typename": "Product", "label": seed_facts.product(3).name}


INTROSPECTION_QUERY = """
{
  __schema {
    types { name fields(includeDeprecated: true) { name args { name } } inputFields { name } }
    directives { name }
    queryType { fields { name } }
    mutationType { fields { name } }
  }
}
"""


async def test_introspection_shows_the_api_schema_only(stack: Stack) -> None:
    schema = (await stack.data(INTROSPECTION_QUERY))["__schema"]
    types = {t["name"]: t for t in schema["types"]}
    for hidden in ("StockReservation", "ReservedLine", "StockLineInput", "_Any", "_Entity"):
        assert hidden not in types
    assert not [name for name in types if name.startswith(("join__", "link__"))]
    assert {f["name"] for f in schema["mutationType"]["fields"]} == {
        "createUser",
        "signIn",
        "refreshToken",
        "createProduct",
        "restock",
        "placeOrder",
        "cancelOrder",
    }
    assert {f["name"] for f in schema["queryType"]["fields"]} == {
        "me",
        "user",
        "users",
        "product",
        "products",
        "topProducts",
        "order",
    }
    assert {f["name"] for f in types["Product"]["fields"]} == {
        "id",
        "sku",
        "name",
        "description",
        "price",
        "weight",
        "stock",
        "shippingEstimate",
    }
    assert {f["name"] for f in types["User"]["fields"]} == {
        "id",
        "email",
        "name",
        "createdAt",
        "orderCount",
        "orders",
    }
    directives = {d["name"] for d in schema["directives"]}
    assert not directives & {"join__graph", "join__type", "join__field", "link", "inaccessible"}
    assert {"include", "skip"} <= directives


async def test_aliases_named_like_key_and_required_fields_do_not_leak_into_fetches(
    stack: Stack,
) -> None:
    """The representations for @key and @requires must carry the real fields, not aliases."""
    order = seed_facts.order(17)
    data = await stack.data(
        '{ order(id: "17") { items { product { id: sku weight: name '
        "price: description shippingEstimate { amount currency } } } } }",
        headers=ADMIN,
    )
    assert data == {
        "order": {
            "items": [
                {
                    "product": {
                        "id": seed_facts.product(item.product_id).sku,
                        "weight": item.product_name,
                        "price": seed_facts.product(item.product_id).description,
                        "shippingEstimate": seed_facts.shipping_estimate(item.product_id),
                    }
                }
                for item in order.items
            ]
        }
    }


async def test_a_failing_root_field_does_not_blame_its_sibling(stack: Stack) -> None:
    response = await stack.execute(
        "{ ok: users(first: 1) { edges { node { id } } } "
        "bad: users(first: 500) { edges { node { id } } } }"
    )
    assert response["data"] is None
    assert [(error["path"], error["extensions"]["code"]) for error in response["errors"]] == [
        (["bad"], "BAD_USER_INPUT")
    ]


async def test_subgraph_error_locations_point_into_the_client_document(stack: Stack) -> None:
    query = '{\n  user(id: "3") {\n    name\n    orders(first: 1000) { id }\n  }\n}'
    response = await stack.execute(query, headers=ADMIN)
    # a user's orders are nullable (they are private): the error stops there
    assert response["data"] == {"user": {"name": seed_facts.user(3).name, "orders": None}}
    [error] = response["errors"]
    assert error["path"] == ["user", "orders"]
    # either no locations (as @apollo/gateway) or the client's `orders` field: line 4, column 5
    assert error.get("locations") in (None, [{"line": 4, "column": 5}])

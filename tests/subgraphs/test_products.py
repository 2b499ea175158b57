"""The products subgraph: catalogue queries, mutations, stock reservations, _entities."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from subgraphs.products.models import ProductRow, StockReservationRow
from subgraphs.shared.seed import PRODUCT_COUNT, seed_data
from subgraphs.shared.testing import SubgraphClient
from subgraphs.shared.testing_tokens import TestKeys

PRODUCT_FIELDS = "id sku name description price { amount currency } weight stock"
ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Product { id sku name } }
}
"""
CREATE = """
mutation($input: CreateProductInput!) {
  createProduct(input: $input) { id sku name description price { amount currency } weight stock }
}
"""
RESERVE = """
mutation($lines: [StockLineInput!]!) {
  reserveStock(lines: $lines) {
    id lines { productId productName quantity unitPrice { amount currency } }
  }
}
"""
RELEASE = "mutation($id: ID!) { releaseStock(reservationId: $id) }"


@pytest.fixture
def orders_service(keys: TestKeys) -> dict[str, str]:
    """Headers of the orders service's credential (stock:reserve)."""
    return keys.service("orders")


async def stock_levels(products: SubgraphClient) -> dict[int, int]:
    async with products.database.session() as db:
        rows = (await db.execute(select(ProductRow.id, ProductRow.stock))).all()
    return {product_id: stock for product_id, stock in rows}


async def count_rows(products: SubgraphClient, model: Any) -> int:
    async with products.database.session() as db:
        return int((await db.execute(select(func.count()).select_from(model))).scalar_one())


def expected_product(index: int) -> dict[str, Any]:
    seeded = seed_data().products[index]
    whole, cents = divmod(seeded.price_cents, 100)
    return {
        "id": str(seeded.id),
        "sku": seeded.sku,
        "name": seeded.name,
        "description": seeded.description,
        "price": {"amount": f"{whole}.{cents:02d}", "currency": "USD"},
        "weight": seeded.weight_kg,
        "stock": seeded.stock,
    }


async def test_product_by_id_and_by_sku(products: SubgraphClient) -> None:
    result = await products.execute(
        f'{{ a: product(id: "2") {{ {PRODUCT_FIELDS} }} b: product(sku: "fed-00002") {{ id }}'
        f' c: product(sku: "FED-00002") {{ id }} }}'
    )
    data = result.ok()
    assert data["a"] == expected_product(1)
    assert data["b"] is None  # SKUs are exact
    assert data["c"] == {"id": "2"}


async def test_product_needs_exactly_one_of_id_and_sku(products: SubgraphClient) -> None:
    for arguments in ("", '(id: "1", sku: "FED-00001")'):
        result = await products.execute(f"{{ product{arguments} {{ id }} }}")
        assert result.error_codes == ["BAD_USER_INPUT"]
        assert "exactly one of id and sku" in result.errors[0]["message"]


async def test_unknown_product_is_null(products: SubgraphClient) -> None:
    result = await products.execute(
        '{ a: product(id: "99999") { id } b: product(sku: "NOPE") { id } }'
    )
    assert result.ok() == {"a": None, "b": None}


async def test_products_search_is_case_insensitive(products: SubgraphClient) -> None:
    result = await products.execute(
        '{ products(first: 100, search: "kETTLe") { edges { node { name } } } }'
    )
    names = [edge["node"]["name"] for edge in result.ok()["products"]["edges"]]
    expected = [p.name for p in seed_data().products if "kettle" in p.name.lower()][:100]
    assert names == expected
    assert names


async def test_products_search_treats_wildcards_literally(products: SubgraphClient) -> None:
    result = await products.execute('{ products(search: "%") { edges { node { id } } } }')
    assert result.ok()["products"]["edges"] == []


async def test_products_pages_through_the_catalogue(products: SubgraphClient) -> None:
    query = """
    query($after: String) {
      products(first: 75, after: $after) {
        edges { node { id } } pageInfo { hasNextPage endCursor }
      }
    }
    """
    seen: list[str] = []
    after = None
    while True:
        page = (await products.execute(query, {"after": after})).ok()["products"]
        seen.extend(edge["node"]["id"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [str(product_id) for product_id in range(1, PRODUCT_COUNT + 1)]


async def test_products_first_is_bounded(products: SubgraphClient) -> None:
    result = await products.execute("{ products(first: 1000) { edges { cursor } } }")
    assert result.error_codes == ["BAD_USER_INPUT"]


async def test_out_of_range_ids_and_cursors_are_bad_user_input(
    products: SubgraphClient,
) -> None:
    from subgraphs.shared.pagination import encode_cursor

    huge = "9" * 5000  # more digits than int() converts
    cursors = [encode_cursor("product", 2**70), "cHJvZHVjdDo" + "5" * 6000]
    for after in cursors:
        result = await products.execute(
            "query($after: String) { products(after: $after) { edges { cursor } } }",
            {"after": after},
        )
        assert result.error_codes == ["BAD_USER_INPUT"], result.errors
    result = await products.execute("query($id: ID!) { product(id: $id) { id } }", {"id": huge})
    assert result.error_codes == ["BAD_USER_INPUT"], result.errors
    entities = await products.execute(
        ENTITIES, {"representations": [{"__typename": "Product", "id": huge}]}
    )
    assert entities.ok() == {"_entities": [None]}


async def test_top_products_are_the_best_sellers(products: SubgraphClient) -> None:
    result = await products.execute("{ topProducts(first: 3) { id } }")
    ranked = sorted(seed_data().products, key=lambda p: (-p.units_sold, p.id))
    assert [p["id"] for p in result.ok()["topProducts"]] == [str(p.id) for p in ranked[:3]]
    too_many = await products.execute("{ topProducts(first: 101) { id } }")
    assert too_many.error_codes == ["BAD_USER_INPUT"]


async def test_create_product(products: SubgraphClient, admin: dict[str, str]) -> None:
    result = await products.execute(
        CREATE,
        {
            "input": {
                "sku": " new-1 ",
                "name": "Brass Compass",
                "description": "Points north.",
                "price": {"amount": "12.5", "currency": "USD"},
                "weight": 0.2,
                "stock": 4,
            }
        },
        headers=admin,
    )
    assert result.ok()["createProduct"] == {
        "id": str(PRODUCT_COUNT + 1),
        "sku": "NEW-1",
        "name": "Brass Compass",
        "description": "Points north.",
        "price": {"amount": "12.50", "currency": "USD"},
        "weight": 0.2,
        "stock": 4,
    }
    read_back = await products.execute('{ product(sku: "NEW-1") { id stock } }')
    assert read_back.ok()["product"] == {"id": str(PRODUCT_COUNT + 1), "stock": 4}


async def test_create_product_rejects_bad_input_and_writes_nothing(
    products: SubgraphClient, admin: dict[str, str]
) -> None:
    valid = {
        "sku": "OK-1",
        "name": "Thing",
        "price": {"amount": "1.00", "currency": "USD"},
        "weight": 1.0,
        "stock": 1,
    }
    cases: list[tuple[dict[str, Any], str]] = [
        ({"sku": "x"}, "sku"),
        ({"sku": "FED-00001"}, "sku"),  # taken
        ({"name": " "}, "name"),
        ({"price": {"amount": "1.001", "currency": "USD"}}, "price.amount"),
        ({"price": {"amount": "-1", "currency": "USD"}}, "price.amount"),
        ({"price": {"amount": "abc", "currency": "USD"}}, "price.amount"),
        ({"price": {"amount": "1.00", "currency": "EUR"}}, "price.currency"),
        ({"weight": 0.0}, "weight"),
        ({"stock": -1}, "stock"),
    ]
    for change, field in cases:
        result = await products.execute(CREATE, {"input": {**valid, **change}}, headers=admin)
        assert result.error_codes == ["BAD_USER_INPUT"], change
        assert result.errors[0]["extensions"]["field"] == field, change
    assert await count_rows(products, ProductRow) == PRODUCT_COUNT


async def test_restock_adds_stock(products: SubgraphClient, admin: dict[str, str]) -> None:
    before = seed_data().products[4].stock
    result = await products.execute(
        'mutation { restock(productId: "5", quantity: 7) { stock } }', headers=admin
    )
    assert result.ok()["restock"] == {"stock": before + 7}
    assert (await stock_levels(products))[5] == before + 7


async def test_restock_rejects_bad_input(products: SubgraphClient, admin: dict[str, str]) -> None:
    before = await stock_levels(products)
    cases = [
        ('productId: "5", quantity: 0', "BAD_USER_INPUT"),
        ('productId: "5", quantity: -3', "BAD_USER_INPUT"),
        ('productId: "5", quantity: 1000001', "BAD_USER_INPUT"),
        ('productId: "nope", quantity: 1', "BAD_USER_INPUT"),
        ('productId: "99999", quantity: 1', "NOT_FOUND"),
    ]
    for arguments, code in cases:
        result = await products.execute(
            f"mutation {{ restock({arguments}) {{ stock }} }}", headers=admin
        )
        assert result.error_codes == [code], arguments
    assert await stock_levels(products) == before


async def test_restock_never_takes_stock_past_what_an_int_holds(
    products: SubgraphClient, admin: dict[str, str]
) -> None:
    from sqlalchemy import update

    almost_full = 2**31 - 5
    async with products.database.session() as db:
        await db.execute(update(ProductRow).where(ProductRow.id == 5).values(stock=almost_full))
        await db.commit()
    result = await products.execute(
        'mutation { restock(productId: "5", quantity: 10) { stock } }', headers=admin
    )
    assert result.error_codes == ["BAD_USER_INPUT"], result.errors
    assert (await stock_levels(products))[5] == almost_full
    fits = await products.execute(
        'mutation { restock(productId: "5", quantity: 4) { stock } }', headers=admin
    )
    assert fits.ok() == {"restock": {"stock": 2**31 - 1}}


async def test_entities_by_id_by_sku_and_mixed(products: SubgraphClient) -> None:
    representations = [
        {"__typename": "Product", "id": "3"},
        {"__typename": "Product", "sku": "FED-00010"},
        {"__typename": "Product", "id": "99999"},
        {"__typename": "Product", "sku": "NOPE"},
        {"__typename": "Product", "id": "3"},
    ]
    result = await products.execute(ENTITIES, {"representations": representations})
    seeded = seed_data().products
    assert result.ok()["_entities"] == [
        {"id": "3", "sku": "FED-00003", "name": seeded[2].name},
        {"id": "10", "sku": "FED-00010", "name": seeded[9].name},
        None,
        None,
        {"id": "3", "sku": "FED-00003", "name": seeded[2].name},
    ]


async def test_reserve_stock_takes_all_lines_and_snapshots_prices(
    products: SubgraphClient, orders_service: dict[str, str]
) -> None:
    before = await stock_levels(products)
    result = await products.execute(
        RESERVE,
        {
            "lines": [
                {"productId": "4", "quantity": 1},
                {"productId": "2", "quantity": 1},
                {"productId": "4", "quantity": 1},
            ]
        },
        headers=orders_service,
    )
    reservation = result.ok()["reserveStock"]
    seeded = seed_data().products
    assert [(line["productId"], line["quantity"]) for line in reservation["lines"]] == [
        ("2", 1),
        ("4", 2),
    ]
    assert reservation["lines"][0]["productName"] == seeded[1].name
    assert reservation["lines"][1]["unitPrice"] == expected_product(3)["price"]
    after = await stock_levels(products)
    assert after[2] == before[2] - 1
    assert after[4] == before[4] - 2

    released = await products.execute(RELEASE, {"id": reservation["id"]}, headers=orders_service)
    assert released.ok() == {"releaseStock": True}
    assert await stock_levels(products) == before
    again = await products.execute(RELEASE, {"id": reservation["id"]}, headers=orders_service)
    assert again.ok() == {"releaseStock": False}
    assert await stock_levels(products) == before


async def test_reserve_stock_is_all_or_nothing(
    products: SubgraphClient, orders_service: dict[str, str]
) -> None:
    levels = await stock_levels(products)
    short = next(pid for pid, stock in sorted(levels.items()) if 0 < stock < 900)
    plenty = next(pid for pid, stock in sorted(levels.items()) if stock > 1 and pid != short)
    reservations = await count_rows(products, StockReservationRow)
    cases = [
        ([{"productId": str(plenty), "quantity": 1}, {"productId": "99999", "quantity": 1}],
         "BAD_USER_INPUT"),
        ([{"productId": str(plenty), "quantity": 1},
          {"productId": str(short), "quantity": levels[short] + 1}], "INSUFFICIENT_STOCK"),
        ([{"productId": str(plenty), "quantity": 0}], "BAD_USER_INPUT"),
        ([], "BAD_USER_INPUT"),
    ]  # fmt: skip
    for lines, code in cases:
        result = await products.execute(RESERVE, {"lines": lines}, headers=orders_service)
        assert result.error_codes == [code], lines
    insufficient = await products.execute(RESERVE, {"lines": cases[1][0]}, headers=orders_service)
    assert insufficient.errors[0]["extensions"]["available"] == levels[short]
    assert await stock_levels(products) == levels
    assert await count_rows(products, StockReservationRow) == reservations


async def test_release_of_an_unknown_reservation_is_not_found(
    products: SubgraphClient, orders_service: dict[str, str]
) -> None:
    result = await products.execute(RELEASE, {"id": "no-such-reservation"}, headers=orders_service)
    assert result.error_codes == ["NOT_FOUND"]


async def test_service_sdl_has_both_keys_and_internal_fields(products: SubgraphClient) -> None:
    sdl = (await products.execute("{ _service { sdl } }")).ok()["_service"]["sdl"]
    assert 'type Product @key(fields: "id") @key(fields: "sku")' in sdl
    assert "type Money @shareable" in sdl
    assert (
        "reserveStock(lines: [StockLineInput!]!, idempotencyKey: ID = null): StockReservation! @inaccessible"
        in sdl
    )
    assert "confirmStock(reservationId: ID!): Boolean! @inaccessible" in sdl
    assert (
        'createProduct(input: CreateProductInput!): Product! @requiresScopes(scopes: [["admin"]])'
        in sdl
    )
    assert (
        'restock(productId: ID!, quantity: Int!): Product! @requiresScopes(scopes: [["admin"]])'
        in sdl
    )

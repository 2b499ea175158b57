"""The products subgraph: owns Product (key upc), with a price mutation."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.asgi import GraphQL

from .recording import RecordingApp

PRODUCTS: dict[str, dict[str, Any]] = {
    "p1": {"name": "Table", "price": 899, "weight": 100},
    "p2": {"name": "Couch", "price": 1299, "weight": 1000},
    "p3": {"name": "Chair", "price": 54, "weight": 50},
}


@strawberry.federation.type(keys=["upc"])
class Product:
    upc: str
    name: str | None
    price: int | None
    weight: int | None

    @classmethod
    def resolve_reference(cls, upc: str) -> Product | None:
        return product_by_upc(upc)


def product_by_upc(upc: str) -> Product | None:
    row = PRODUCTS.get(upc)
    if row is None:
        return None
    return Product(
        upc=upc, name=str(row["name"]), price=int(row["price"]), weight=int(row["weight"])
    )


@strawberry.type
class Query:
    @strawberry.field
    def top_products(self, first: int = 5) -> list[Product]:
        return [p for upc in list(PRODUCTS)[:first] if (p := product_by_upc(upc)) is not None]

    @strawberry.field
    def product(self, upc: str) -> Product | None:
        return product_by_upc(upc)


@strawberry.type
class Mutation:
    @strawberry.mutation
    def set_price(self, upc: str, price: int) -> Product | None:
        row = PRODUCTS.get(upc)
        if row is None:
            return None
        row["price"] = price
        return product_by_upc(upc)


schema = strawberry.federation.Schema(
    query=Query, mutation=Mutation, types=[Product], federation_version="2.5"
)


def make_app() -> RecordingApp:
    return RecordingApp(GraphQL(schema))

"""The inventory subgraph: stock and a shipping estimate that @requires price and weight."""

from __future__ import annotations

import strawberry
from strawberry.asgi import GraphQL

from .recording import RecordingApp

IN_STOCK = {"p1": True, "p2": False, "p3": True}


@strawberry.federation.type(keys=["upc"])
class Product:
    upc: str
    price: int | None = strawberry.federation.field(external=True, default=None)
    weight: int | None = strawberry.federation.field(external=True, default=None)

    @strawberry.field
    def in_stock(self) -> bool:
        return IN_STOCK.get(self.upc, False)

    @strawberry.federation.field(requires=["price weight"])  # type: ignore[untyped-decorator]
    def shipping_estimate(self) -> int | None:
        if self.price is None or self.weight is None:
            return None
        # free for expensive products, otherwise half the weight
        return 0 if self.price > 1000 else self.weight // 2

    @classmethod
    def resolve_reference(
        cls, upc: str, price: int | None = None, weight: int | None = None
    ) -> Product:
        return Product(upc=upc, price=price, weight=weight)


@strawberry.type
class Query:
    @strawberry.field
    def warehouse_count(self) -> int:
        return 2


schema = strawberry.federation.Schema(query=Query, types=[Product], federation_version="2.5")


def make_app() -> RecordingApp:
    return RecordingApp(GraphQL(schema))

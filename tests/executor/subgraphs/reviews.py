"""The reviews subgraph: Review, and User.reviews / Product.reviews on the entities."""

from __future__ import annotations

import strawberry
from strawberry.asgi import GraphQL

from .recording import RecordingApp

REVIEWS = [
    {"id": "r1", "body": "Love it!", "author": "1", "product": "p1"},
    {"id": "r2", "body": "Too expensive.", "author": "2", "product": "p2"},
    {"id": "r3", "body": "Could be better.", "author": "1", "product": "p3"},
    {"id": "r4", "body": "Prefer something else.", "author": "2", "product": "p1"},
]

FAILING_USER = "3"  # asking for this user's reviews raises a GraphQL error


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID

    @strawberry.field
    def reviews(self) -> list[Review]:
        if self.id == FAILING_USER:
            raise ValueError(f"reviews of user {self.id} are unavailable")
        return [review(row) for row in REVIEWS if row["author"] == self.id]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User:
        return User(id=id)


@strawberry.federation.type(keys=["upc"])
class Product:
    upc: str

    @strawberry.field
    def reviews(self) -> list[Review]:
        return [review(row) for row in REVIEWS if row["product"] == self.upc]

    @classmethod
    def resolve_reference(cls, upc: str) -> Product:
        return Product(upc=upc)


@strawberry.type
class Review:
    id: strawberry.ID
    body: str
    author: User
    product: Product


def review(row: dict[str, str]) -> Review:
    return Review(
        id=strawberry.ID(row["id"]),
        body=row["body"],
        author=User(id=strawberry.ID(row["author"])),
        product=Product(upc=row["product"]),
    )


@strawberry.type
class Query:
    @strawberry.field
    def latest_reviews(self) -> list[Review]:
        return [review(row) for row in reversed(REVIEWS)]


schema = strawberry.federation.Schema(
    query=Query, types=[User, Product, Review], federation_version="2.5"
)


def make_app() -> RecordingApp:
    return RecordingApp(GraphQL(schema))

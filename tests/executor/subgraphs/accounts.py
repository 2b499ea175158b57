"""The accounts subgraph: owns User."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.asgi import GraphQL
from strawberry.scalars import JSON

from .recording import RecordingApp

USERS: dict[str, dict[str, Any]] = {
    "1": {"name": "Ada Lovelace", "username": "@ada", "preferences": {"theme": "dark"}},
    "2": {"name": "Alan Turing", "username": "@complete", "preferences": {"langs": ["en"]}},
    "3": {"name": "Grace Hopper", "username": None, "preferences": None},
}

RISKY_USER = "2"  # asking for this user's risk score raises a GraphQL error


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID
    name: str
    username: str | None
    preferences: JSON | None

    @strawberry.field
    def risk_score(self) -> int | None:
        if self.id == RISKY_USER:
            raise ValueError(f"risk score of user {self.id} is unavailable")
        return len(self.name)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User | None:
        return user_by_id(id)


def user_by_id(user_id: str) -> User | None:
    row = USERS.get(user_id)
    if row is None:
        return None
    return User(
        id=strawberry.ID(user_id),
        name=str(row["name"]),
        username=row["username"],
        preferences=row["preferences"],
    )


@strawberry.type
class Query:
    @strawberry.field
    def me(self) -> User | None:
        return user_by_id("1")

    @strawberry.field
    def users(self) -> list[User]:
        return [user for key in USERS if (user := user_by_id(key)) is not None]

    @strawberry.field
    def user(self, id: strawberry.ID) -> User | None:
        return user_by_id(id)


schema = strawberry.federation.Schema(query=Query, types=[User], federation_version="2.5")


def make_app() -> RecordingApp:
    return RecordingApp(GraphQL(schema))

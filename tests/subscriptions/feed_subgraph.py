"""A small Strawberry subgraph with subscriptions, for router tests: ``orderUpdated`` events
come from ``OrderFeed.publish``; its orders point at the real products and users subgraphs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any

import strawberry
from fastapi import FastAPI
from strawberry.fastapi import GraphQLRouter
from strawberry.federation.schema_directives import Authenticated, Key
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import Info

FEED_SDL_NAME = "feed"


@dataclass
class OrderFeed:
    """The events of the feed subgraph, and what its subscribers sent on connecting."""

    queues: dict[str, list[asyncio.Queue[dict[str, Any] | None]]] = field(default_factory=dict)
    connection_headers: list[dict[str, str]] = field(default_factory=list)
    subscribed: asyncio.Event = field(default_factory=asyncio.Event)

    def subscribers(self, order_id: str) -> int:
        return len(self.queues.get(order_id, []))

    def publish(self, order: dict[str, Any]) -> None:
        for queue in self.queues.get(str(order["id"]), []):
            queue.put_nowait(order)

    def drop(self, order_id: str) -> None:
        for queue in self.queues.get(order_id, []):
            queue.put_nowait({"drop": True})

    def finish(self, order_id: str) -> None:
        for queue in self.queues.get(order_id, []):
            queue.put_nowait(None)


@strawberry.federation.type(keys=[Key(fields="id", resolvable=False)])
class Product:
    id: strawberry.ID


@strawberry.federation.type(keys=[Key(fields="id", resolvable=False)])
class User:
    id: strawberry.ID


@strawberry.type
class OrderItem:
    product: Product
    quantity: int


@strawberry.federation.type(keys=["id"])
class Order:
    id: strawberry.ID
    status: str
    items: list[OrderItem]
    user: User


def _order(value: dict[str, Any]) -> Order:
    return Order(
        id=strawberry.ID(str(value["id"])),
        status=value["status"],
        items=[
            OrderItem(product=Product(id=strawberry.ID(str(p))), quantity=q)
            for p, q in value["items"]
        ],
        user=User(id=strawberry.ID(str(value["user"]))),
    )


@strawberry.type
class Query:
    @strawberry.field
    def feed_version(self) -> str:
        return "1"


async def _updates(info: Info[Any, None], order_id: str) -> AsyncGenerator[Order | None, None]:
    feed: OrderFeed = info.context["feed"]
    queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
    feed.queues.setdefault(order_id, []).append(queue)
    feed.connection_headers.append(dict(info.context["request"].headers))
    feed.subscribed.set()
    try:
        while True:
            value = await queue.get()
            if value is None:
                return
            if value.get("drop"):  # the subgraph drops the socket mid-subscription
                await info.context["request"].close(code=1011)
                return
            yield _order(value)
    finally:
        feed.queues[order_id].remove(queue)


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def order_updated(
        self, info: Info[Any, None], order_id: strawberry.ID
    ) -> AsyncGenerator[Order | None, None]:
        async for order in _updates(info, str(order_id)):
            yield order

    @strawberry.subscription(directives=[Authenticated()])
    async def private_updates(self, info: Info[Any, None]) -> AsyncGenerator[Order | None, None]:
        """Signed-in callers only (the router enforces @authenticated); order id "private"."""
        async for order in _updates(info, "private"):
            yield order


SCHEMA = strawberry.federation.Schema(query=Query, subscription=Subscription)


def feed_sdl() -> str:
    return SCHEMA.as_str()


def create_feed_app(feed: OrderFeed) -> FastAPI:
    async def context() -> dict[str, Any]:
        return {"feed": feed}  # merged with Strawberry's own ("request": the WebSocket)

    router: GraphQLRouter[Any, None] = GraphQLRouter(
        SCHEMA,
        context_getter=context,
        subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
        graphql_ide=None,
    )
    app = FastAPI()
    app.include_router(router, prefix="/graphql")
    return app

"""End to end on the real subgraphs: a client subscribes to ``myOrderUpdates`` through the
router (WebSocket, SSE, multipart), another request places an order, and the event arrives
with fields of all three subgraphs: the order's status (orders), each product's price
(products) and the user's name (users)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tests.e2e import seed_facts
from tests.e2e.identity import CALLER
from tests.subscriptions.harness import ws_next, ws_subscribe
from tests.subscriptions.orders_stack import OrdersStack, orders_stack
from tests.subscriptions.test_transports import _multipart_payloads, _sse_events

MINE = (
    "subscription Mine { myOrderUpdates { id status "
    "items { quantity product { name price { amount } } } user { name } } }"
)
PLACE = (
    "mutation Place($items: [OrderLineInput!]!) "
    "{ placeOrder(input: {items: $items}) { id status } }"
)
ITEMS = [{"productId": "1", "quantity": 1}, {"productId": "2", "quantity": 2}]


def expected_event(order_id: str) -> dict[str, Any]:
    def item(product_id: int, quantity: int) -> dict[str, Any]:
        product = seed_facts.product(product_id)
        cents = product.price_cents
        price = {"amount": f"{cents // 100}.{cents % 100:02d}"}
        return {"quantity": quantity, "product": {"name": product.name, "price": price}}

    return {
        "id": order_id,
        "status": "PLACED",
        "items": [item(1, 1), item(2, 2)],
        "user": {"name": seed_facts.user(5).name},
    }


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[OrdersStack]:
    async with orders_stack(tmp_path) as running:
        yield running


async def place_order(stack: OrdersStack) -> str:
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            stack.url, json={"query": PLACE, "variables": {"items": ITEMS}}, headers=CALLER
        )
    body = response.json()
    assert "errors" not in body, body
    order_id: str = body["data"]["placeOrder"]["id"]
    return order_id


async def place_until(stack: OrdersStack, first: Awaitable[dict[str, Any]]) -> None:
    """Place orders until the subscription has reached the orders subgraph and its first
    event arrived: the subscription may still be connecting when the first order commits."""
    waiting = asyncio.ensure_future(first)
    placed: list[str] = []
    try:
        async with asyncio.timeout(30):
            while True:
                placed.append(await place_order(stack))
                done, _ = await asyncio.wait({waiting}, timeout=1.0)
                if done:
                    break
        event = waiting.result()
        assert event["myOrderUpdates"]["id"] in placed
        assert event["myOrderUpdates"] == expected_event(event["myOrderUpdates"]["id"])
    finally:
        waiting.cancel()


async def test_websocket(stack: OrdersStack) -> None:
    socket = await ws_subscribe(stack.ws_url, MINE, init_payload={"headers": CALLER})
    try:

        async def first() -> dict[str, Any]:
            message = await ws_next(socket, 30)
            assert message["type"] == "next", message
            assert "errors" not in message["payload"], message
            data: dict[str, Any] = message["payload"]["data"]
            return data

        await place_until(stack, first())
    finally:
        await socket.close()


async def _streamed(
    stack: OrdersStack, accept: str, read: Callable[[httpx.Response], Awaitable[dict[str, Any]]]
) -> None:
    async with (
        httpx.AsyncClient(timeout=30) as client,
        client.stream(
            "POST", stack.url, json={"query": MINE}, headers={"accept": accept, **CALLER}
        ) as response,
    ):
        assert response.status_code == 200
        await place_until(stack, read(response))


async def test_sse(stack: OrdersStack) -> None:
    async def first(response: httpx.Response) -> dict[str, Any]:
        async for kind, data in _sse_events(response):
            assert kind == "next"
            body = orjson.loads(data)
            assert "errors" not in body, body
            result: dict[str, Any] = body["data"]
            return result
        raise AssertionError("the stream ended without an event")

    await _streamed(stack, "text/event-stream", first)


async def test_multipart(stack: OrdersStack) -> None:
    async def first(response: httpx.Response) -> dict[str, Any]:
        async for part in _multipart_payloads(response):
            if part == {}:
                continue
            assert "errors" not in part["payload"], part
            result: dict[str, Any] = part["payload"]["data"]
            return result
        raise AssertionError("the stream ended without an event")

    await _streamed(stack, 'multipart/mixed;subscriptionSpec="1.0"', first)


async def test_another_users_order_is_forbidden(stack: OrdersStack) -> None:
    others = seed_facts.orders_of(1)[0].id
    follow = f'subscription {{ orderUpdated(orderId: "{others}") {{ id status }} }}'
    socket = await ws_subscribe(stack.ws_url, follow, init_payload={"headers": CALLER})
    try:
        message = await ws_next(socket, 30)
        assert message["type"] == "next", message
        assert message["payload"]["data"] == {"orderUpdated": None}
        (error,) = message["payload"]["errors"]
        assert error["extensions"] == {"code": "FORBIDDEN", "serviceName": "orders"}
        assert await ws_next(socket, 30) == {"id": "1", "type": "complete"}
    finally:
        await socket.close()

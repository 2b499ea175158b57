"""Subscriptions through the router on the three client transports, each event completed with
fields of other subgraphs (product names from products, user names from users)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from subgraphs.shared.seed import seed_data
from tests.subscriptions.harness import (
    ORDER_SUBSCRIPTION,
    SubscriptionStack,
    subscription_stack,
    ws_next,
    ws_subscribe,
)

SEED = seed_data()
EVENT = {"id": "7", "status": "SHIPPED", "items": [(1, 2), (2, 1)], "user": 1}
EXPECTED = {
    "orderUpdated": {
        "id": "7",
        "status": "SHIPPED",
        "items": [
            {"quantity": 2, "product": {"name": SEED.products[0].name}},
            {"quantity": 1, "product": {"name": SEED.products[1].name}},
        ],
        "user": {"name": SEED.users[0].name},
    }
}


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[SubscriptionStack]:
    async with subscription_stack(tmp_path) as running:
        yield running


async def test_websocket_events_carry_fields_of_other_subgraphs(stack: SubscriptionStack) -> None:
    socket = await ws_subscribe(stack.ws_url, ORDER_SUBSCRIPTION, {"id": "7"})
    try:
        await stack.wait_for_subscribers("7")
        stack.feed.publish(EVENT)
        first = await ws_next(socket)
        assert first == {"id": "1", "type": "next", "payload": {"data": EXPECTED}}
        stack.feed.publish({**EVENT, "status": "DELIVERED"})
        second = await ws_next(socket)
        assert second["payload"]["data"]["orderUpdated"]["status"] == "DELIVERED"
        async with httpx.AsyncClient() as client:
            metrics = (await client.get(stack.url.replace("/graphql", "/metrics"))).text
        assert 'fedra_subscriptions_active{transport="websocket"} 1.0' in metrics
        assert 'fedra_subscription_events_total{transport="websocket"} 2.0' in metrics
        stack.feed.finish("7")
        assert await ws_next(socket) == {"id": "1", "type": "complete"}
    finally:
        await socket.close()


async def _sse_events(response: httpx.Response) -> AsyncIterator[tuple[str, str]]:
    event = ""
    async for line in response.aiter_lines():
        if line.startswith("event:"):
            event = line.removeprefix("event:").strip()
        elif line.startswith("data:"):
            yield event, line.removeprefix("data:").strip()


async def test_sse_events_carry_fields_of_other_subgraphs(stack: SubscriptionStack) -> None:
    body = {"query": ORDER_SUBSCRIPTION, "variables": {"id": "7"}}
    async with (
        httpx.AsyncClient(timeout=10) as client,
        client.stream(
            "POST", stack.url, json=body, headers={"accept": "text/event-stream"}
        ) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = _sse_events(response)
        await stack.wait_for_subscribers("7")
        stack.feed.publish(EVENT)
        kind, data = await asyncio.wait_for(anext(events), 10)
        assert kind == "next" and orjson.loads(data) == {"data": EXPECTED}
        stack.feed.finish("7")
        kind, _ = await asyncio.wait_for(anext(events), 10)
        assert kind == "complete"


async def _multipart_payloads(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    """Each part's JSON body, as soon as the delimiter closing it has arrived."""
    buffer = b""
    async for chunk in response.aiter_bytes():
        buffer += chunk
        while True:
            head = buffer.find(b"\r\n\r\n")
            end = buffer.find(b"\r\n--graphql", head + 4) if head >= 0 else -1
            if head < 0 or end < 0:
                break
            part, buffer = buffer[head + 4 : end], buffer[end + len(b"\r\n--graphql") :]
            yield orjson.loads(part)
    assert buffer == b"--\r\n", buffer


async def test_multipart_events_carry_fields_of_other_subgraphs(stack: SubscriptionStack) -> None:
    body = {"query": ORDER_SUBSCRIPTION, "variables": {"id": "7"}}
    accept = 'multipart/mixed;subscriptionSpec="1.0", application/json'
    async with (
        httpx.AsyncClient(timeout=10) as client,
        client.stream("POST", stack.url, json=body, headers={"accept": accept}) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("multipart/mixed")
        parts = _multipart_payloads(response)
        assert await asyncio.wait_for(anext(parts), 10) == {}  # the first heartbeat
        await stack.wait_for_subscribers("7")
        stack.feed.publish(EVENT)
        payload = await asyncio.wait_for(anext(parts), 10)
        while payload == {}:
            payload = await asyncio.wait_for(anext(parts), 10)
        assert payload == {"payload": {"data": EXPECTED}}
        stack.feed.finish("7")
        with pytest.raises(StopAsyncIteration):
            await asyncio.wait_for(anext(parts), 10)


async def test_each_event_is_completed_with_one_fetch_per_subgraph(
    stack: SubscriptionStack,
) -> None:
    socket = await ws_subscribe(stack.ws_url, ORDER_SUBSCRIPTION, {"id": "8"})
    try:
        await stack.wait_for_subscribers("8")
        before = {name: len(r.requests) for name, r in stack.recorders.items()}
        many = {"id": "8", "status": "PLACED", "items": [(1, 1), (2, 1), (3, 4), (1, 2)], "user": 2}
        stack.feed.publish(many)
        event = await ws_next(socket)
        items = event["payload"]["data"]["orderUpdated"]["items"]
        assert [item["product"]["name"] for item in items] == [
            SEED.products[index].name for index in (0, 1, 2, 0)
        ]
        after = {name: len(r.requests) for name, r in stack.recorders.items()}
        assert {name: after[name] - before[name] for name in after} == {"users": 1, "products": 1}
    finally:
        await socket.close()

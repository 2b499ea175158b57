"""orderUpdated and myOrderUpdates over graphql-transport-ws, fed by the embedded dispatcher:
owner or admin only, credentials from the upgrade request or connection_init's headers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from subgraphs.orders.app import create_app as create_orders_app
from subgraphs.orders.fulfilment import FulfilmentSettings, SimulatedStep
from subgraphs.shared.testing import SubgraphClient
from subgraphs.shared.testing_tokens import TestKeys

from ..conftest import PRODUCTS_TEST_URL, DatabaseUrls, orders_service_tokens, restored
from .ws import served, subscriptions

PLACE = "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }"
CANCEL = "mutation($id: ID!) { cancelOrder(id: $id) { id status } }"
FOLLOW = "subscription($id: ID!) { orderUpdated(orderId: $id) { id status total { amount } } }"
MINE = "subscription { myOrderUpdates { id status user { id } } }"
QUICK = FulfilmentSettings(payment=SimulatedStep(latency_ms=50), shipping=SimulatedStep(50))
HELD = FulfilmentSettings(payment=SimulatedStep(latency_ms=60_000))  # stays PLACED


@pytest.fixture
async def orders_ws(
    request: pytest.FixtureRequest,
    database_urls: DatabaseUrls,
    products: SubgraphClient,
    keys: TestKeys,
    token_endpoint: FastAPI,
) -> AsyncIterator[tuple[str, httpx.AsyncClient]]:
    """The orders app under uvicorn (for WebSockets); yields its address and an HTTP client."""
    app = create_orders_app(
        await restored(database_urls, "orders"),
        products_url=PRODUCTS_TEST_URL,
        products_transport=httpx.ASGITransport(app=products.app),
        service_tokens=orders_service_tokens(token_endpoint),
        verifier=keys.verifier(),
        fulfilment=getattr(request, "param", QUICK),
        broker_url="",
    )
    async with served(app) as address, httpx.AsyncClient(base_url=f"http://{address}") as client:
        yield address, client


async def graphql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body["data"]


async def place(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    data = await graphql(
        client, PLACE, {"input": {"items": [{"productId": "1", "quantity": 1}]}}, headers
    )
    order_id: str = data["placeOrder"]["id"]
    return order_id


async def test_my_order_updates_follow_an_order_to_shipped(
    orders_ws: tuple[str, httpx.AsyncClient], keys: TestKeys
) -> None:
    address, client = orders_ws
    async with subscriptions(address, headers=keys.user(5)) as ws:
        operation = await ws.subscribe(MINE)
        await ws.connection.ping()
        order_id = await place(client, keys.user(5))
        seen = []
        while len(seen) < 3:
            message = await ws.receive()
            assert message["type"] == "next" and message["id"] == operation, message
            seen.append(message["payload"]["data"]["myOrderUpdates"])
    assert seen == [
        {"id": order_id, "status": status, "user": {"id": "5"}}
        for status in ("PLACED", "PAID", "SHIPPED")
    ]


@pytest.mark.parametrize("orders_ws", [HELD], indirect=True)
async def test_order_updated_for_the_owner_and_admins_only(
    orders_ws: tuple[str, httpx.AsyncClient], keys: TestKeys
) -> None:
    address, client = orders_ws
    order_id = await place(client, keys.user(7))
    # Another user: FORBIDDEN, and the subscription ends.
    async with subscriptions(address, headers=keys.user(8)) as ws:
        await ws.subscribe(FOLLOW, {"id": order_id})
        message = await ws.receive()
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert [error["extensions"]["code"] for error in errors] == ["FORBIDDEN"]
        assert message["type"] == "error" or (await ws.receive())["type"] == "complete"
    # Anonymous: UNAUTHENTICATED.
    async with subscriptions(address) as ws:
        await ws.subscribe(FOLLOW, {"id": order_id})
        message = await ws.receive()
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert [error["extensions"]["code"] for error in errors] == ["UNAUTHENTICATED"]
    # The owner, with the credential in connection_init, and an admin by upgrade header.
    owner_init = {"headers": keys.user(7)}
    async with (
        subscriptions(address, init_payload=owner_init) as owner,
        subscriptions(address, headers=keys.user(100_000, admin=True)) as admin,
    ):
        await owner.subscribe(FOLLOW, {"id": order_id})
        await admin.subscribe(FOLLOW, {"id": order_id})
        await owner.connection.ping()
        await admin.connection.ping()
        cancelled = await graphql(client, CANCEL, {"id": order_id}, keys.user(7))
        assert cancelled["cancelOrder"]["status"] == "CANCELLED"
        for ws in (owner, admin):
            statuses = []
            while not statuses or statuses[-1] != "CANCELLED":
                message = await ws.receive()
                assert message["type"] == "next", message
                updated = message["payload"]["data"]["orderUpdated"]
                assert updated["id"] == order_id and float(updated["total"]["amount"]) > 0
                statuses.append(updated["status"])
            # The order.placed event may reach the outbox reader after the subscription began.
            assert statuses in (["CANCELLED"], ["PLACED", "CANCELLED"])

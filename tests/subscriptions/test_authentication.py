"""Authentication of subscription connections: the token in ``connection_init`` (or on the
upgrade request) is verified as over HTTP, and the subgraph gets the verified identity."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import orjson
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from subgraphs.shared.testing_tokens import TestKeys
from tests.server import stack as router_stack
from tests.subscriptions.harness import (
    ORDER_SUBSCRIPTION,
    SubscriptionStack,
    subscription_stack,
    ws_next,
    ws_subscribe,
)


@pytest.fixture
async def signed(tmp_path: Path) -> AsyncIterator[tuple[SubscriptionStack, TestKeys]]:
    keys = router_stack.test_keys(tmp_path)
    async with subscription_stack(tmp_path, router_stack.authentication_environ(keys)) as running:
        yield running, keys


async def test_a_token_in_connection_init_signs_the_connection_in(
    signed: tuple[SubscriptionStack, TestKeys],
) -> None:
    stack, keys = signed
    token = keys.user_token(3)
    socket = await ws_subscribe(
        stack.ws_url, ORDER_SUBSCRIPTION, {"id": "5"}, {"Authorization": f"Bearer {token}"}
    )
    try:
        await stack.wait_for_subscribers("5")
        (headers,) = stack.feed.connection_headers
        assert headers.get("authorization") == f"Bearer {token}"  # the verified token, forwarded
        stack.feed.publish({"id": "5", "status": "PLACED", "items": [], "user": 3})
        assert (await ws_next(socket))["payload"]["data"]["orderUpdated"]["status"] == "PLACED"
    finally:
        await socket.close()


async def test_a_token_that_does_not_verify_closes_4403(
    signed: tuple[SubscriptionStack, TestKeys],
) -> None:
    stack, _ = signed
    async with connect(stack.ws_url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        init = {"type": "connection_init", "payload": {"headers": {"authorization": "Bearer x"}}}
        await socket.send(orjson.dumps(init).decode())
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_sse_verifies_the_request_headers(
    signed: tuple[SubscriptionStack, TestKeys],
) -> None:
    stack, _ = signed
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            stack.url,
            json={"query": ORDER_SUBSCRIPTION, "variables": {"id": "1"}},
            headers={"accept": "text/event-stream", "authorization": "Bearer nope"},
        )
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


PRIVATE = "subscription { privateUpdates { id status } }"


async def test_authorization_applies_to_subscriptions(
    signed: tuple[SubscriptionStack, TestKeys],
) -> None:
    stack, keys = signed
    anonymous = await ws_subscribe(stack.ws_url, PRIVATE)
    try:
        message = await ws_next(anonymous)
        assert message["type"] == "next"
        assert message["payload"]["data"] == {"privateUpdates": None}
        assert message["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHORIZED_FIELD_OR_TYPE"
        assert await ws_next(anonymous) == {"id": "1", "type": "complete"}
        assert stack.feed.subscribers("private") == 0  # never reached the subgraph
    finally:
        await anonymous.close()
    init = {"authorization": f"Bearer {keys.user_token(2)}"}
    signed_in = await ws_subscribe(stack.ws_url, PRIVATE, init_payload=init)
    try:
        await stack.wait_for_subscribers("private")
        stack.feed.publish({"id": "private", "status": "PLACED", "items": [], "user": 2})
        event = await ws_next(signed_in)
        assert event["payload"] == {
            "data": {"privateUpdates": {"id": "private", "status": "PLACED"}}
        }
    finally:
        await signed_in.close()

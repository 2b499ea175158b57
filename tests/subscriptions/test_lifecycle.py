"""How subscriptions end and what they refuse: a subgraph dropping its socket, a supergraph
reload, the limits and the protocol's rules, and one-shot queries on the streaming transports."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import orjson
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.server.stack import free_port
from tests.subscriptions.harness import (
    ORDER_SUBSCRIPTION,
    SubscriptionStack,
    subscription_stack,
    ws_next,
    ws_subscribe,
)


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[SubscriptionStack]:
    environ = {
        "FEDRA_SUBSCRIPTIONS__MAX_SUBSCRIPTIONS_PER_CONNECTION": "2",
        "FEDRA_SUBSCRIPTIONS__CONNECTION_INIT_TIMEOUT": "0.5",
        "FEDRA_SUBSCRIPTIONS__MAX_CONNECTIONS_PER_CLIENT": "3",
        "FEDRA_ERRORS__MASK_SUBGRAPH_ERRORS": "false",
    }
    async with subscription_stack(tmp_path, environ) as running:
        yield running


async def test_a_subgraph_dropping_its_socket_ends_the_subscription_with_an_error(
    stack: SubscriptionStack,
) -> None:
    socket = await ws_subscribe(stack.ws_url, ORDER_SUBSCRIPTION, {"id": "9"})
    try:
        await stack.wait_for_subscribers("9")
        stack.feed.drop("9")
        message = await ws_next(socket)
        assert message["type"] == "next"
        (error,) = message["payload"]["errors"]
        assert "feed" in error["message"]
        assert error["extensions"] == {
            "code": "SUBSCRIPTION_CONNECTION_CLOSED",
            "serviceName": "feed",
        }
        assert await ws_next(socket) == {"id": "1", "type": "complete"}
    finally:
        await socket.close()


async def test_a_supergraph_reload_ends_live_subscriptions_with_a_clear_error(
    stack: SubscriptionStack,
) -> None:
    socket = await ws_subscribe(stack.ws_url, ORDER_SUBSCRIPTION, {"id": "10"})
    try:
        await stack.wait_for_subscribers("10")
        changed = stack.supergraph_path.read_text() + "\n# reloaded\n"
        stack.supergraph_path.write_text(changed)
        stack.app.state.supergraph_file.load()
        message = await ws_next(socket)
        assert message["type"] == "next"
        (error,) = message["payload"]["errors"]
        assert error["extensions"]["code"] == "SUBSCRIPTION_SCHEMA_RELOAD"
        assert await ws_next(socket) == {"id": "1", "type": "complete"}
        # and a new subscription runs on the new supergraph
        await socket.send(
            orjson.dumps(
                {"id": "2", "type": "subscribe",
                 "payload": {"query": ORDER_SUBSCRIPTION, "variables": {"id": "10"}}}
            ).decode()
        )  # fmt: skip
        await stack.wait_for_subscribers("10")
        stack.feed.publish({"id": "10", "status": "PLACED", "items": [], "user": 2})
        event = await ws_next(socket)
        assert event["id"] == "2"
        assert event["payload"]["data"]["orderUpdated"]["status"] == "PLACED"
    finally:
        await socket.close()


async def test_subscriptions_per_connection_are_limited(stack: SubscriptionStack) -> None:
    socket = await ws_subscribe(stack.ws_url, ORDER_SUBSCRIPTION, {"id": "11"})
    try:
        for operation_id in ("2", "3"):
            payload = {"query": ORDER_SUBSCRIPTION, "variables": {"id": "11"}}
            await socket.send(
                orjson.dumps({"id": operation_id, "type": "subscribe", "payload": payload}).decode()
            )
        message = await ws_next(socket)
        assert message["id"] == "3" and message["type"] == "error"
        assert message["payload"][0]["extensions"]["code"] == "SUBSCRIPTION_LIMIT"
        await stack.wait_for_subscribers("11", 2)
    finally:
        await socket.close()


async def test_connections_per_client_are_limited(stack: SubscriptionStack) -> None:
    sockets = [await ws_subscribe(stack.ws_url, "{ feedVersion }") for _ in range(3)]
    try:
        with pytest.raises(Exception, match="403"):
            await connect(stack.ws_url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    finally:
        for socket in sockets:
            await socket.close()


async def test_connection_init_must_come_in_time(stack: SubscriptionStack) -> None:
    async with connect(stack.ws_url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4408


async def test_a_query_over_websocket_answers_once(stack: SubscriptionStack) -> None:
    socket = await ws_subscribe(stack.ws_url, "{ feedVersion }")
    try:
        assert await ws_next(socket) == {
            "id": "1", "type": "next", "payload": {"data": {"feedVersion": "1"}}
        }  # fmt: skip
        assert await ws_next(socket) == {"id": "1", "type": "complete"}
    finally:
        await socket.close()


async def test_an_invalid_subscription_is_an_error_message(stack: SubscriptionStack) -> None:
    socket = await ws_subscribe(stack.ws_url, "subscription { orderUpdated { nope } }")
    try:
        message = await ws_next(socket)
        assert message["type"] == "error" and message["id"] == "1"
        assert message["payload"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    finally:
        await socket.close()


async def test_a_query_over_sse_answers_once(stack: SubscriptionStack) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            stack.url, json={"query": "{ feedVersion }"}, headers={"accept": "text/event-stream"}
        )
    assert response.text == (
        'event: next\ndata: {"data":{"feedVersion":"1"}}\n\nevent: complete\ndata: \n\n'
    )


async def test_a_subscription_over_plain_http_is_refused(stack: SubscriptionStack) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            stack.url,
            json={"query": ORDER_SUBSCRIPTION, "variables": {"id": "1"}},
            headers={"accept": "application/graphql-response+json"},
        )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "OPERATION_NOT_SUPPORTED"


async def test_shutdown_ends_live_subscriptions_with_an_error(stack: SubscriptionStack) -> None:
    body = {"query": ORDER_SUBSCRIPTION, "variables": {"id": "12"}}
    async with (
        httpx.AsyncClient(timeout=10) as client,
        client.stream(
            "POST", stack.url, json=body, headers={"accept": "text/event-stream"}
        ) as response,
    ):
        lines = response.aiter_lines()
        await stack.wait_for_subscribers("12")
        started = time.monotonic()
        stack.app.state.test_server.handle_exit(signal.SIGTERM, None)
        received = []
        async for line in lines:
            received.append(line)
            if line == "event: complete":
                break
        assert time.monotonic() - started < 5  # not held up to the graceful timeout
    (data,) = [line for line in received if line.startswith("data: {")]
    error = orjson.loads(data.removeprefix("data: "))["errors"][0]
    assert error["extensions"]["code"] == "SUBSCRIPTION_SHUTDOWN"


async def test_sse_over_get_runs_subscriptions_but_never_mutations(
    stack: SubscriptionStack,
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        refused = await client.get(
            stack.url,
            params={"query": "mutation { nothing }"},
            headers={"accept": "text/event-stream", "apollo-require-preflight": "true"},
        )
        assert refused.status_code == 405
        params = {"query": ORDER_SUBSCRIPTION, "variables": '{"id": "13"}'}
        async with client.stream(
            "GET",
            stack.url,
            params=params,
            headers={"accept": "text/event-stream", "apollo-require-preflight": "true"},
        ) as response:
            assert response.status_code == 200
            lines = response.aiter_lines()
            await stack.wait_for_subscribers("13")
            stack.feed.publish({"id": "13", "status": "PLACED", "items": [], "user": 1})
            async for line in lines:
                if line.startswith("data: {"):
                    assert (
                        orjson.loads(line.removeprefix("data: "))["data"]["orderUpdated"]["id"]
                        == "13"
                    )
                    break


async def test_an_unreachable_subgraph_ends_the_subscription_with_an_error(
    tmp_path: Path,
) -> None:
    closed_port = free_port()
    environ = {
        "FEDRA_SUBSCRIPTIONS__SUBGRAPH_URLS": f"{{feed: 'ws://127.0.0.1:{closed_port}/graphql'}}",
        "FEDRA_SUBSCRIPTIONS__SUBGRAPH_CONNECT_TIMEOUT": "2",
    }
    async with subscription_stack(tmp_path, environ) as stack:
        socket = await ws_subscribe(stack.ws_url, ORDER_SUBSCRIPTION, {"id": "1"})
        try:
            message = await ws_next(socket)
            (error,) = message["payload"]["errors"]
            assert error["extensions"]["code"] == "SUBSCRIPTION_CONNECTION_FAILED"
            assert error["extensions"]["serviceName"] == "feed"
            assert await ws_next(socket) == {"id": "1", "type": "complete"}
        finally:
            await socket.close()


async def test_a_subgraph_that_never_answers_the_upgrade_ends_it_with_an_error(
    tmp_path: Path,
) -> None:
    """A socket that accepts and then says nothing: the subscription fails after the connect
    timeout instead of hanging."""
    held: list[asyncio.StreamWriter] = []

    async def silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    environ = {
        "FEDRA_SUBSCRIPTIONS__SUBGRAPH_URLS": f"{{feed: 'ws://127.0.0.1:{port}/graphql'}}",
        "FEDRA_SUBSCRIPTIONS__SUBGRAPH_CONNECT_TIMEOUT": "1",
        "FEDRA_ERRORS__MASK_SUBGRAPH_ERRORS": "false",
    }
    try:
        async with subscription_stack(tmp_path, environ) as stack:
            socket = await ws_subscribe(stack.ws_url, ORDER_SUBSCRIPTION, {"id": "1"})
            try:
                started = time.monotonic()
                message = await ws_next(socket)
                assert time.monotonic() - started < 5
                (error,) = message["payload"]["errors"]
                assert error["extensions"]["code"] == "SUBSCRIPTION_CONNECTION_FAILED"
                assert "timed out" in error["message"]
                assert await ws_next(socket) == {"id": "1", "type": "complete"}
            finally:
                await socket.close()
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()

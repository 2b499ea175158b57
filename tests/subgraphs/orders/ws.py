"""A graphql-transport-ws client and an in-loop uvicorn server, for subscription tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect

PROTOCOL = "graphql-transport-ws"
RECEIVE_TIMEOUT = 20.0


@asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[str]:
    """Serves `app` with uvicorn in this event loop on a free port; yields the base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("the server stopped before it started")
        await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


class Subscriptions:
    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self._next_id = 0

    async def subscribe(self, query: str, variables: Mapping[str, Any] | None = None) -> str:
        self._next_id += 1
        operation_id = str(self._next_id)
        await self.send(
            {
                "id": operation_id,
                "type": "subscribe",
                "payload": {"query": query, "variables": dict(variables or {})},
            }
        )
        return operation_id

    async def send(self, message: Mapping[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def receive(self) -> dict[str, Any]:
        while True:
            message: dict[str, Any] = json.loads(
                await asyncio.wait_for(self.connection.recv(), RECEIVE_TIMEOUT)
            )
            if message["type"] == "ping":
                await self.send({"type": "pong"})
                continue
            return message


@asynccontextmanager
async def subscriptions(
    address: str,
    *,
    headers: Mapping[str, str] | None = None,
    init_payload: Mapping[str, Any] | None = None,
) -> AsyncIterator[Subscriptions]:
    """A graphql-transport-ws connection to `address`/graphql, acknowledged."""
    async with connect(
        f"ws://{address}/graphql",
        subprotocols=[PROTOCOL],  # type: ignore[list-item]
        additional_headers=dict(headers or {}),
    ) as connection:
        client = Subscriptions(connection)
        await client.send({"type": "connection_init", "payload": dict(init_payload or {})})
        ack = await client.receive()
        assert ack["type"] == "connection_ack", ack
        yield client

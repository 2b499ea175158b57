"""The stack of the subscription tests: the users and products subgraphs and the feed subgraph
(tests.subscriptions.feed_subgraph) over real HTTP/WebSocket, and the router on uvicorn."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect

from router.compose import SubgraphSource, compose
from router.server import create_app
from router.server.shutdown import GracefulServer
from tests.server.recording import HeaderRecorder
from tests.server.stack import (
    REPO_ROOT,
    config_from,
    free_port,
    served_over_http,
    subgraph_apps,
)
from tests.subscriptions.feed_subgraph import OrderFeed, create_feed_app, feed_sdl

ORDER_SUBSCRIPTION = (
    "subscription Updates($id: ID!) { orderUpdated(orderId: $id) "
    "{ id status items { quantity product { name } } user { name } } }"
)


def supergraph_for(urls: Mapping[str, str]) -> str:
    sources = [
        SubgraphSource(name, urls[name], (REPO_ROOT / "schema" / f"{name}.graphql").read_text())
        for name in ("users", "products")
    ]
    sdl = feed_sdl().replace("federation/v2.11", "federation/v2.9")
    sources.append(SubgraphSource("feed", urls["feed"], sdl))
    result = compose(sources)
    assert result.supergraph_sdl is not None and not result.errors, result.errors
    return result.supergraph_sdl


@dataclass
class SubscriptionStack:
    url: str  # the router's GraphQL endpoint over HTTP
    ws_url: str
    feed: OrderFeed
    app: Starlette
    subgraph_urls: dict[str, str]
    supergraph_path: Path
    recorders: dict[str, HeaderRecorder]  # the HTTP requests users and products received

    async def wait_for_subscribers(self, order_id: str, count: int = 1) -> None:
        deadline = time.monotonic() + 10
        while self.feed.subscribers(order_id) < count:
            assert time.monotonic() < deadline, "the subscription did not reach the subgraph"
            await asyncio.sleep(0.01)


class EmbeddedRouterServer(GracefulServer):
    """``fedra serve``'s server inside the test's event loop; signals stay the process's."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@asynccontextmanager
async def served_router(app: Starlette) -> AsyncIterator[str]:
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        lifespan="on",
        log_level="warning",
        timeout_graceful_shutdown=30,
    )
    server = EmbeddedRouterServer(config)
    app.state.test_server = server
    task = asyncio.create_task(server.serve())
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert not task.done() and time.monotonic() < deadline, "the router did not start"
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        await asyncio.gather(task, return_exceptions=True)


@asynccontextmanager
async def subscription_stack(
    directory: Path, environ: Mapping[str, str] | None = None
) -> AsyncIterator[SubscriptionStack]:
    feed = OrderFeed()
    recorders = {"users": HeaderRecorder(), "products": HeaderRecorder()}
    wrap = {name: recorder.wrap for name, recorder in recorders.items()}
    async with subgraph_apps(directory, wrap) as apps:
        served = {
            "users": apps["users"],
            "products": apps["products"],
            "feed": create_feed_app(feed),
        }
        async with served_over_http(served) as urls:
            path = directory / "supergraph.graphql"
            path.write_text(supergraph_for(urls))
            settings = {"FEDRA_SUPERGRAPH__WATCH": "false", **(environ or {})}
            app = create_app(config_from(settings), supergraph_path=path)
            async with served_router(app) as url:
                yield SubscriptionStack(
                    url, "ws://" + url.removeprefix("http://"), feed, app, urls, path, recorders
                )


async def ws_subscribe(
    ws_url: str,
    query: str,
    variables: dict[str, Any] | None = None,
    init_payload: dict[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> ClientConnection:
    """A graphql-transport-ws client connection with subscription "1" started."""
    socket = await connect(
        ws_url,
        subprotocols=["graphql-transport-ws"],
        additional_headers=dict(headers or {}),  # type: ignore[list-item]
    )
    await socket.send(
        orjson.dumps({"type": "connection_init", "payload": init_payload or {}}).decode()
    )
    ack = orjson.loads(await asyncio.wait_for(socket.recv(), 10))
    assert ack == {"type": "connection_ack"}, ack
    payload = {"query": query, "variables": variables or {}}
    await socket.send(orjson.dumps({"id": "1", "type": "subscribe", "payload": payload}).decode())
    return socket


async def ws_next(socket: ClientConnection, wait: float = 10) -> dict[str, Any]:
    """The next message other than a ping (answered)."""
    while True:
        message: dict[str, Any] = orjson.loads(await asyncio.wait_for(socket.recv(), wait))
        if message.get("type") == "ping":
            await socket.send('{"type":"pong"}')
            continue
        return message

"""Real HTTP: subgraphs behind uvicorn, connections kept alive and reused."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from starlette.types import Receive, Scope, Send

from router.executor import FetcherOptions, SubgraphFetcher

from .subgraphs import accounts


class ClientPorts:
    """Wraps an ASGI app and records the client port of every request."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.ports: list[int] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("client"):
            self.ports.append(scope["client"][1])
        await self.app(scope, receive, send)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
async def served() -> AsyncIterator[tuple[str, ClientPorts]]:
    app = ClientPorts(accounts.make_app())
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    for _ in range(500):  # up to 5 s
        if server.started:
            break
        await asyncio.sleep(0.01)
    assert server.started, "the test subgraph server did not start"
    yield f"http://127.0.0.1:{port}/graphql", app
    server.should_exit = True
    await task


async def test_sequential_fetches_reuse_one_connection(
    served: tuple[str, ClientPorts],
) -> None:
    url, app = served
    fetcher = SubgraphFetcher(FetcherOptions(urls={"accounts": url}))
    try:
        for _ in range(5):
            result = await fetcher.fetch("accounts", b'{"query":"{me{name}}"}')
            assert result.response == {"data": {"me": {"name": "Ada Lovelace"}}}
    finally:
        await fetcher.aclose()
    assert len(app.ports) == 5
    assert len(set(app.ports)) == 1


async def test_concurrent_fetches_are_bounded_by_the_pool(
    served: tuple[str, ClientPorts],
) -> None:
    url, app = served
    fetcher = SubgraphFetcher(FetcherOptions(urls={"accounts": url}, max_connections=2))
    try:
        results = await asyncio.gather(
            *(fetcher.fetch("accounts", b'{"query":"{me{name}}"}') for _ in range(10))
        )
    finally:
        await fetcher.aclose()
    assert all(r.failure is None for r in results)
    assert len(set(app.ports)) <= 2

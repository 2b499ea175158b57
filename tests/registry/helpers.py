"""A registry for tests: the real app under uvicorn on a free port (SQLite file or PostgreSQL),
with one token per scope, and the project's subgraph SDLs to publish."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette

from router.registry.api import create_registry_app
from router.registry.config import RegistryConfig, StaticToken
from tests.server.stack import REPO_ROOT, free_port

SUBGRAPH_NAMES = ("users", "products", "orders")
ROUTING_URLS = {
    "users": "http://127.0.0.1:4001/graphql",
    "products": "http://127.0.0.1:4002/graphql",
    "orders": "http://127.0.0.1:4003/graphql",
}
TOKENS = {
    "publish": "publish-token-for-tests",
    "read": "read-token-for-tests",
    "report": "report-token-for-tests",
    "all": "all-scopes-token-for-tests",
}
SCOPES = {
    "publish": ("registry:publish",),
    "read": ("registry:read",),
    "report": ("registry:report",),
    "all": ("registry:publish", "registry:read", "registry:report"),
}


def sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def static_tokens() -> tuple[StaticToken, ...]:
    return tuple(
        StaticToken(name=f"{kind}-client", sha256=sha256(TOKENS[kind]), scopes=SCOPES[kind])
        for kind in TOKENS
    )


def bearer(kind: str) -> dict[str, str]:
    return {"authorization": f"Bearer {TOKENS[kind]}"}


def subgraph_sdl(name: str) -> str:
    return (REPO_ROOT / "schema" / f"{name}.graphql").read_text(encoding="utf-8")


def registry_config(database_url: str, **overrides: Any) -> RegistryConfig:
    return RegistryConfig(database_url=database_url, tokens=static_tokens(), **overrides)


class _EmbeddedServer(uvicorn.Server):
    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass(frozen=True, slots=True)
class RunningRegistry:
    url: str
    client: httpx.AsyncClient
    config: RegistryConfig
    app: Starlette

    async def publish(
        self,
        name: str,
        sdl: str | None = None,
        *,
        token: str = "publish",
        instance_id: str | None = None,
        routing_url: str | None = None,
        author: str | None = "ci",
    ) -> httpx.Response:
        return await self.client.post(
            f"/api/v1/subgraphs/{name}/publish",
            json={
                "sdl": sdl if sdl is not None else subgraph_sdl(name),
                "routing_url": routing_url or ROUTING_URLS[name],
                "instance_id": instance_id,
                "version": "1.0.0",
                "author": author,
            },
            headers=bearer(token),
        )

    async def publish_all(self) -> None:
        for name in SUBGRAPH_NAMES:
            response = await self.publish(name)
            assert response.status_code == 200, response.text


@asynccontextmanager
async def running_registry(
    config: RegistryConfig, port: int | None = None
) -> AsyncIterator[RunningRegistry]:
    """The registry app served by uvicorn on 127.0.0.1 in this event loop."""
    app = create_registry_app(config)
    port = port if port is not None else free_port()
    server = _EmbeddedServer(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + 30
    while not server.started:
        if task.done() or time.monotonic() > deadline:
            raise RuntimeError("the registry did not start")
        await asyncio.sleep(0.02)
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            yield RunningRegistry(url, client, config, app)
    finally:
        server.should_exit = True
        await asyncio.gather(task, return_exceptions=True)


def sqlite_url(directory: Path) -> str:
    return f"sqlite+aiosqlite:///{directory / 'registry.sqlite3'}"

"""Running a subgraph app in-process and talking GraphQL to it (used by the tests)."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from .db import Database
from .sql_counter import SqlStatementCounter


@dataclass(frozen=True, slots=True)
class GraphQLResult:
    status_code: int
    data: dict[str, Any] | None
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def error_codes(self) -> list[str | None]:
        return [error.get("extensions", {}).get("code") for error in self.errors]

    def ok(self) -> dict[str, Any]:
        """The data, failing loudly if there were errors."""
        assert not self.errors, self.errors
        assert self.data is not None
        return self.data


class SubgraphClient:
    """Sends GraphQL to one subgraph app through httpx's ASGI transport."""

    def __init__(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        self.app = app
        self.http = client

    @property
    def database(self) -> Database:
        database = self.app.state.database
        assert isinstance(database, Database)
        return database

    async def execute(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> GraphQLResult:
        payload: dict[str, Any] = {"query": query}
        if variables is not None:
            payload["variables"] = dict(variables)
        response = await self.http.post("/graphql", json=payload, headers=dict(headers or {}))
        body = response.json()
        return GraphQLResult(
            status_code=response.status_code,
            data=body.get("data"),
            errors=list(body.get("errors") or []),
        )

    @contextmanager
    def count_sql(self) -> Iterator[SqlStatementCounter]:
        with SqlStatementCounter().attached(self.database.engine) as counter:
            yield counter


@asynccontextmanager
async def serve_in_process(app: FastAPI) -> AsyncIterator[SubgraphClient]:
    """Runs the app's lifespan (tables, seed) and yields a client bound to it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://subgraph") as client:
            yield SubgraphClient(app, client)


@contextmanager
def served_over_http(app: FastAPI, *, startup_timeout: float = 30.0) -> Iterator[str]:
    """Serves `app` with uvicorn on a free 127.0.0.1 port in a thread; yields its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the in-thread server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)

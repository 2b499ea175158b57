"""A small schema registry for router tests, following the registry HTTP API's contract for
what routers call: ``GET /api/v1/router/state`` (bearer token with ``registry:read``; ``ETag``,
``If-None-Match`` and ``?wait=`` long polls answering 304), ``POST /api/v1/usage``
(``registry:report``; 202) and ``GET /health``. Served over real HTTP (uvicorn) in the test's
event loop; the test sets the state and can make the registry fail."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.server.stack import _EmbeddedServer, free_port

READ_TOKEN = "router-read-token"
REPORT_TOKEN = "router-report-token"
MAX_WAIT_SECONDS = 30.0


def _error(status: int, message: str, code: str) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return Response(orjson.dumps(body), status, media_type="application/json")


@dataclass
class FakeRegistry:
    supergraph_sdl: str
    version: int = 1
    subgraphs: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, frozenset[str]] = field(
        default_factory=lambda: {
            READ_TOKEN: frozenset({"registry:read"}),
            REPORT_TOKEN: frozenset({"registry:report", "registry:read"}),
        }
    )
    fail_with: int | None = None  # every API call answers this status
    garbage: bool = False  # the state answers 200 with a body that is not a state
    usage: list[dict[str, Any]] = field(default_factory=list)  # POSTed usage reports
    state_requests: int = 0
    url: str = ""
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _closing: bool = False
    _server: uvicorn.Server | None = None
    _task: asyncio.Task[None] | None = None

    async def stop(self) -> None:
        """Take the registry down: long polls in flight end, the port stops listening."""
        self._closing = True
        self._notify()
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await asyncio.gather(self._task, return_exceptions=True)

    def publish(self, supergraph_sdl: str) -> None:
        self.supergraph_sdl = supergraph_sdl
        self.version += 1
        self._notify()

    def set_instances(
        self, subgraph: str, routing_url: str, instances: list[dict[str, Any]]
    ) -> None:
        self.subgraphs[subgraph] = {"routing_url": routing_url, "instances": instances}
        self._notify()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def state(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "supergraph_sdl": self.supergraph_sdl,
            "subgraphs": self.subgraphs,
        }

    def etag(self) -> str:
        return '"' + hashlib.sha256(orjson.dumps(self.state())).hexdigest()[:20] + '"'

    def _refused(self, request: Request, scope: str) -> Response | None:
        if self.fail_with is not None:
            return _error(self.fail_with, "the registry is failing", "INTERNAL_SERVER_ERROR")
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ") if header.startswith("Bearer ") else None
        scopes = self.tokens.get(token or "")
        if scopes is None:
            return _error(401, "missing or invalid token", "UNAUTHENTICATED")
        if scope not in scopes:
            return _error(403, f"the token lacks the {scope} scope", "FORBIDDEN")
        return None

    async def router_state(self, request: Request) -> Response:
        self.state_requests += 1
        refused = self._refused(request, "registry:read")
        if refused is not None:
            return refused
        if self.garbage:
            return Response(b"<html>not a state</html>", 200, media_type="text/html")
        seen = request.headers.get("if-none-match")
        wait = min(MAX_WAIT_SECONDS, float(request.query_params.get("wait", "0") or 0))
        deadline = time.monotonic() + wait
        while seen == self.etag() and not self._closing:
            left = deadline - time.monotonic()
            if left <= 0:
                return Response(status_code=304, headers={"etag": seen})
            with suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)
        if self._closing:
            return _error(503, "the registry is shutting down", "UNAVAILABLE")
        return Response(
            orjson.dumps(self.state()),
            200,
            media_type="application/json",
            headers={"etag": self.etag()},
        )

    async def report_usage(self, request: Request) -> Response:
        refused = self._refused(request, "registry:report")
        if refused is not None:
            return refused
        body = orjson.loads(await request.body())
        if not isinstance(body.get("router_id"), str) or not isinstance(
            body.get("operations"), list
        ):
            return _error(400, "not a usage report", "BAD_REQUEST")
        self.usage.append(body)
        return Response(status_code=202)

    async def health(self, _request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    def operations(self) -> dict[str, dict[str, Any]]:
        """The reported usage summed per operation hash."""
        summed: dict[str, dict[str, Any]] = {}
        for report in self.usage:
            for operation in report["operations"]:
                entry = summed.setdefault(operation["hash"], {**operation, "count": 0})
                entry["count"] += operation["count"]
                entry["last_seen"] = max(entry["last_seen"], operation["last_seen"])
        return summed

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/v1/router/state", self.router_state, methods=["GET"]),
                Route("/api/v1/usage", self.report_usage, methods=["POST"]),
                Route("/health", self.health, methods=["GET"]),
            ]
        )


@asynccontextmanager
async def fake_registry(supergraph_sdl: str) -> AsyncIterator[FakeRegistry]:
    """The registry served on a free 127.0.0.1 port in this event loop."""
    registry = FakeRegistry(supergraph_sdl)
    port = free_port()
    server = _EmbeddedServer(
        uvicorn.Config(
            registry.app(), host="127.0.0.1", port=port, lifespan="off", log_level="warning"
        )
    )
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + 30
    while not server.started:
        if task.done() or time.monotonic() > deadline:
            raise RuntimeError("the fake registry did not start")
        await asyncio.sleep(0.01)
    registry.url = f"http://127.0.0.1:{port}"
    registry._server, registry._task = server, task
    try:
        yield registry
    finally:
        await registry.stop()

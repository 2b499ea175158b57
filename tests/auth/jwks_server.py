"""A real JWKS server over HTTP (uvicorn on a free port) whose key set the test changes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.auth.keys import SigningKey, jwks
from tests.server.stack import served_over_http


@dataclass
class JwksServer:
    keys: list[SigningKey] = field(default_factory=list)
    requests: int = 0
    padding: int = 0  # bytes of extra JSON, to exceed a size bound
    url: str = ""

    def app(self) -> Starlette:
        async def serve(_request: Request) -> Response:
            self.requests += 1
            document: dict[str, Any] = jwks(*self.keys)
            if self.padding:
                document["padding"] = "x" * self.padding
            return JSONResponse(document)

        return Starlette(routes=[Route("/.well-known/jwks.json", serve)])


@asynccontextmanager
async def jwks_server(*keys: SigningKey) -> AsyncIterator[JwksServer]:
    server = JwksServer(list(keys))
    async with served_over_http({"jwks": server.app()}) as urls:
        server.url = urls["jwks"].removesuffix("/graphql") + "/.well-known/jwks.json"
        yield server

"""fetch_subgraph_sdl against the project's real subgraph apps (over ASGI) and failing servers."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, Response

from router.compose import SubgraphFetchError, SubgraphSource, compose, fetch_subgraph_sdl
from subgraphs.orders.app import create_app as create_orders_app
from subgraphs.products.app import create_app as create_products_app
from subgraphs.users.app import create_app as create_users_app

APPS = {"users": create_users_app, "products": create_products_app, "orders": create_orders_app}


async def test_fetches_and_composes_the_three_project_subgraphs(tmp_path: Path) -> None:
    sources: list[SubgraphSource] = []
    for name, create_app in APPS.items():
        app = create_app(f"sqlite+aiosqlite:///{tmp_path / name}.sqlite3")
        url = f"http://{name}.test/graphql"
        sdl = await fetch_subgraph_sdl(url, transport=httpx.ASGITransport(app=app))
        assert "@link(" in sdl
        sources.append(SubgraphSource(name, url, sdl))
    result = compose(sources)
    assert result.ok, result.errors
    assert result.supergraph is not None
    assert set(result.supergraph.subgraphs) == {"users", "products", "orders"}


def _app(status: int, body: str) -> FastAPI:
    app = FastAPI()

    @app.post("/graphql")
    async def graphql() -> Response:
        return Response(content=body, status_code=status, media_type="application/json")

    return app


async def test_http_error_is_reported() -> None:
    transport = httpx.ASGITransport(app=_app(500, '{"oops": true}'))
    with pytest.raises(SubgraphFetchError, match="HTTP 500"):
        await fetch_subgraph_sdl("http://broken.test/graphql", transport=transport)


async def test_graphql_errors_are_reported() -> None:
    body = '{"errors": [{"message": "Cannot query field \\"_service\\" on type \\"Query\\"."}]}'
    transport = httpx.ASGITransport(app=_app(200, body))
    with pytest.raises(SubgraphFetchError, match="Cannot query field"):
        await fetch_subgraph_sdl("http://plain.test/graphql", transport=transport)


async def test_unreachable_subgraph() -> None:
    with pytest.raises(SubgraphFetchError, match="could not reach"):
        await fetch_subgraph_sdl("http://127.0.0.1:9/graphql", timeout_seconds=2.0)

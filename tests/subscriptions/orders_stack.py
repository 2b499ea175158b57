"""The real three subgraphs (orders over uvicorn for its WebSocket) behind the router, for the
end-to-end subscription test and the latency benchmark. Order events go through the broker at
``broker_url``, else through the orders app's embedded dispatcher."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI

from router.server import create_app
from subgraphs.orders.app import create_app as create_orders_app
from subgraphs.orders.service_token import ClientCredentialsTokenSource
from subgraphs.products.app import create_app as create_products_app
from subgraphs.users.app import create_app as create_users_app
from tests.e2e.identity import ORDERS_SECRET
from tests.e2e.stack import (
    PRODUCTS_IN_PROCESS_URL,
    TOKEN_IN_PROCESS_URL,
    e2e_keys,
    sqlite_url,
    token_endpoint,
)
from tests.server.stack import (
    authentication_environ,
    compose_supergraph_sdl,
    config_from,
    served_over_http,
)
from tests.subscriptions.harness import served_router


@dataclass(frozen=True, slots=True)
class OrdersStack:
    url: str  # the router's GraphQL endpoint
    ws_url: str
    subgraph_urls: dict[str, str]


def orders_apps(folder: Path, broker_url: str | None) -> dict[str, FastAPI]:
    keys = e2e_keys(folder)
    products = create_products_app(sqlite_url(folder, "products"), verifier=keys.verifier())
    service_tokens = ClientCredentialsTokenSource(
        TOKEN_IN_PROCESS_URL,
        secret=lambda: ORDERS_SECRET,
        transport=httpx.ASGITransport(app=token_endpoint(keys)),
    )
    return {
        "users": create_users_app(sqlite_url(folder, "users"), verifier=keys.verifier()),
        "products": products,
        "orders": create_orders_app(
            sqlite_url(folder, "orders"),
            products_url=PRODUCTS_IN_PROCESS_URL,
            products_transport=httpx.ASGITransport(app=products),
            service_tokens=service_tokens,
            verifier=keys.verifier(),
            broker_url=broker_url or "",
        ),
    }


@asynccontextmanager
async def orders_stack(
    folder: Path, *, broker_url: str | None = None, environ: Mapping[str, str] | None = None
) -> AsyncIterator[OrdersStack]:
    apps = orders_apps(folder, broker_url)
    async with AsyncExitStack() as lifespans:
        for app in apps.values():
            await lifespans.enter_async_context(app.router.lifespan_context(app))
        async with served_over_http(apps) as urls:
            supergraph = folder / "supergraph.graphql"
            supergraph.write_text(compose_supergraph_sdl())
            settings = {
                "FEDRA_SUPERGRAPH__WATCH": "false",
                **authentication_environ(e2e_keys(folder)),
                **{f"FEDRA_SUBGRAPHS__{n.upper()}__URL": u for n, u in urls.items()},
                **(environ or {}),
            }
            router = create_app(config_from(settings), supergraph_path=supergraph)
            async with served_router(router) as url:
                yield OrdersStack(url, "ws://" + url.removeprefix("http://"), urls)

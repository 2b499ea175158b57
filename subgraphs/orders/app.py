"""ASGI app of the orders subgraph: `uvicorn subgraphs.orders.app:app` (port 4003).

Placing and cancelling orders calls the products subgraph at `PRODUCTS_URL`
(default http://localhost:4002/graphql) with the orders service's own token, obtained from the
users service's token endpoint (`USERS_TOKEN_URL`, see `service_token`).
"""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from subgraphs.shared.app_factory import create_subgraph_app
from subgraphs.shared.context import Identity
from subgraphs.shared.db import Database, resolve_database_url
from subgraphs.shared.identity import TokenVerifier
from subgraphs.shared.request_session import RequestSession

from .loaders import OrdersContext
from .models import metadata
from .products_client import ProductsClient, products_url_from_env
from .schema import schema
from .seed import seed_orders
from .service_token import ClientCredentialsTokenSource, TokenSource

NAME = "orders"


def create_app(
    database_url: str | None = None,
    *,
    products_url: str | None = None,
    products_transport: httpx.AsyncBaseTransport | None = None,
    products_client: httpx.AsyncClient | None = None,
    service_tokens: TokenSource | None = None,
    verifier: TokenVerifier | None = None,
) -> FastAPI:
    """The orders app on `database_url`, else `DATABASE_URL`, else var/orders.sqlite3.

    Products is reached at `products_url` (else `PRODUCTS_URL`), through `products_client`
    if given (the caller closes it), else through a client on `products_transport`, with the
    tokens of `service_tokens` (else the client credentials grant configured from the
    environment). Callers are verified by `verifier` (else one from the environment).
    """
    database = Database(resolve_database_url(NAME, database_url), metadata)
    products = ProductsClient(
        products_url or products_url_from_env(),
        tokens=service_tokens or ClientCredentialsTokenSource.from_env(),
        client=products_client,
        transport=products_transport,
    )

    def make_context(session: RequestSession, identity: Identity) -> OrdersContext:
        return OrdersContext(session, identity, products)

    return create_subgraph_app(
        name=NAME,
        schema=schema,
        database=database,
        seed=seed_orders,
        make_context=make_context,
        verifier=verifier,
        on_startup=[products.start],
        on_shutdown=[products.aclose],
    )


app = create_app()

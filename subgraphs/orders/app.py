"""ASGI app of the orders subgraph: `uvicorn subgraphs.orders.app:app` (port 4003).

Placing and cancelling orders calls the products subgraph at `PRODUCTS_URL`
(default http://localhost:4002/graphql) with the orders service's own token, obtained from the
users service's token endpoint (`USERS_TOKEN_URL`, see `service_token`).

Order events: without `BROKER_URL` the app reads its outbox itself and runs the fulfilment
handlers in-process (`dispatch`); with it, workers (`python -m subgraphs.orders.worker`) do
that and the app follows the broker's event exchange for its subscriptions (`broker`).
"""

from __future__ import annotations

import os

import httpx
from fastapi import FastAPI

from subgraphs.shared.app_factory import LifecycleHook, create_subgraph_app
from subgraphs.shared.context import Identity
from subgraphs.shared.db import Database, resolve_database_url
from subgraphs.shared.identity import TokenVerifier
from subgraphs.shared.request_session import RequestSession

from .broker import BrokerEventFeed, OutboxRelay, topology_from_env
from .dispatch import EmbeddedDispatcher
from .fulfilment import Fulfilment, FulfilmentSettings
from .hub import OrderEventHub
from .loaders import OrdersContext
from .models import metadata
from .products_client import ProductsClient, products_url_from_env
from .schema import schema
from .seed import seed_orders
from .service_token import ClientCredentialsTokenSource, TokenSource

NAME = "orders"
BROKER_URL_ENV = "BROKER_URL"


def create_app(
    database_url: str | None = None,
    *,
    products_url: str | None = None,
    products_transport: httpx.AsyncBaseTransport | None = None,
    products_client: httpx.AsyncClient | None = None,
    service_tokens: TokenSource | None = None,
    verifier: TokenVerifier | None = None,
    fulfilment: FulfilmentSettings | None = None,
    broker_url: str | None = None,
    run_handlers: bool = True,
) -> FastAPI:
    """The orders app on `database_url`, else `DATABASE_URL`, else var/orders.sqlite3.

    Products is reached at `products_url` (else `PRODUCTS_URL`), through `products_client`
    if given (the caller closes it), else through a client on `products_transport`, with the
    tokens of `service_tokens` (else the client credentials grant configured from the
    environment). Callers are verified by `verifier` (else one from the environment).
    Events go through the broker at `broker_url` (else `BROKER_URL`), else through embedded
    handlers run with `fulfilment` (else settings from the environment); with
    `run_handlers` False the events stay in the outbox (tests drive the handlers themselves).
    """
    database = Database(resolve_database_url(NAME, database_url), metadata)
    products = ProductsClient(
        products_url or products_url_from_env(),
        tokens=service_tokens or ClientCredentialsTokenSource.from_env(),
        client=products_client,
        transport=products_transport,
    )

    hub = OrderEventHub()
    feed: BrokerEventFeed | None = None
    url = broker_url if broker_url is not None else os.environ.get(BROKER_URL_ENV)
    startup: list[LifecycleHook] = [products.start]
    shutdown: list[LifecycleHook] = []
    if url:
        topology = topology_from_env()
        feed = BrokerEventFeed(url, topology, hub)
        relay = OutboxRelay(database, url, topology)
        startup += [feed.start, relay.start]
        shutdown += [relay.stop, feed.stop]
    elif run_handlers:
        dispatcher = EmbeddedDispatcher(database, Fulfilment(database, products, fulfilment), hub)
        startup.append(dispatcher.start)
        shutdown.append(dispatcher.stop)
    shutdown.append(products.aclose)

    def make_context(session: RequestSession, identity: Identity) -> OrdersContext:
        return OrdersContext(session, identity, products, hub)

    app = create_subgraph_app(
        name=NAME,
        schema=schema,
        database=database,
        seed=seed_orders,
        make_context=make_context,
        verifier=verifier,
        on_startup=startup,
        on_shutdown=shutdown,
    )
    app.state.events = hub
    app.state.event_feed = feed
    return app


app = create_app()

"""ASGI app of the products subgraph: `uvicorn subgraphs.products.app:app` (port 4002)."""

from __future__ import annotations

from fastapi import FastAPI

from subgraphs.shared.app_factory import create_subgraph_app
from subgraphs.shared.db import Database, resolve_database_url
from subgraphs.shared.identity import TokenVerifier

from .loaders import ProductsContext
from .models import metadata
from .reaper import StockReaper, reaper_interval_from_env
from .schema import schema
from .seed import seed_products

NAME = "products"


def create_app(
    database_url: str | None = None,
    *,
    verifier: TokenVerifier | None = None,
    reaper_interval: float | None = None,
) -> FastAPI:
    """The products app on `database_url`, else `DATABASE_URL`, else var/products.sqlite3.

    Callers are verified by `verifier` (else one configured from the environment). Expired
    stock reservations are released every `reaper_interval` seconds (else
    `STOCK_REAPER_INTERVAL_SECONDS`; 0: never)."""
    database = Database(resolve_database_url(NAME, database_url), metadata)
    reaper = StockReaper(
        database, reaper_interval if reaper_interval is not None else reaper_interval_from_env()
    )
    return create_subgraph_app(
        name=NAME,
        schema=schema,
        database=database,
        seed=seed_products,
        make_context=ProductsContext,
        verifier=verifier,
        on_startup=[reaper.start],
        on_shutdown=[reaper.stop],
    )


app = create_app()

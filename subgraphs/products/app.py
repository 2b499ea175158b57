"""ASGI app of the products subgraph: `uvicorn subgraphs.products.app:app` (port 4002)."""

from __future__ import annotations

from fastapi import FastAPI

from subgraphs.shared.app_factory import create_subgraph_app
from subgraphs.shared.db import Database, resolve_database_url
from subgraphs.shared.identity import TokenVerifier

from .loaders import ProductsContext
from .models import metadata
from .schema import schema
from .seed import seed_products

NAME = "products"


def create_app(
    database_url: str | None = None, *, verifier: TokenVerifier | None = None
) -> FastAPI:
    """The products app on `database_url`, else `DATABASE_URL`, else var/products.sqlite3.

    Callers are verified by `verifier` (else one configured from the environment)."""
    database = Database(resolve_database_url(NAME, database_url), metadata)
    return create_subgraph_app(
        name=NAME,
        schema=schema,
        database=database,
        seed=seed_products,
        make_context=ProductsContext,
        verifier=verifier,
    )


app = create_app()

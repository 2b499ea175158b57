"""The project's three subgraphs and the router, in one process: the stack e2e tests run on.

The seed data is made once per test session (through the apps' own start-up) and every stack
starts from a copy of those SQLite files, so each test owns its databases. The subgraphs verify
callers against the test key of ``identity``; orders gets its credential for products from a
token endpoint issuing tokens with that key.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import AsyncExitStack, ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from router.authorization import Permissions
from router.gateway import Gateway, GatewayOptions, GraphQLRequest
from router.supergraph.reader import read_supergraph
from subgraphs.orders.app import create_app as create_orders_app
from subgraphs.orders.service_token import ClientCredentialsTokenSource
from subgraphs.products.app import create_app as create_products_app
from subgraphs.shared.db import Database
from subgraphs.shared.signing_keys import jwks
from subgraphs.shared.sql_counter import SqlStatementCounter
from subgraphs.shared.testing_tokens import ORDERS_SERVICE_SCOPE, ServiceClient, TestKeys
from subgraphs.users.app import create_app as create_users_app

from .identity import ADMIN, KEY, ORDERS_SECRET, principal

REPO_ROOT = Path(__file__).resolve().parents[2]
SUPERGRAPH_PATH = REPO_ROOT / "schema" / "supergraph.graphql"
SUBGRAPH_NAMES = ("users", "products", "orders")
PRODUCTS_IN_PROCESS_URL = "http://products.e2e/graphql"
TOKEN_IN_PROCESS_URL = "http://users.e2e/token"


def sqlite_url(folder: Path, subgraph: str) -> str:
    return f"sqlite+aiosqlite:///{folder / f'{subgraph}.sqlite3'}"


def e2e_keys(folder: Path) -> TestKeys:
    """The session's key, its JWKS written to ``folder``."""
    keys = TestKeys(KEY, folder / "jwks.json")
    if not keys.jwks_path.exists():
        keys.jwks_path.write_text(json.dumps(jwks([KEY])))
    return keys


def token_endpoint(keys: TestKeys) -> FastAPI:
    return keys.token_endpoint({"orders": ServiceClient(ORDERS_SECRET, ORDERS_SERVICE_SCOPE)})


def create_apps(folder: Path) -> dict[str, FastAPI]:
    """The three apps on SQLite files in ``folder``; orders calls products in-process with the
    credential an in-process token endpoint grants it."""
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
        ),
    }


async def seed_databases(folder: Path) -> None:
    """Creates and seeds the three databases in ``folder`` by starting and stopping the apps."""
    for app in create_apps(folder).values():
        async with app.router.lifespan_context(app):
            pass


def copy_databases(source: Path, target: Path) -> None:
    for subgraph in SUBGRAPH_NAMES:
        for suffix in ("", "-wal", "-shm"):
            file = source / f"{subgraph}.sqlite3{suffix}"
            if file.exists():
                shutil.copyfile(file, target / file.name)


@dataclass
class Stack:
    """A started stack: the subgraph apps and a gateway routing to them over ASGI."""

    apps: dict[str, FastAPI]
    gateway: Gateway

    async def execute(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        operation_name: str | None = None,
        headers: Mapping[str, str] | None = None,
        include_plan: bool = False,
    ) -> dict[str, Any]:
        request = GraphQLRequest(
            query, operation_name, dict(variables) if variables is not None else None
        )
        return await self.gateway.execute(
            request,
            subgraph_headers=headers,
            include_plan=include_plan,
            principal=principal(headers),
        )

    async def data(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """The response's data, failing when the response has errors."""
        response = await self.execute(query, variables, headers=headers)
        assert "errors" not in response, response
        data: dict[str, Any] = response["data"]
        return data

    def plan_text(self, query: str, headers: Mapping[str, str] | None = ADMIN) -> str:
        """The printed query plan of ``query`` (planned, not run) for the caller of
        ``headers`` (an admin by default: who may see everything)."""
        caller = principal(headers)
        index = self.gateway.supergraph.authorization
        permissions = Permissions(
            authenticated=caller.authenticated, scopes=caller.scopes & index.scopes
        )
        prepared = self.gateway.prepare(query, None, permissions=permissions)
        assert prepared.errors is None, prepared.errors
        text = prepared.plan_text
        assert text is not None
        return text

    def database(self, subgraph: str) -> Database:
        database = self.apps[subgraph].state.database
        assert isinstance(database, Database)
        return database

    @contextmanager
    def count_sql(self) -> Iterator[dict[str, SqlStatementCounter]]:
        """Statement counters on every subgraph's engine, by subgraph name."""
        counters = {name: SqlStatementCounter() for name in self.apps}
        with ExitStack() as stack:
            for name, counter in counters.items():
                stack.enter_context(counter.attached(self.database(name).engine))
            yield counters


@asynccontextmanager
async def running_stack(folder: Path) -> AsyncIterator[Stack]:
    """The apps on the databases in ``folder``, started, and a gateway over them."""
    apps = create_apps(folder)
    async with AsyncExitStack() as stack:
        for app in apps.values():
            await stack.enter_async_context(app.router.lifespan_context(app))
        options = GatewayOptions(
            subgraph_transports={name: httpx.ASGITransport(app=app) for name, app in apps.items()},
            expose_query_plan=True,
        )
        gateway = Gateway(read_supergraph(SUPERGRAPH_PATH.read_text(encoding="utf-8")), options)
        try:
            yield Stack(apps, gateway)
        finally:
            await gateway.aclose()

"""Subgraph apps on fresh databases: SQLite files in tmp_path, or PostgreSQL databases.

Seeding thousands of rows per test would dominate the run, so the seeded state is made once
per test module and per backend (through the apps' own start-up) and every test gets it
back: a copy of the seeded SQLite files, or, on PostgreSQL, the module's own databases with
every table restored from a snapshot schema. Tests that need empty databases (the seeding
itself) ask for `empty_database_urls`.

Every app of the session shares one key directory: the users apps sign tokens with its keys and
every subgraph verifies them against its jwks.json (the default `FEDRA_AUTH_JWKS`); `tokens`
signs tokens for tests directly.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import MetaData, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from subgraphs.orders.app import create_app as create_orders_app
from subgraphs.orders.models import metadata as orders_metadata
from subgraphs.orders.service_token import ClientCredentialsTokenSource
from subgraphs.products.app import create_app as create_products_app
from subgraphs.products.models import metadata as products_metadata
from subgraphs.shared.db import Database
from subgraphs.shared.identity import JWKS_ENV, KEYS_DIR_ENV
from subgraphs.shared.testing import SubgraphClient, serve_in_process
from subgraphs.shared.testing_tokens import ORDERS_SERVICE_SCOPE, ServiceClient, TestKeys
from subgraphs.users.app import create_app as create_users_app
from subgraphs.users.keys import KeyStore
from subgraphs.users.models import metadata as users_metadata
from subgraphs.users.settings import (
    ARGON2_MEMORY_KIB_ENV,
    ARGON2_TIME_COST_ENV,
    DATA_KEYS_ENV,
    LOOKUP_KEY_ENV,
    ORDERS_SECRET_ENV,
)

from .auth import TokenFactory

SUBGRAPHS = ("users", "products", "orders")
PRODUCTS_TEST_URL = "http://products.test/graphql"
TOKEN_TEST_URL = "http://users.test/token"
ORDERS_TEST_SECRET = "orders-test-secret"
BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session", autouse=True)
def auth_keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The session's key directory (development keys and secrets, generated on first start)."""
    directory = tmp_path_factory.mktemp("keys")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(KEYS_DIR_ENV, str(directory))
        for name in (JWKS_ENV, DATA_KEYS_ENV, LOOKUP_KEY_ENV, ORDERS_SECRET_ENV):
            patch.delenv(name, raising=False)
        # cheap password hashing keeps sign-in tests fast; production keeps argon2's defaults
        patch.setenv(ARGON2_TIME_COST_ENV, "1")
        patch.setenv(ARGON2_MEMORY_KIB_ENV, "8192")
        yield directory


@pytest.fixture
def tokens(auth_keys_dir: Path) -> TokenFactory:
    """Signs user and service tokens with the session's current signing key."""
    store = KeyStore(auth_keys_dir, retention=930)
    store.ensure()
    return TokenFactory(store)


@dataclass(frozen=True, slots=True)
class DatabaseUrls:
    users: str
    products: str
    orders: str
    # PostgreSQL module databases are shared by the module's tests: restore before use.
    restore_snapshot: bool = False


def sqlite_urls(folder: Path) -> DatabaseUrls:
    def url(name: str) -> str:
        return f"sqlite+aiosqlite:///{folder / f'{name}.sqlite3'}"

    return DatabaseUrls(users=url("users"), products=url("products"), orders=url("orders"))


async def seed_through_the_apps(urls: DatabaseUrls) -> None:
    for create_app, url in (
        (create_users_app, urls.users),
        (create_products_app, urls.products),
        (create_orders_app, urls.orders),
    ):
        async with serve_in_process(create_app(url)):
            pass


class PostgresDatabases:
    """Creates databases on the test server for one module and drops them all at its end."""

    def __init__(self, dsn: str, prefix: str) -> None:
        self._base = make_url(dsn)
        self._prefix = prefix
        self._numbers = itertools.count(1)
        self._created: list[str] = []

    def _url(self, name: str) -> str:
        return self._base.set(database=name).render_as_string(hide_password=False)

    def create(self) -> DatabaseUrls:
        number = next(self._numbers)
        names = {subgraph: f"{self._prefix}_{number}_{subgraph}" for subgraph in SUBGRAPHS}
        asyncio.run(self._run([f'CREATE DATABASE "{name}"' for name in names.values()]))
        self._created.extend(names.values())
        return DatabaseUrls(
            users=self._url(names["users"]),
            products=self._url(names["products"]),
            orders=self._url(names["orders"]),
        )

    def drop_all(self) -> None:
        asyncio.run(
            self._run([f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in self._created])
        )

    async def _run(self, statements: list[str]) -> None:
        engine = create_async_engine(self._base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            async with engine.connect() as connection:
                for statement in statements:
                    await connection.execute(text(statement))
        finally:
            await engine.dispose()


@pytest.fixture(scope="module")
def postgres_databases(
    request: pytest.FixtureRequest, postgres_dsn: str
) -> Iterator[PostgresDatabases]:
    module = re.sub(r"\W+", "_", request.module.__name__.rsplit(".", 1)[-1])[:20]
    databases = PostgresDatabases(postgres_dsn, f"fedra_{module}_{uuid.uuid4().hex[:8]}")
    try:
        yield databases
    finally:
        databases.drop_all()


@pytest.fixture(scope="module")
def postgres_seeded(postgres_databases: PostgresDatabases) -> DatabaseUrls:
    """The module's PostgreSQL databases, seeded, with a snapshot to restore before each test."""
    urls = postgres_databases.create()
    asyncio.run(seed_through_the_apps(urls))
    asyncio.run(_for_each_database(urls, _take_snapshot))
    return urls


SNAPSHOT_SCHEMA = "fedra_seed_snapshot"
METADATA: dict[str, MetaData] = {
    "users": users_metadata,
    "products": products_metadata,
    "orders": orders_metadata,
}


async def _for_each_database(
    urls: DatabaseUrls, action: Callable[[Database], Awaitable[None]]
) -> None:
    for subgraph in SUBGRAPHS:
        database = Database(getattr(urls, subgraph), METADATA[subgraph])
        try:
            await action(database)
        finally:
            await database.dispose()


async def _take_snapshot(database: Database) -> None:
    async with database.engine.begin() as connection:
        await connection.execute(text(f"CREATE SCHEMA {SNAPSHOT_SCHEMA}"))
        for table in database.metadata.sorted_tables:
            await connection.execute(
                text(f'CREATE TABLE {SNAPSHOT_SCHEMA}."{table.name}" AS TABLE "{table.name}"')
            )


async def restored(urls: DatabaseUrls, subgraph: str) -> str:
    """The subgraph's database URL, its seeded state restored first when it is shared."""
    url: str = getattr(urls, subgraph)
    if urls.restore_snapshot:
        database = Database(url, METADATA[subgraph])
        try:
            await _restore_snapshot(database)
        finally:
            await database.dispose()
    return url


async def _restore_snapshot(database: Database) -> None:
    await database.create_tables()  # a test may have dropped one
    tables = database.metadata.sorted_tables
    async with database.engine.begin() as connection:
        names = ", ".join(f'"{table.name}"' for table in tables)
        await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        for table in tables:
            await connection.execute(
                text(f'INSERT INTO "{table.name}" SELECT * FROM {SNAPSHOT_SCHEMA}."{table.name}"')
            )
    await database.sync_id_sequences()


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> DatabaseUrls:
    urls = sqlite_urls(tmp_path_factory.mktemp("seeded"))
    asyncio.run(seed_through_the_apps(urls))
    return urls


def copy_sqlite(template: DatabaseUrls, folder: Path) -> DatabaseUrls:
    copies = sqlite_urls(folder)
    for subgraph in SUBGRAPHS:
        source = Path(str(make_url(getattr(template, subgraph)).database))
        target = Path(str(make_url(getattr(copies, subgraph)).database))
        shutil.copyfile(source, target)
        for suffix in ("-wal", "-shm"):
            sidecar = source.with_name(source.name + suffix)
            if sidecar.exists():
                shutil.copyfile(sidecar, target.with_name(target.name + suffix))
    return copies


@pytest.fixture(params=BACKENDS)
def database_urls(request: pytest.FixtureRequest, tmp_path: Path) -> DatabaseUrls:
    """Seeded databases private to one test, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return copy_sqlite(request.getfixturevalue("sqlite_template"), tmp_path)
    seeded: DatabaseUrls = request.getfixturevalue("postgres_seeded")
    return replace(seeded, restore_snapshot=True)


@pytest.fixture(params=BACKENDS)
def empty_database_urls(request: pytest.FixtureRequest, tmp_path: Path) -> DatabaseUrls:
    """Empty databases private to one test, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return sqlite_urls(tmp_path)
    databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
    return databases.create()


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> TestKeys:
    """The test key set: its JWKS file verifies every app's callers, it signs their tokens."""
    return TestKeys.create(tmp_path_factory.mktemp("keys"))


ADMIN_ID = 100_000  # an admin who owns none of the seeded orders


@pytest.fixture
def admin(keys: TestKeys) -> dict[str, str]:
    """Request headers of an admin user's token."""
    return keys.user(ADMIN_ID, admin=True)


@pytest.fixture
def token_endpoint(keys: TestKeys) -> FastAPI:
    """A token endpoint granting the orders service its stock:reserve credential."""
    return keys.token_endpoint({"orders": ServiceClient(ORDERS_TEST_SECRET, ORDERS_SERVICE_SCOPE)})


def orders_service_tokens(
    token_endpoint: FastAPI, secret: str = ORDERS_TEST_SECRET
) -> ClientCredentialsTokenSource:
    return ClientCredentialsTokenSource(
        TOKEN_TEST_URL, secret=lambda: secret, transport=httpx.ASGITransport(app=token_endpoint)
    )


@pytest.fixture
async def users(database_urls: DatabaseUrls) -> AsyncIterator[SubgraphClient]:
    async with serve_in_process(create_users_app(await restored(database_urls, "users"))) as client:
        yield client


@pytest.fixture
async def products(database_urls: DatabaseUrls, keys: TestKeys) -> AsyncIterator[SubgraphClient]:
    async with serve_in_process(
        create_products_app(await restored(database_urls, "products"), verifier=keys.verifier())
    ) as client:
        yield client


@pytest.fixture
async def orders(
    database_urls: DatabaseUrls, products: SubgraphClient, keys: TestKeys, token_endpoint: FastAPI
) -> AsyncIterator[SubgraphClient]:
    """The orders app, calling the real products app of this test in-process with the
    credential it gets from a real token endpoint."""
    app = create_orders_app(
        await restored(database_urls, "orders"),
        products_url=PRODUCTS_TEST_URL,
        products_transport=httpx.ASGITransport(app=products.app),
        service_tokens=orders_service_tokens(token_endpoint),
        verifier=keys.verifier(),
    )
    async with serve_in_process(app) as client:
        yield client

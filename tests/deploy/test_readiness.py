"""GET /ready of the subgraphs: the database answers and, under migrations, is at the head
revision; a subgraph on migrations refuses to start on a database behind its code."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text

from subgraphs.products.app import create_app as create_products_app
from subgraphs.products.models import metadata as products_metadata
from subgraphs.shared.db import Database
from subgraphs.shared.migrations import MIGRATIONS_ENV, head_revisions, upgrade
from subgraphs.shared.readiness import Readiness, SchemaNotCurrentError
from subgraphs.shared.testing import serve_in_process
from tests.deploy.conftest import FreshDatabases


async def test_development_on_sqlite_creates_tables_and_is_ready(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(MIGRATIONS_ENV, raising=False)
    app = create_products_app(f"sqlite+aiosqlite:///{tmp_path / 'products.sqlite3'}")
    async with serve_in_process(app) as subgraph:
        response = await subgraph.http.get("/ready")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "subgraph": "products"}
        assert (await subgraph.http.get("/health")).status_code == 200


async def test_an_unreachable_database_is_not_ready() -> None:
    database = Database("postgresql+asyncpg://nobody:x@127.0.0.1:9/none", products_metadata)
    try:
        report = await Readiness("products", database, 2.0, migrations=False).check()
    finally:
        await database.dispose()
    assert not report.ready
    assert report.reason is not None and report.reason.startswith("database unreachable")


@pytest.mark.postgres
async def test_a_subgraph_on_migrations_serves_only_a_migrated_database(
    fresh_databases: FreshDatabases, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MIGRATIONS_ENV, "1")
    url = await asyncio.to_thread(fresh_databases.create, "ready_products")
    with pytest.raises(SchemaNotCurrentError, match="migrate products"):
        async with serve_in_process(create_products_app(url)):
            pass

    await asyncio.to_thread(upgrade, "products", url)
    (head,) = head_revisions("products")
    async with serve_in_process(create_products_app(url)) as subgraph:
        ready = await subgraph.http.get("/ready")
        assert ready.status_code == 200
        assert ready.json()["schema"] == {"state": "at_head", "current": [head], "head": [head]}
        seeded = await subgraph.http.post("/graphql", json={"query": "{ __typename }"})
        assert seeded.status_code == 200

        async with subgraph.database.engine.begin() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = 'zz_newer'"))
        ahead = await subgraph.http.get("/ready")
        assert ahead.status_code == 200
        assert ahead.json()["schema"]["state"] == "ahead"

        async with subgraph.database.engine.begin() as connection:
            await connection.execute(text("DELETE FROM alembic_version"))
        behind = await subgraph.http.get("/ready")
        assert behind.status_code == 503
        assert behind.json()["status"] == "fail"
        assert behind.json()["reason"].startswith("migrations pending: database at revision none")
        assert (await subgraph.http.get("/health")).status_code == 200

"""Alembic migrations on the real PostgreSQL server: up, down, up again per subgraph, each on its
own fresh database, and no difference between the models and the latest revision. A model
change without a migration fails `test_models_match_the_latest_migration`: add a revision with
`python -m subgraphs.shared.migrate <name> revision -m ...` (README, "Production")."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, MetaData, inspect
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from subgraphs.orders.models import metadata as orders_metadata
from subgraphs.products.models import metadata as products_metadata
from subgraphs.shared.migrations import (
    SUBGRAPH_NAMES,
    SchemaState,
    downgrade,
    head_revisions,
    schema_status,
    upgrade,
)
from subgraphs.users.models import metadata as users_metadata
from tests.deploy.conftest import FreshDatabases
from tests.server.stack import REPO_ROOT

pytestmark = pytest.mark.postgres

METADATA: dict[str, MetaData] = {
    "users": users_metadata,
    "products": products_metadata,
    "orders": orders_metadata,
}
VERSION_TABLE = "alembic_version"


def run_on(url: str, work: Any, *args: Any) -> Any:
    async def go() -> Any:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(work, *args)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def model_differences(connection: Connection, metadata: MetaData) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


def status(url: str, subgraph: str) -> SchemaState:
    async def go() -> SchemaState:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            return (await schema_status(engine, subgraph)).state
        finally:
            await engine.dispose()

    return asyncio.run(go())


def test_every_subgraph_has_one_head() -> None:
    for subgraph in SUBGRAPH_NAMES:
        assert len(head_revisions(subgraph)) == 1, f"{subgraph}: several heads, merge them"


@pytest.mark.parametrize("subgraph", SUBGRAPH_NAMES)
def test_migrations_run_up_down_and_up_again(
    subgraph: str, fresh_databases: FreshDatabases
) -> None:
    url = fresh_databases.create(f"updown_{subgraph}")
    expected = set(METADATA[subgraph].tables)
    assert status(url, subgraph) is SchemaState.UNVERSIONED

    upgrade(subgraph, url)
    assert run_on(url, table_names) == expected | {VERSION_TABLE}
    assert status(url, subgraph) is SchemaState.AT_HEAD

    downgrade(subgraph, url)
    assert run_on(url, table_names) == {VERSION_TABLE}
    assert status(url, subgraph) is SchemaState.UNVERSIONED

    upgrade(subgraph, url)
    assert run_on(url, table_names) == expected | {VERSION_TABLE}
    assert run_on(url, model_differences, METADATA[subgraph]) == []


@pytest.mark.parametrize("subgraph", SUBGRAPH_NAMES)
def test_models_match_the_latest_migration(subgraph: str, fresh_databases: FreshDatabases) -> None:
    url = fresh_databases.create(f"models_{subgraph}")
    upgrade(subgraph, url)
    differences = run_on(url, model_differences, METADATA[subgraph])
    assert differences == [], (
        f"subgraphs/{subgraph}/models.py differs from its latest migration; add a revision "
        f"in subgraphs/{subgraph}/migrations/versions: {differences}"
    )


def test_a_model_change_without_a_migration_is_seen(fresh_databases: FreshDatabases) -> None:
    """The comparison above can fail: a column the migrations do not have is reported."""
    from sqlalchemy import Column, Integer, Table

    url = fresh_databases.create("drift_products")
    upgrade("products", url)
    changed = MetaData()
    for table in products_metadata.tables.values():
        table.to_metadata(changed)
    Table("products", changed, Column("shelf", Integer), extend_existing=True)
    differences = run_on(url, model_differences, changed)
    assert [(d[0], d[3].name) for d in differences] == [("add_column", "shelf")]


def migrate(subgraph: str, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "subgraphs.shared.migrate", subgraph, *args, "--wait", "5"],
        cwd=REPO_ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_migrate_command_upgrades_and_reports(fresh_databases: FreshDatabases) -> None:
    url = fresh_databases.create("command_orders")
    before = migrate("orders", url, "status")
    assert before.returncode == 1
    assert "orders: unversioned" in before.stdout
    assert migrate("orders", url).returncode == 0
    after = migrate("orders", url, "status")
    assert after.returncode == 0, after.stderr
    assert f"orders: at_head (database at revision {head_revisions('orders')[0]}" in after.stdout
    assert migrate("orders", url, "downgrade").returncode == 0
    assert run_on(url, table_names) == {VERSION_TABLE}


def test_the_migrate_command_reports_an_unreachable_database() -> None:
    result = migrate("users", "postgresql+asyncpg://nobody:x@127.0.0.1:9/none", "--wait", "0")
    assert result.returncode == 1
    assert "migrate users: database unreachable" in result.stderr


def test_instances_migrating_at_once_take_turns(fresh_databases: FreshDatabases) -> None:
    """Several replicas' init containers run `migrate` together: every one succeeds."""
    url = fresh_databases.create("concurrent_products")
    commands = [
        subprocess.Popen(
            [sys.executable, "-m", "subgraphs.shared.migrate", "products", "--wait", "5"],
            cwd=REPO_ROOT,
            env={**os.environ, "DATABASE_URL": url},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outcomes = [(command.wait(timeout=120), command.communicate()[1]) for command in commands]
    assert [code for code, _ in outcomes] == [0, 0, 0], outcomes
    assert status(url, "products") is SchemaState.AT_HEAD
    assert run_on(url, model_differences, products_metadata) == []

"""Fresh PostgreSQL databases for the migration tests, one per call, dropped at the module's end."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool


class FreshDatabases:
    def __init__(self, dsn: str, prefix: str) -> None:
        self._base = make_url(dsn)
        self._prefix = prefix
        self._numbers = itertools.count(1)
        self._created: list[str] = []

    def create(self, label: str) -> str:
        """A new empty database; its SQLAlchemy async URL."""
        name = f"{self._prefix}_{next(self._numbers)}_{label}"
        asyncio.run(self._run([f'CREATE DATABASE "{name}"']))
        self._created.append(name)
        return self._base.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        statements = [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in self._created]
        asyncio.run(self._run(statements))

    async def _run(self, statements: list[str]) -> None:
        engine = create_async_engine(self._base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            async with engine.connect() as connection:
                for statement in statements:
                    await connection.execute(text(statement))
        finally:
            await engine.dispose()


@pytest.fixture(scope="module")
def fresh_databases(postgres_dsn: str) -> Iterator[FreshDatabases]:
    databases = FreshDatabases(postgres_dsn, f"fedra_deploy_{uuid.uuid4().hex[:8]}")
    try:
        yield databases
    finally:
        databases.drop_all()

"""Database access for one subgraph: the engine, sessions and table creation."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Integer, MetaData, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


def default_sqlite_url(subgraph_name: str) -> str:
    """The SQLite file used when `DATABASE_URL` is not set: `var/<name>.sqlite3`."""
    var_dir = REPO_ROOT / "var"
    var_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{var_dir / f'{subgraph_name}.sqlite3'}"


def resolve_database_url(subgraph_name: str, database_url: str | None) -> str:
    """An explicit URL wins, then the `DATABASE_URL` environment variable, then SQLite."""
    if database_url:
        return database_url
    from_env = os.environ.get("DATABASE_URL")
    if from_env:
        return from_env
    return default_sqlite_url(subgraph_name)


class Database:
    """One subgraph's database: an async engine, its session factory and its tables."""

    def __init__(self, url: str, metadata: MetaData) -> None:
        self.url = url
        self.metadata = metadata
        self.engine: AsyncEngine = _create_engine(url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect_name(self) -> str:
        return self.engine.dialect.name

    async def create_tables(self) -> None:
        async with self.engine.begin() as connection:
            await connection.run_sync(self.metadata.create_all)

    async def drop_tables(self) -> None:
        async with self.engine.begin() as connection:
            await connection.run_sync(self.metadata.drop_all)

    def session(self) -> AsyncSession:
        return self.sessions()

    async def sync_id_sequences(self) -> None:
        """Move PostgreSQL id sequences past rows inserted with explicit ids (seed data)."""
        if self.dialect_name != "postgresql":
            return
        async with self.engine.begin() as connection:
            for table in self.metadata.sorted_tables:
                id_column = table.columns.get("id")
                if id_column is None or not isinstance(id_column.type, Integer):
                    continue
                await connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                    )
                )

    async def dispose(self) -> None:
        await self.engine.dispose()


def _create_engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        # WAL lets readers run beside a writer; the timeout waits out a busy writer.
        engine = create_async_engine(url, connect_args={"timeout": 30})
        _enable_sqlite_pragmas(engine)
        return engine
    return create_async_engine(url, pool_pre_ping=True)


def _enable_sqlite_pragmas(engine: AsyncEngine) -> None:
    from sqlalchemy import event

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: object, _record: object) -> None:
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

"""What every subgraph's Alembic ``env.py`` runs: migrations on an async engine.

The database is the one the Alembic configuration carries (``alembic_config``), else
``DATABASE_URL`` (else the subgraph's development SQLite file), like the app itself. On
PostgreSQL a transaction-scoped advisory lock serialises instances migrating at once (several
replicas' init containers): the later ones find the database at head and do nothing.
"""

from __future__ import annotations

import asyncio
import zlib

from alembic import context
from sqlalchemy import Connection, MetaData, pool, text
from sqlalchemy.ext.asyncio import create_async_engine

from .db import resolve_database_url


def run_migrations(subgraph: str, metadata: MetaData) -> None:
    config = context.config
    url = config.attributes.get("database_url") or resolve_database_url(subgraph, None)
    if context.is_offline_mode():
        context.configure(
            url=url,
            target_metadata=metadata,
            literal_binds=True,
            render_as_batch=url.startswith("sqlite"),
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_online(url, metadata, subgraph))


async def _run_online(url: str, metadata: MetaData, subgraph: str) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_on_connection, metadata, subgraph)
    finally:
        await engine.dispose()


def migration_lock_key(subgraph: str) -> int:
    """The advisory lock of `subgraph`'s migrations (a stable signed 32-bit number)."""
    return zlib.crc32(f"fedra-migrations:{subgraph}".encode()) - 2**31


def _run_on_connection(connection: Connection, metadata: MetaData, subgraph: str) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": migration_lock_key(subgraph)}
        )
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    if connection.in_transaction():
        connection.commit()

"""Alembic migrations of one subgraph's database: where they live, running them, their state.

Each subgraph keeps its revisions in ``subgraphs/<name>/migrations/`` (an ``env.py`` on an async
engine, reading ``DATABASE_URL``). Development on SQLite creates the tables directly; with
``FEDRA_DATABASE_MIGRATIONS=1`` (the containers) the tables come from the migrations only, and a
subgraph is ready once its database is at the head revision its code knows.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

SUBGRAPHS_DIR = Path(__file__).resolve().parents[1]
SUBGRAPH_NAMES = ("users", "products", "orders")
MIGRATIONS_ENV = "FEDRA_DATABASE_MIGRATIONS"


def migrations_enabled() -> bool:
    """Whether the schema is managed by migrations (``FEDRA_DATABASE_MIGRATIONS`` = 1/true)."""
    return os.environ.get(MIGRATIONS_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def migrations_dir(subgraph: str) -> Path:
    if subgraph not in SUBGRAPH_NAMES:
        raise ValueError(f"unknown subgraph {subgraph!r}; one of {', '.join(SUBGRAPH_NAMES)}")
    return SUBGRAPHS_DIR / subgraph / "migrations"


def alembic_config(subgraph: str, database_url: str) -> Config:
    """An Alembic configuration of `subgraph`'s migrations on `database_url` (no alembic.ini)."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir(subgraph)))
    config.attributes["database_url"] = database_url
    return config


@cache
def head_revisions(subgraph: str) -> tuple[str, ...]:
    script = ScriptDirectory(str(migrations_dir(subgraph)))
    return tuple(sorted(script.get_heads()))


@cache
def known_revisions(subgraph: str) -> frozenset[str]:
    script = ScriptDirectory(str(migrations_dir(subgraph)))
    return frozenset(revision.revision for revision in script.walk_revisions())


def upgrade(subgraph: str, database_url: str, revision: str = "head") -> None:
    """Apply the pending migrations up to `revision` (a blocking call: it runs its own loop)."""
    command.upgrade(alembic_config(subgraph, database_url), revision)


def downgrade(subgraph: str, database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(subgraph, database_url), revision)


def new_revision(subgraph: str, database_url: str, message: str) -> Path:
    """Autogenerate `<subgraph>_<NNNN>_<slug>.py` from the models against `database_url`."""
    number = len(known_revisions(subgraph)) + 1
    script = command.revision(
        alembic_config(subgraph, database_url),
        message=message,
        autogenerate=True,
        rev_id=f"{subgraph}_{number:04d}",
    )
    known_revisions.cache_clear()
    head_revisions.cache_clear()
    if script is None or isinstance(script, list):
        raise RuntimeError(f"{subgraph}: no single revision written")
    return Path(script.path)


class SchemaState(enum.StrEnum):
    AT_HEAD = "at_head"
    # A revision this code does not know: a newer release migrated (expand-only) ahead of it.
    AHEAD = "ahead"
    BEHIND = "behind"  # pending migrations
    UNVERSIONED = "unversioned"  # no revision recorded: nothing migrated yet


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    state: SchemaState
    current: tuple[str, ...]
    head: tuple[str, ...]

    @property
    def serving(self) -> bool:
        """Whether this code can serve the database: at its head, or ahead of it."""
        return self.state in (SchemaState.AT_HEAD, SchemaState.AHEAD)

    def describe(self) -> str:
        current = ", ".join(self.current) or "none"
        return f"database at revision {current}, code at {', '.join(self.head)}"


def schema_status_of(connection: Connection, subgraph: str) -> SchemaStatus:
    """`connection`'s database compared with `subgraph`'s migration head."""
    current = tuple(sorted(MigrationContext.configure(connection).get_current_heads()))
    head = head_revisions(subgraph)
    if not current:
        state = SchemaState.UNVERSIONED
    elif current == head:
        state = SchemaState.AT_HEAD
    elif set(current) - known_revisions(subgraph):
        state = SchemaState.AHEAD
    else:
        state = SchemaState.BEHIND
    return SchemaStatus(state, current, head)


async def schema_status(engine: AsyncEngine, subgraph: str) -> SchemaStatus:
    async with engine.connect() as connection:
        return await connection.run_sync(schema_status_of, subgraph)

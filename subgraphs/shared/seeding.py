"""Bulk-inserts a subgraph's seed rows when its database is empty."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, func, select

from .db import Database

SeedRows = Sequence[tuple[Table, Sequence[Mapping[str, Any]]]]


async def seed_if_empty(database: Database, probe: Table, rows: SeedRows) -> bool:
    """Inserts `rows` (table by table, in order) in one transaction if `probe` is empty.

    Returns whether it inserted anything.
    """
    async with database.engine.begin() as connection:
        existing = (await connection.execute(select(func.count()).select_from(probe))).scalar_one()
        if existing:
            return False
        for table, table_rows in rows:
            if table_rows:
                await connection.execute(table.insert(), list(table_rows))
    await database.sync_id_sequences()
    return True


def table_of(model: type[Any]) -> Table:
    """The Core table behind a declarative model class."""
    table = model.__table__
    assert isinstance(table, Table)
    return table

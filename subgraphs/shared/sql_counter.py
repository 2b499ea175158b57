"""Counts the SQL statements an engine sends, so tests can prove there is no N+1."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

_TABLE_AFTER_FROM = re.compile(r"\bFROM\s+\"?(\w+)\"?", re.IGNORECASE)


class SqlStatementCounter:
    """Records every statement sent through an engine while it is attached."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def _record(
        self,
        _connection: Any,
        _cursor: Any,
        statement: str,
        _parameters: Any,
        _context: Any,
        _executemany: bool,
    ) -> None:
        self.statements.append(statement)

    @contextmanager
    def attached(self, engine: AsyncEngine | Engine) -> Iterator[SqlStatementCounter]:
        sync_engine = engine.sync_engine if isinstance(engine, AsyncEngine) else engine
        event.listen(sync_engine, "before_cursor_execute", self._record)
        try:
            yield self
        finally:
            event.remove(sync_engine, "before_cursor_execute", self._record)

    def reset(self) -> None:
        self.statements.clear()

    def selects(self, table: str | None = None) -> list[str]:
        """SELECT statements, optionally only those whose first FROM names `table`."""
        found = []
        for statement in self.statements:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            if table is not None:
                match = _TABLE_AFTER_FROM.search(statement)
                if match is None or match.group(1) != table:
                    continue
            found.append(statement)
        return found

    def writes(self) -> list[str]:
        return [
            statement
            for statement in self.statements
            if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        ]

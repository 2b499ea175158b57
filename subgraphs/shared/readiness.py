"""A subgraph's readiness: its database answers and, under migrations, is at the head revision."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .db import Database
from .migrations import SchemaStatus, schema_status

READY_TIMEOUT_ENV = "FEDRA_READY_TIMEOUT_SECONDS"
DEFAULT_READY_TIMEOUT = 2.0


def ready_timeout_from_env() -> float:
    """Seconds one readiness check may take (``FEDRA_READY_TIMEOUT_SECONDS``, default 2)."""
    raw = os.environ.get(READY_TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_READY_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{READY_TIMEOUT_ENV} must be a number of seconds, got {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{READY_TIMEOUT_ENV} must be positive, got {raw!r}")
    return value


class SchemaNotCurrentError(RuntimeError):
    """The database is behind the migrations this code needs."""


@dataclass(frozen=True, slots=True)
class ReadinessReport:
    ready: bool
    reason: str | None = None
    schema: SchemaStatus | None = None

    def body(self, subgraph: str) -> dict[str, Any]:
        body: dict[str, Any] = {"status": "ok" if self.ready else "fail", "subgraph": subgraph}
        if self.reason is not None:
            body["reason"] = self.reason
        if self.schema is not None:
            body["schema"] = {
                "state": self.schema.state.value,
                "current": list(self.schema.current),
                "head": list(self.schema.head),
            }
        return body


class Readiness:
    def __init__(
        self, subgraph: str, database: Database, timeout: float, *, migrations: bool
    ) -> None:
        self.subgraph = subgraph
        self.database = database
        self.timeout = timeout
        self.migrations = migrations

    async def check(self) -> ReadinessReport:
        try:
            async with asyncio.timeout(self.timeout):
                return await self._check()
        except TimeoutError:
            return ReadinessReport(False, f"database did not answer within {self.timeout:g} s")
        except (SQLAlchemyError, OSError) as error:
            return ReadinessReport(False, f"database unreachable: {type(error).__name__}")

    async def _check(self) -> ReadinessReport:
        if not self.migrations:
            async with self.database.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return ReadinessReport(True)
        status = await schema_status(self.database.engine, self.subgraph)
        if status.serving:
            return ReadinessReport(True, schema=status)
        return ReadinessReport(False, f"migrations pending: {status.describe()}", status)

    async def require_current_schema(self) -> None:
        """Raise unless the database is at (or ahead of) this code's head revision."""
        status = await schema_status(self.database.engine, self.subgraph)
        if not status.serving:
            raise SchemaNotCurrentError(
                f"{self.subgraph}: {status.describe()}; run "
                f"`python -m subgraphs.shared.migrate {self.subgraph}` first"
            )

"""The registry's state in SQL (SQLAlchemy async): SQLite by default, PostgreSQL for several
replicas.

Every change of the supergraph or of an instance set starts by updating the single
``registry_state`` row: on PostgreSQL that takes its row lock, on SQLite the database's write
lock, so publishes from any number of replicas are serialised and versions never collide.
``generation`` changes with every such change; routers' ETags are made of it.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

metadata = MetaData()

registry_state = Table(
    "registry_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),  # the current supergraph version, 0: none
    Column("generation", Integer, nullable=False),
)
subgraphs = Table(
    "registry_subgraphs",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("sdl", Text, nullable=False),
    Column("routing_url", Text, nullable=False),
    Column("version_label", String(200)),  # the subgraph's own version, as published
    Column("author", String(200)),
    Column("updated_at", Float, nullable=False),
)
versions = Table(
    "registry_supergraph_versions",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("sdl", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("author", String(200)),
    Column("subgraph", String(200), nullable=False),
    Column("summary", Text, nullable=False),
    Column("changes", Text, nullable=False),  # JSON list of {severity, code, message}
    Column("sdl_diff", Text, nullable=False),  # unified diff from the previous version
)
instances = Table(
    "registry_instances",
    metadata,
    Column("subgraph", String(200), primary_key=True),
    Column("instance_id", String(200), primary_key=True),
    Column("url", Text, nullable=False),
    Column("version_label", String(200)),
    Column("registered_at", Float, nullable=False),
    Column("heard_at", Float, nullable=False),  # last publish or heartbeat
    Column("healthy", Boolean, nullable=False),
    Column("failures", Integer, nullable=False),  # failed health checks in a row
    Column("checked_at", Float),
    Column("check_output", Text),
)
checks = Table(
    "registry_checks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", Float, nullable=False),
    Column("subgraph", String(200), nullable=False),
    Column("author", String(200)),
    Column("accepted", Boolean, nullable=False),
    Column("supergraph_version", Integer),  # the version it produced, or kept
    Column("result", Text, nullable=False),  # JSON of CheckResult.as_dict()
)
operations = Table(
    "registry_operations",
    metadata,
    Column("hash", String(200), primary_key=True),
    Column("name", String(500)),
    Column("coordinates", Text, nullable=False),  # JSON list
    Column("last_seen", Float, nullable=False),
)
operation_counts = Table(
    "registry_operation_counts",
    metadata,
    Column("hash", String(200), primary_key=True),
    Column("day", Integer, primary_key=True),  # days since the epoch (UTC)
    Column("count", Integer, nullable=False),
)

DAY_SECONDS = 86_400.0


def iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


@dataclass(frozen=True, slots=True)
class SubgraphRecord:
    name: str
    sdl: str
    routing_url: str
    version_label: str | None
    author: str | None
    updated_at: float


@dataclass(frozen=True, slots=True)
class InstanceRecord:
    subgraph: str
    instance_id: str
    url: str
    version_label: str | None
    registered_at: float
    heard_at: float
    healthy: bool
    failures: int
    checked_at: float | None
    check_output: str | None


@dataclass(frozen=True, slots=True)
class VersionRecord:
    version: int
    sdl: str
    created_at: float
    author: str | None
    subgraph: str
    summary: str
    changes: list[dict[str, Any]]
    sdl_diff: str


@dataclass(frozen=True, slots=True)
class CheckRecord:
    id: int
    created_at: float
    subgraph: str
    author: str | None
    accepted: bool
    supergraph_version: int | None
    result: dict[str, Any]


@dataclass(frozen=True, slots=True)
class UsageRecord:
    hash: str
    name: str | None
    coordinates: tuple[str, ...]
    last_seen: float
    count: int  # within the window asked for


@dataclass(frozen=True, slots=True)
class ReportedOperation:
    hash: str
    name: str | None
    count: int
    last_seen: float
    coordinates: tuple[str, ...]


def _engine(url: str) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        return create_async_engine(url, connect_args={"timeout": 30})
    return create_async_engine(url, pool_pre_ping=True)


class RegistryStore:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _engine(url)

    async def create(self) -> None:
        """Create the tables and the state row (idempotent, safe from several replicas: on
        PostgreSQL replicas starting together wait for each other on an advisory lock)."""
        async with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                await connection.execute(text("SELECT pg_advisory_xact_lock(4100412)"))
            await connection.run_sync(metadata.create_all)
            existing = await connection.scalar(select(func.count()).select_from(registry_state))
            if not existing:
                await connection.execute(
                    insert(registry_state).values(id=1, version=0, generation=0)
                )

    async def dispose(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def locked(self) -> AsyncIterator[AsyncConnection]:
        """A transaction holding the registry's write lock (the state row)."""
        async with self.engine.begin() as connection:
            await connection.execute(
                update(registry_state)
                .where(registry_state.c.id == 1)
                .values(generation=registry_state.c.generation)
            )
            yield connection

    # --- reads ---------------------------------------------------------------------------

    async def state_token(self) -> tuple[int, int]:
        """(version, generation): changes whenever what routers read changes."""
        async with self.engine.connect() as connection:
            return await self._state_token(connection)

    @staticmethod
    async def _state_token(connection: AsyncConnection) -> tuple[int, int]:
        row = (
            await connection.execute(
                select(registry_state.c.version, registry_state.c.generation).where(
                    registry_state.c.id == 1
                )
            )
        ).one()
        return int(row.version), int(row.generation)

    async def subgraphs(self, connection: AsyncConnection | None = None) -> list[SubgraphRecord]:
        async with self._connection(connection) as conn:
            rows = await conn.execute(select(subgraphs).order_by(subgraphs.c.name))
            return [SubgraphRecord(**row._asdict()) for row in rows]

    async def instances(
        self, connection: AsyncConnection | None = None, subgraph: str | None = None
    ) -> list[InstanceRecord]:
        query = select(instances).order_by(instances.c.subgraph, instances.c.instance_id)
        if subgraph is not None:
            query = query.where(instances.c.subgraph == subgraph)
        async with self._connection(connection) as conn:
            return [InstanceRecord(**row._asdict()) for row in await conn.execute(query)]

    async def version(
        self, number: int | None = None, connection: AsyncConnection | None = None
    ) -> VersionRecord | None:
        """Version ``number``, or the current one."""
        async with self._connection(connection) as conn:
            if number is None:
                number, _ = await self._state_token(conn)
            row = (await conn.execute(select(versions).where(versions.c.version == number))).first()
            return _version(row._asdict()) if row is not None else None

    async def versions(self, limit: int) -> list[VersionRecord]:
        async with self.engine.connect() as conn:
            query = select(versions).order_by(versions.c.version.desc()).limit(limit)
            return [_version(row._asdict()) for row in await conn.execute(query)]

    async def checks(self, limit: int) -> list[CheckRecord]:
        async with self.engine.connect() as conn:
            query = select(checks).order_by(checks.c.id.desc()).limit(limit)
            return [
                CheckRecord(**{**row._asdict(), "result": orjson.loads(row.result)})
                for row in await conn.execute(query)
            ]

    async def usage_since(
        self, since: float, connection: AsyncConnection | None = None
    ) -> list[UsageRecord]:
        """The operations seen since ``since``, with their counts from that day on."""
        day = int(since // DAY_SECONDS)
        counted = (
            select(operation_counts.c.hash, func.sum(operation_counts.c.count).label("total"))
            .where(operation_counts.c.day >= day)
            .group_by(operation_counts.c.hash)
            .subquery()
        )
        query = (
            select(operations, counted.c.total)
            .join(counted, counted.c.hash == operations.c.hash)
            .where(operations.c.last_seen >= since)
        )
        async with self._connection(connection) as conn:
            return [
                UsageRecord(
                    row.hash,
                    row.name,
                    tuple(orjson.loads(row.coordinates)),
                    float(row.last_seen),
                    int(row.total or 0),
                )
                for row in await conn.execute(query)
            ]

    @asynccontextmanager
    async def _connection(self, given: AsyncConnection | None) -> AsyncIterator[AsyncConnection]:
        if given is not None:
            yield given
            return
        async with self.engine.connect() as connection:
            yield connection

    # --- writes (inside ``locked()``) ------------------------------------------------------

    @staticmethod
    async def bump_generation(connection: AsyncConnection, version: int | None = None) -> None:
        values: dict[str, Any] = {"generation": registry_state.c.generation + 1}
        if version is not None:
            values["version"] = version
        await connection.execute(
            update(registry_state).where(registry_state.c.id == 1).values(**values)
        )

    @staticmethod
    async def current_version(connection: AsyncConnection) -> int:
        version, _ = await RegistryStore._state_token(connection)
        return version

    @staticmethod
    async def save_subgraph(connection: AsyncConnection, record: SubgraphRecord) -> None:
        await connection.execute(delete(subgraphs).where(subgraphs.c.name == record.name))
        await connection.execute(insert(subgraphs).values(**_fields(record)))

    @staticmethod
    async def add_version(connection: AsyncConnection, record: VersionRecord) -> None:
        values = _fields(record)
        values["changes"] = orjson.dumps(record.changes).decode()
        await connection.execute(insert(versions).values(**values))
        await RegistryStore.bump_generation(connection, record.version)

    @staticmethod
    async def add_check(
        connection: AsyncConnection,
        *,
        subgraph: str,
        author: str | None,
        accepted: bool,
        supergraph_version: int | None,
        result: dict[str, Any],
    ) -> int:
        inserted = await connection.execute(
            insert(checks)
            .values(
                created_at=time.time(),
                subgraph=subgraph,
                author=author,
                accepted=accepted,
                supergraph_version=supergraph_version,
                result=orjson.dumps(result).decode(),
            )
            .returning(checks.c.id)
        )
        return int(inserted.scalar_one())

    @staticmethod
    async def upsert_instance(
        connection: AsyncConnection,
        subgraph: str,
        instance_id: str,
        url: str,
        version_label: str | None,
    ) -> bool:
        """Register or refresh an instance; True when the instance set changed (a new
        instance, a new URL or one that was unhealthy)."""
        now = time.time()
        key = (instances.c.subgraph == subgraph) & (instances.c.instance_id == instance_id)
        row = (await connection.execute(select(instances).where(key))).first()
        if row is None:
            await connection.execute(
                insert(instances).values(
                    subgraph=subgraph,
                    instance_id=instance_id,
                    url=url,
                    version_label=version_label,
                    registered_at=now,
                    heard_at=now,
                    healthy=True,
                    failures=0,
                )
            )
            return True
        values: dict[str, Any] = {"heard_at": now, "url": url}
        if version_label is not None:
            values["version_label"] = version_label
        await connection.execute(update(instances).where(key).values(**values))
        return bool(row.url != url)

    async def heartbeat(self, subgraph: str, instance_id: str, url: str) -> bool:
        """Refresh an instance (re-registering it when it was dropped); False when the
        subgraph is unknown."""
        async with self.engine.begin() as connection:
            known = await connection.scalar(
                select(func.count()).select_from(subgraphs).where(subgraphs.c.name == subgraph)
            )
            if not known:
                return False
            key = (instances.c.subgraph == subgraph) & (instances.c.instance_id == instance_id)
            updated = await connection.execute(
                update(instances).where(key & (instances.c.url == url)).values(heard_at=time.time())
            )
            if updated.rowcount:
                return True
        async with self.locked() as connection:
            if await self.upsert_instance(connection, subgraph, instance_id, url, None):
                await self.bump_generation(connection)
        return True

    async def remove_instance(self, subgraph: str, instance_id: str) -> bool:
        async with self.locked() as connection:
            removed = await connection.execute(
                delete(instances).where(
                    (instances.c.subgraph == subgraph) & (instances.c.instance_id == instance_id)
                )
            )
            if removed.rowcount:
                await self.bump_generation(connection)
                return True
            return False

    async def record_health(
        self, instance: InstanceRecord, passed: bool, output: str, failures_before_drop: int
    ) -> str:
        """Store one health check's outcome: "kept", "changed" (health flipped) or "dropped"."""
        key = (instances.c.subgraph == instance.subgraph) & (
            instances.c.instance_id == instance.instance_id
        )
        failures = 0 if passed else instance.failures + 1
        if passed == instance.healthy and failures < failures_before_drop:
            async with self.engine.begin() as connection:
                await connection.execute(
                    update(instances)
                    .where(key)
                    .values(failures=failures, checked_at=time.time(), check_output=output)
                )
            return "kept"
        async with self.locked() as connection:
            if failures >= failures_before_drop:
                await connection.execute(delete(instances).where(key))
                outcome = "dropped"
            else:
                await connection.execute(
                    update(instances)
                    .where(key)
                    .values(
                        healthy=passed,
                        failures=failures,
                        checked_at=time.time(),
                        check_output=output,
                    )
                )
                outcome = "changed"
            await self.bump_generation(connection)
        return outcome

    async def drop_silent(self, older_than: float) -> list[InstanceRecord]:
        """Drop the instances not heard from since ``older_than``."""
        silent = [i for i in await self.instances() if i.heard_at < older_than]
        if not silent:
            return []
        async with self.locked() as connection:
            removed = await connection.execute(
                delete(instances).where(instances.c.heard_at < older_than)
            )
            if removed.rowcount:
                await self.bump_generation(connection)
        return silent

    async def prune_usage(self, before: float) -> int:
        """Delete the daily counts and the operations last seen before ``before``."""
        day = int(before // DAY_SECONDS)
        async with self.engine.begin() as connection:
            await connection.execute(delete(operation_counts).where(operation_counts.c.day < day))
            removed = await connection.execute(
                delete(operations).where(operations.c.last_seen < before)
            )
            return int(removed.rowcount or 0)

    async def record_usage(self, reported: Sequence[ReportedOperation]) -> None:
        """Add reported operation counts (per day) and refresh what each operation uses.

        Serialised like every other write, so two routers reporting one new operation at
        once cannot both insert it."""
        async with self.locked() as connection:
            for operation in reported:
                day = int(operation.last_seen // DAY_SECONDS)
                known = (
                    await connection.execute(
                        select(operations.c.last_seen).where(operations.c.hash == operation.hash)
                    )
                ).first()
                coordinates = orjson.dumps(sorted(set(operation.coordinates))).decode()
                if known is None:
                    await connection.execute(
                        insert(operations).values(
                            hash=operation.hash,
                            name=operation.name,
                            coordinates=coordinates,
                            last_seen=operation.last_seen,
                        )
                    )
                else:
                    await connection.execute(
                        update(operations)
                        .where(operations.c.hash == operation.hash)
                        .values(
                            name=operation.name,
                            coordinates=coordinates,
                            last_seen=max(float(known.last_seen), operation.last_seen),
                        )
                    )
                counted = await connection.execute(
                    update(operation_counts)
                    .where(
                        (operation_counts.c.hash == operation.hash)
                        & (operation_counts.c.day == day)
                    )
                    .values(count=operation_counts.c.count + operation.count)
                )
                if not counted.rowcount:
                    await connection.execute(
                        insert(operation_counts).values(
                            hash=operation.hash, day=day, count=operation.count
                        )
                    )


def _fields(record: object) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__slots__}  # type: ignore[attr-defined]


def _version(row: dict[str, Any]) -> VersionRecord:
    return VersionRecord(**{**row, "changes": orjson.loads(row["changes"])})

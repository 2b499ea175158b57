"""Two registry replicas on one real PostgreSQL database: concurrent publishes are serialised
on the supergraph version (versions in order, each built on the one before, no lost update)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from tests.registry.helpers import (
    RunningRegistry,
    bearer,
    registry_config,
    running_registry,
    subgraph_sdl,
)

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]

# One new field per subgraph: each publish changes a different subgraph.
ADDED_FIELDS = {
    "users": (
        "type UserEdge {\n  node: User!\n  cursor: String!\n",
        "type UserEdge {\n  node: User!\n  cursor: String!\n  rank: Int\n",
        "rank: Int",
    ),
    "products": (
        '  """Units available to order."""\n  stock: Int!\n',
        '  """Units available to order."""\n  stock: Int!\n  color: String\n',
        "color: String",
    ),
    "orders": (
        "type OrderItem {\n",
        "type OrderItem {\n  note: String\n",
        "note: String",
    ),
}


def changed_sdl(name: str) -> str:
    old, new, _ = ADDED_FIELDS[name]
    sdl = subgraph_sdl(name)
    assert old in sdl
    return sdl.replace(old, new, 1)


async def _admin(dsn: str, statement: str) -> None:
    engine = create_async_engine(dsn, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture
async def database_url(postgres_dsn: str) -> AsyncIterator[str]:
    name = f"registry_test_{uuid.uuid4().hex[:10]}"
    await _admin(postgres_dsn, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(postgres_dsn).set(database=name).render_as_string(hide_password=False)
    finally:
        await _admin(postgres_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_concurrent_publishes_on_two_replicas_get_versions_in_order(
    database_url: str,
) -> None:
    config = registry_config(database_url)
    async with running_registry(config) as first, running_registry(config) as second:
        await first.publish_all()
        replicas: list[RunningRegistry] = [first, second, first]
        for round_number in range(2):
            names = ["users", "products", "orders"]
            sdls = {n: changed_sdl(n) if round_number == 0 else subgraph_sdl(n) for n in names}
            responses = await asyncio.gather(
                *(
                    replica.publish(name, sdls[name], author=f"{name}-{round_number}")
                    for replica, name in zip(replicas, names, strict=True)
                )
            )
            for response in responses:
                assert response.status_code == 200, response.text
            got = sorted(r.json()["supergraph_version"] for r in responses)
            base = 3 + 3 * round_number
            assert got == [base + 1, base + 2, base + 3]
        listed = (await second.client.get("/api/v1/supergraph/versions")).json()
        assert [v["version"] for v in listed] == [9, 8, 7, 6, 5, 4, 3, 2, 1]
        # Each version is built on the one before: its diff adds (then removes) exactly one
        # field, and version 6 has all three fields, so no publish was lost.
        for version in range(4, 10):
            detail = (await first.client.get(f"/api/v1/supergraph/versions/{version}")).json()
            diff = detail["diff_from_previous"]["sdl"].splitlines()
            changed = [
                line for line in diff[2:] if line[:1] in "+-" and line[1:].strip() not in ("", "}")
            ]
            assert len(changed) == 1, (version, changed)
        sixth = (await second.client.get("/api/v1/supergraph/versions/6")).json()["sdl"]
        for _old, _new, field in ADDED_FIELDS.values():
            assert field in sixth
        state = await second.client.get("/api/v1/router/state", headers=bearer("read"))
        assert state.json()["version"] == 9
        for _old, _new, field in ADDED_FIELDS.values():
            assert field not in state.json()["supergraph_sdl"]

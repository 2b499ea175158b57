"""Automatic persisted queries: the in-memory LRU store and the Redis store."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import httpx

from router.server.apq import MemoryQueryStore, RedisQueryStore
from tests.server.stack import router_stack

QUERY = "{ users(first: 1) { edges { node { name } } } }"
QUERY_HASH = hashlib.sha256(QUERY.encode()).hexdigest()


def persisted(sha256_hash: str) -> dict[str, object]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256_hash}}


async def register_and_reuse(client: httpx.AsyncClient, query: str, sha256_hash: str) -> None:
    missing = await client.post("/graphql", json={"extensions": persisted(sha256_hash)})
    assert missing.status_code == 200
    assert missing.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert missing.json()["errors"][0]["message"] == "PersistedQueryNotFound"

    registered = await client.post(
        "/graphql", json={"query": query, "extensions": persisted(sha256_hash)}
    )
    assert registered.status_code == 200
    assert len(registered.json()["data"]["users"]["edges"]) == 1

    by_hash = await client.post("/graphql", json={"extensions": persisted(sha256_hash)})
    assert by_hash.json() == registered.json()

    by_get = await client.get(
        "/graphql",
        params={
            "extensions": f'{{"persistedQuery": {{"version": 1, "sha256Hash": "{sha256_hash}"}}}}'
        },
        headers={"apollo-require-preflight": "true"},
    )
    assert by_get.status_code == 200
    assert by_get.json() == registered.json()


async def test_hash_only_then_register_then_reuse(tmp_path: Path, supergraph_sdl: str) -> None:
    async with router_stack(tmp_path, supergraph_sdl) as (client, _app):
        await register_and_reuse(client, QUERY, QUERY_HASH)


async def test_hash_mismatch_is_refused(tmp_path: Path, supergraph_sdl: str) -> None:
    async with router_stack(tmp_path, supergraph_sdl) as (client, _app):
        response = await client.post(
            "/graphql", json={"query": QUERY, "extensions": persisted("0" * 64)}
        )
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"
        unknown = await client.post("/graphql", json={"extensions": persisted("0" * 64)})
        assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_unsupported_version_is_400(tmp_path: Path, supergraph_sdl: str) -> None:
    async with router_stack(tmp_path, supergraph_sdl) as (client, _app):
        response = await client.post(
            "/graphql",
            json={"extensions": {"persistedQuery": {"version": 2, "sha256Hash": QUERY_HASH}}},
        )
        assert response.status_code == 400


async def test_disabled_apq_says_not_supported(tmp_path: Path, supergraph_sdl: str) -> None:
    async with router_stack(tmp_path, supergraph_sdl, {"FEDRA_APQ__ENABLED": "false"}) as (
        client,
        _app,
    ):
        response = await client.post("/graphql", json={"extensions": persisted(QUERY_HASH)})
        assert response.json()["errors"][0]["extensions"]["code"] == (
            "PERSISTED_QUERY_NOT_SUPPORTED"
        )


async def test_batch_item_with_unknown_hash_fails_alone(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    async with router_stack(tmp_path, supergraph_sdl) as (client, _app):
        response = await client.post(
            "/graphql",
            json=[{"extensions": persisted(QUERY_HASH)}, {"query": "{ __typename }"}],
        )
        assert response.status_code == 200
        first, second = response.json()
        assert first["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        assert second == {"data": {"__typename": "Query"}}


async def test_memory_store_is_a_bounded_lru() -> None:
    store = MemoryQueryStore(max_entries=2)
    await store.put("a", "{ a }")
    await store.put("b", "{ b }")
    assert await store.get("a") == "{ a }"  # "a" is now the most recently used
    await store.put("c", "{ c }")
    assert len(store) == 2
    assert await store.get("b") is None
    assert await store.get("a") == "{ a }"
    assert await store.get("c") == "{ c }"


async def test_memory_store_is_bounded_in_characters_too() -> None:
    store = MemoryQueryStore(max_entries=100, max_chars=1000)
    for name in "abc":
        await store.put(name, name * 400)
    assert await store.get("a") is None  # 1200 characters do not fit: the oldest went
    assert await store.get("b") == "b" * 400
    await store.put("huge", "h" * 1001)  # never fits: not stored, nothing else evicted
    assert await store.get("huge") is None
    assert len(store) == 2
    await store.put("b", "{ b }")  # replacing an entry frees what it held
    await store.put("d", "d" * 590)
    assert len(store) == 3


async def test_redis_store_round_trip_with_ttl(redis_url: str) -> None:
    import redis.asyncio

    prefix = f"test:{uuid.uuid4().hex}:"
    store = RedisQueryStore(redis_url, prefix=prefix, ttl_seconds=60)
    try:
        assert await store.get(QUERY_HASH) is None
        await store.put(QUERY_HASH, QUERY)
        assert await store.get(QUERY_HASH) == QUERY
        raw = redis.asyncio.Redis.from_url(redis_url)
        try:
            ttl = await raw.ttl(prefix + QUERY_HASH)
            assert 0 < ttl <= 60
        finally:
            await raw.aclose()
    finally:
        await store.aclose()


async def test_router_with_redis_store_shares_queries_between_instances(
    tmp_path: Path, supergraph_sdl: str, redis_url: str
) -> None:
    query = "{ users(first: 1) { edges { node { name createdAt } } } }"
    sha256_hash = hashlib.sha256(query.encode()).hexdigest()
    settings = {
        "FEDRA_APQ__REDIS__URL": redis_url,
        "FEDRA_APQ__REDIS__PREFIX": f"test:{uuid.uuid4().hex}:",
    }
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with router_stack(tmp_path / "a", supergraph_sdl, settings) as (first, _app):
        await register_and_reuse(first, query, sha256_hash)
    async with router_stack(tmp_path / "b", supergraph_sdl, settings) as (second, _app):
        response = await second.post("/graphql", json={"extensions": persisted(sha256_hash)})
        assert len(response.json()["data"]["users"]["edges"]) == 1

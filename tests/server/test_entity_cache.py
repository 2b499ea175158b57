"""The entity cache through the router and the project's subgraphs: hits, Cache-Control,
privacy, invalidation, metrics, and the Redis store shared by replicas."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from router.executor.entity_cache import MemoryEntityStore, StoredEntity
from router.executor.entity_cache.redis_store import RedisEntityStore
from tests.server.stack import router_stack

ORDERS_WITH_PRODUCTS = (
    "{ users(first: 3) { edges { node { id orders(first: 2) { id "
    "items { quantity product { id description } } } } } } }"
)
CACHE_ON = {"FEDRA_ENTITY_CACHE__ENABLED": "true"}
SECRET = "invalidate-me"


def admin(app: Any) -> dict[str, str]:
    """An admin's headers: every user's orders are theirs to read."""
    headers: dict[str, str] = app.state.test_keys.user(1, admin=True)
    return headers


class EntityRequests:
    """Counts the `_entities` requests (and representations) each subgraph receives."""

    def __init__(self) -> None:
        self.representations: dict[str, list[list[dict[str, Any]]]] = {}

    def wrap(self, name: str) -> Any:
        def wrapper(app: Any) -> Any:
            async def recorded(scope: dict[str, Any], receive: Any, send: Any) -> None:
                if scope["type"] != "http" or scope.get("method") != "POST":
                    await app(scope, receive, send)
                    return
                chunks: list[bytes] = []
                more = True
                while more:
                    message = await receive()
                    chunks.append(message.get("body", b""))
                    more = message.get("more_body", False)
                body = b"".join(chunks)
                variables = json.loads(body).get("variables") or {}
                if "representations" in variables:
                    self.representations.setdefault(name, []).append(variables["representations"])
                replayed = False

                async def replay() -> dict[str, Any]:
                    nonlocal replayed
                    if replayed:
                        return await receive()
                    replayed = True
                    return {"type": "http.request", "body": body, "more_body": False}

                await app(scope, replay, send)

            return recorded

        return wrapper

    def calls(self, name: str) -> int:
        return len(self.representations.get(name, []))


async def test_entities_come_from_the_cache_the_second_time(
    tmp_path: Path, supergraph_sdl: str, network: bool
) -> None:
    seen = EntityRequests()
    wrap = {"products": seen.wrap("products")}
    async with router_stack(
        tmp_path, supergraph_sdl, CACHE_ON, wrap=wrap, network=network, signed_in=True
    ) as (client, app):
        first = await client.post(
            "/graphql", json={"query": ORDERS_WITH_PRODUCTS}, headers=admin(app)
        )
        assert "errors" not in first.json()
        assert seen.calls("products") == 1
        second = await client.post(
            "/graphql", json={"query": ORDERS_WITH_PRODUCTS}, headers=admin(app)
        )
        assert second.json() == first.json()
        assert seen.calls("products") == 1  # every Product answered from the cache
        metrics = (await client.get("/metrics")).text
        assert 'fedra_entity_cache_hits_total{subgraph="products",type="Product"}' in metrics


async def test_no_cache_without_the_switch(tmp_path: Path, supergraph_sdl: str) -> None:
    seen = EntityRequests()
    async with router_stack(
        tmp_path, supergraph_sdl, wrap={"products": seen.wrap("products")}, signed_in=True
    ) as (client, app):
        for _ in range(2):
            await client.post("/graphql", json={"query": ORDERS_WITH_PRODUCTS}, headers=admin(app))
    assert seen.calls("products") == 2


async def test_only_missing_entities_are_fetched(tmp_path: Path, supergraph_sdl: str) -> None:
    seen = EntityRequests()
    async with router_stack(
        tmp_path, supergraph_sdl, CACHE_ON, wrap={"products": seen.wrap("products")}, signed_in=True
    ) as (client, app):
        small = ORDERS_WITH_PRODUCTS.replace("users(first: 3)", "users(first: 1)")
        await client.post("/graphql", json={"query": small}, headers=admin(app))
        cached = {r["id"] for r in seen.representations["products"][0]}
        await client.post("/graphql", json={"query": ORDERS_WITH_PRODUCTS}, headers=admin(app))
        fetched = {r["id"] for r in seen.representations["products"][1]}
    assert fetched and not fetched & cached


async def test_invalidation_by_type_and_by_entity_key(
    tmp_path: Path, supergraph_sdl: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FEDRA_INVALIDATION_SECRET", SECRET)
    seen = EntityRequests()
    environ = {**CACHE_ON, "FEDRA_ENTITY_CACHE__INVALIDATION__ENABLED": "true"}
    async with router_stack(
        tmp_path, supergraph_sdl, environ, wrap={"products": seen.wrap("products")}, signed_in=True
    ) as (client, app):
        await client.post("/graphql", json={"query": ORDERS_WITH_PRODUCTS}, headers=admin(app))
        all_ids = sorted(r["id"] for r in seen.representations["products"][0])
        one = all_ids[0]

        refused = await client.post(
            "/invalidation",
            json=[{"kind": "type", "subgraph": "products", "type": "Product"}],
            headers={"authorization": "Bearer wrong"},
        )
        assert refused.status_code == 401
        malformed = await client.post(
            "/invalidation", json=[{"kind": "entity", "subgraph": "products", "type": "Product"}],
            headers={"authorization": f"Bearer {SECRET}"},
        )  # fmt: skip
        assert malformed.status_code == 400
        assert "'key'" in malformed.json()["error"]

        dropped = await client.post(
            "/invalidation",
            json=[
                {"kind": "entity", "subgraph": "products", "type": "Product", "key": {"id": one}}
            ],
            headers={"authorization": f"Bearer {SECRET}"},
        )
        assert dropped.json() == {"count": 1}
        await client.post("/graphql", json={"query": ORDERS_WITH_PRODUCTS}, headers=admin(app))
        assert [r["id"] for r in seen.representations["products"][1]] == [one]

        by_type = await client.post(
            "/invalidation",
            json=[{"kind": "type", "subgraph": "products", "type": "Product"}],
            headers={"authorization": f"Bearer {SECRET}"},
        )
        assert by_type.json() == {"count": len(all_ids)}
        await client.post("/graphql", json={"query": ORDERS_WITH_PRODUCTS}, headers=admin(app))
        assert sorted(r["id"] for r in seen.representations["products"][2]) == all_ids


async def test_private_answers_are_kept_per_caller_and_never_shared(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    """orders answers `Cache-Control: private`: kept per verified caller; one caller's entry
    is never another's answer, and an anonymous caller gets nothing of it."""
    seen = EntityRequests()
    wrap = {"orders": seen.wrap("orders")}
    async with router_stack(tmp_path, supergraph_sdl, CACHE_ON, wrap=wrap, signed_in=True) as (
        client,
        app,
    ):
        keys = app.state.test_keys
        first_admin, second_admin = keys.user(100_001, admin=True), keys.user(100_002, admin=True)

        async def ask(headers: dict[str, str] | None) -> dict[str, Any]:
            sent = {"query": ORDERS_WITH_PRODUCTS}
            body: dict[str, Any] = (
                await client.post("/graphql", json=sent, headers=headers)
            ).json()
            return body

        answer = await ask(first_admin)
        assert "errors" not in answer, answer
        assert seen.calls("orders") == 1
        assert await ask(first_admin) == answer
        assert seen.calls("orders") == 1  # the first admin's own entries
        assert await ask(second_admin) == answer
        assert seen.calls("orders") == 2  # never the first admin's entries for the second
        anonymous = await ask(None)
        assert seen.calls("orders") == 2  # orders is @authenticated: not even asked
        assert {e["extensions"]["code"] for e in anonymous["errors"]} == {
            "UNAUTHORIZED_FIELD_OR_TYPE"
        }
        user = {"authorization": keys.user(2)["authorization"]}
        own = await ask(user)
        assert seen.calls("orders") == 3
        assert {e["extensions"]["code"] for e in own["errors"]} == {"FORBIDDEN"}  # others' orders


async def test_a_subgraph_no_store_answer_is_not_kept(tmp_path: Path, supergraph_sdl: str) -> None:
    from router.executor.entity_cache.cache_control import parse_cache_control

    assert not parse_cache_control("no-store").storable
    assert not parse_cache_control("max-age=0").storable
    assert parse_cache_control("public, max-age=60, s-maxage=10").max_age == 10
    assert parse_cache_control("private, max-age=5").private
    assert parse_cache_control("max-age=soon").no_store


async def test_memory_store_expires_evicts_and_invalidates_by_tag() -> None:
    store = MemoryEntityStore(max_entries=2)
    await store.set_many(
        [
            StoredEntity("a", b"1", 60, ("t", "t|a")),
            StoredEntity("b", b"2", 0.0001, ("t",)),
        ]
    )
    await asyncio.sleep(0.01)
    assert await store.get_many(["a", "b"]) == [b"1", None]  # b expired
    await store.set_many([StoredEntity("c", b"3", 60, ("t",)), StoredEntity("d", b"4", 60, ())])
    assert len(store) == 2
    assert await store.get_many(["a"]) == [None]  # least recently used, evicted
    assert await store.invalidate("t") == 1  # c; a and b are gone already
    assert await store.get_many(["c", "d"]) == [None, b"4"]


async def test_redis_store_is_shared_and_invalidated_by_tag(redis_url: str) -> None:
    writer = RedisEntityStore(redis_url, prefix="fedra:test:")
    reader = RedisEntityStore(redis_url, prefix="fedra:test:")
    try:
        await writer.set_many(
            [
                StoredEntity("k1", b'{"id":"1"}', 60, ("p|Product", 'p|Product|{"id":"1"}')),
                StoredEntity("k2", b'{"id":"2"}', 60, ("p|Product",)),
            ]
        )
        assert await reader.get_many(["k1", "k2", "k3"]) == [b'{"id":"1"}', b'{"id":"2"}', None]
        assert await reader.invalidate('p|Product|{"id":"1"}') == 1
        assert await writer.get_many(["k1", "k2"]) == [None, b'{"id":"2"}']
        assert await reader.invalidate("p|Product") == 1  # k1 was dropped already
        assert await writer.get_many(["k2"]) == [None]
    finally:
        await writer.aclose()
        await reader.aclose()


async def test_redis_backed_router_cache(
    tmp_path: Path, supergraph_sdl: str, redis_url: str
) -> None:
    seen = EntityRequests()
    environ = {**CACHE_ON, "FEDRA_ENTITY_CACHE__REDIS__URL": redis_url}
    async with router_stack(
        tmp_path, supergraph_sdl, environ, wrap={"products": seen.wrap("products")}, signed_in=True
    ) as (client, app):
        for _ in range(2):
            response = await client.post(
                "/graphql", json={"query": ORDERS_WITH_PRODUCTS}, headers=admin(app)
            )
            assert "errors" not in response.json()
    assert seen.calls("products") == 1

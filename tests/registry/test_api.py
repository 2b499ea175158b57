"""The registry's HTTP API over real HTTP (uvicorn on a free port, SQLite file): auth, publish
checks, history and diffs, router state with ETags and long polls, usage reports."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from router.registry.config import HealthCheckConfig
from tests.registry.helpers import (
    RunningRegistry,
    bearer,
    registry_config,
    running_registry,
    sqlite_url,
    subgraph_sdl,
)

pytestmark = pytest.mark.timeout(120)

WITHOUT_DESCRIPTION = subgraph_sdl("products").replace("  description: String!\n", "", 1)
WITH_COLOR = subgraph_sdl("products").replace(
    '  """Units available to order."""\n  stock: Int!\n',
    '  """Units available to order."""\n  stock: Int!\n\n  """Its colour, when it has one."""\n  color: String\n',
)
MONEY_AS_INT = subgraph_sdl("products").replace(
    "type Money @shareable {\n  amount: String!", "type Money @shareable {\n  amount: Int!"
)


def now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


async def report(registry: RunningRegistry, *operations: dict[str, object]) -> None:
    response = await registry.client.post(
        "/api/v1/usage",
        json={"router_id": "router-1", "operations": list(operations)},
        headers=bearer("report"),
    )
    assert response.status_code == 202, response.text


def test_fixture_sdls_differ() -> None:
    assert subgraph_sdl("products") != WITHOUT_DESCRIPTION
    assert "color: String" in WITH_COLOR
    assert "amount: Int!" in MONEY_AS_INT


async def test_missing_or_unknown_token_is_401_and_wrong_scope_403(
    registry: RunningRegistry,
) -> None:
    client = registry.client
    missing = await client.post("/api/v1/subgraphs/products/publish", json={})
    assert missing.status_code == 401
    assert missing.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    unknown = await client.get(
        "/api/v1/router/state", headers={"authorization": "Bearer not-a-token"}
    )
    assert unknown.status_code == 401
    basic = await client.get("/api/v1/router/state", headers={"authorization": "Basic eDp5"})
    assert basic.status_code == 401
    read_publishing = await registry.publish("products", token="read")
    assert read_publishing.status_code == 403
    assert read_publishing.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "registry:publish" in read_publishing.json()["errors"][0]["message"]
    publish_reading = await client.get("/api/v1/router/state", headers=bearer("publish"))
    assert publish_reading.status_code == 403
    publish_reporting = await client.post(
        "/api/v1/usage", json={"operations": []}, headers=bearer("publish")
    )
    assert publish_reporting.status_code == 403
    heartbeat = await client.post(
        "/api/v1/subgraphs/products/instances/a/heartbeat",
        json={"routing_url": "http://127.0.0.1:1/graphql"},
        headers=bearer("report"),
    )
    assert heartbeat.status_code == 403
    assert (await client.get("/health")).json() == {"status": "ok"}


async def test_bad_input_is_400_with_a_message(registry: RunningRegistry) -> None:
    client = registry.client
    not_json = await client.post(
        "/api/v1/subgraphs/products/publish", content=b"{", headers=bearer("publish")
    )
    assert not_json.status_code == 400
    assert "not JSON" in not_json.json()["errors"][0]["message"]
    no_url = await client.post(
        "/api/v1/subgraphs/products/publish",
        json={"sdl": "type Query { a: Int }", "routing_url": "ftp://x"},
        headers=bearer("publish"),
    )
    assert no_url.status_code == 400
    assert "routing_url" in no_url.json()["errors"][0]["message"]
    bad_name = await registry.client.post(
        "/api/v1/subgraphs/bad%20name/publish",
        json={"sdl": "type Query { a: Int }", "routing_url": "http://x/graphql"},
        headers=bearer("publish"),
    )
    assert bad_name.status_code == 400
    bad_usage = await client.post(
        "/api/v1/usage",
        json={"operations": [{"hash": "h", "count": 1, "last_seen": "yesterday"}]},
        headers=bearer("report"),
    )
    assert bad_usage.status_code == 400
    assert "ISO 8601" in bad_usage.json()["errors"][0]["message"]


async def test_publishing_the_subgraphs_makes_versions(registry: RunningRegistry) -> None:
    versions = []
    for name in ("users", "products", "orders"):
        response = await registry.publish(name)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["accepted"] is True
        assert body["changed"] is True
        versions.append(body["supergraph_version"])
    assert versions == [1, 2, 3]
    again = await registry.publish("products", instance_id="products-1")
    assert again.status_code == 200
    assert again.json()["changed"] is False
    assert again.json()["supergraph_version"] == 3
    listed = (await registry.client.get("/api/v1/supergraph/versions")).json()
    assert [(v["version"], v["subgraph"], v["author"]) for v in listed] == [
        (3, "orders", "ci"),
        (2, "products", "ci"),
        (1, "users", "ci"),
    ]
    assert all(v["created_at"].endswith("Z") for v in listed)


async def test_composition_errors_reject_with_apollo_codes_and_keep_the_supergraph(
    registry: RunningRegistry,
) -> None:
    await registry.publish_all()
    rejected = await registry.publish("products", MONEY_AS_INT)
    assert rejected.status_code == 409
    body = rejected.json()
    assert body["accepted"] is False
    errors = body["check"]["composition_errors"]
    assert [e["code"] for e in errors] == ["FIELD_TYPE_MISMATCH"]
    assert errors[0]["subgraph"] in ("orders", "products")  # the composer names one side
    assert errors[0]["locations"][0]["line"] > 0
    assert '"Money.amount"' in errors[0]["message"]
    invalid = await registry.publish("products", "type Query { broken(: Int }")
    assert invalid.status_code == 409
    assert invalid.json()["check"]["composition_errors"][0]["code"] == "INVALID_GRAPHQL"
    state = await registry.client.get("/api/v1/router/state", headers=bearer("read"))
    assert state.json()["version"] == 3
    assert "amount: String!" in state.json()["supergraph_sdl"]
    checks = (await registry.client.get("/api/v1/checks")).json()
    assert [(c["subgraph"], c["accepted"]) for c in checks[:2]] == [
        ("products", False),
        ("products", False),
    ]
    assert checks[1]["result"]["composition_errors"][0]["code"] == "FIELD_TYPE_MISMATCH"


async def test_breaking_change_used_by_recorded_operations_is_rejected_naming_them(
    registry: RunningRegistry,
) -> None:
    await registry.publish_all()
    seen = now_iso()
    await report(
        registry,
        {
            "hash": "a1b2",
            "name": "ProductPage",
            "count": 41,
            "last_seen": seen,
            "coordinates": ["Query.product", "Product.name", "Product.description"],
        },
        {
            "hash": "c3d4",
            "name": "TopProducts",
            "count": 7,
            "last_seen": seen,
            "coordinates": ["Query.topProducts", "Product.name"],
        },
    )
    # The same operation again from another router: the counts add up.
    await report(
        registry,
        {
            "hash": "a1b2",
            "name": "ProductPage",
            "count": 1,
            "last_seen": seen,
            "coordinates": ["Query.product", "Product.name", "Product.description"],
        },
    )
    rejected = await registry.publish("products", WITHOUT_DESCRIPTION)
    assert rejected.status_code == 409, rejected.text
    check = rejected.json()["check"]
    assert check["composition_errors"] == []
    [change] = check["breaking_changes"]
    assert change["code"] == "FIELD_REMOVED"
    assert change["coordinate"] == "Product.description"
    assert [(o["name"], o["hash"], o["count"]) for o in change["operations"]] == [
        ("ProductPage", "a1b2", 42)
    ]
    assert change["operations"][0]["last_seen"].endswith("Z")
    state = await registry.client.get("/api/v1/router/state", headers=bearer("read"))
    assert state.json()["version"] == 3
    assert "  description: String!" in state.json()["supergraph_sdl"]


async def test_breaking_change_no_recorded_operation_uses_is_accepted(
    registry: RunningRegistry,
) -> None:
    await registry.publish_all()
    old = datetime.fromtimestamp(time.time() - 30 * 86_400, UTC).isoformat()
    await report(
        registry,
        {
            "hash": "old1",
            "name": "LongAgo",
            "count": 5,
            "last_seen": old,
            "coordinates": ["Product.description"],
        },
    )
    accepted = await registry.publish("products", WITHOUT_DESCRIPTION)
    assert accepted.status_code == 200, accepted.text
    [change] = accepted.json()["check"]["breaking_changes"]
    assert change["coordinate"] == "Product.description"
    assert change["operations"] == []  # seen 30 days ago: outside the 7-day window
    assert accepted.json()["supergraph_version"] == 4


async def test_compatible_change_makes_a_new_version_with_its_diff(
    registry: RunningRegistry,
) -> None:
    await registry.publish_all()
    accepted = await registry.publish("products", WITH_COLOR, author="alice")
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert (body["accepted"], body["changed"], body["supergraph_version"]) == (True, True, 4)
    assert body["check"]["breaking_changes"] == []
    assert {"severity": "safe", "code": "FIELD_ADDED", "message": "Product.color was added."} in (
        body["check"]["changes"]
    )
    listed = (await registry.client.get("/api/v1/supergraph/versions")).json()
    assert listed[0]["version"] == 4
    assert listed[0]["author"] == "alice"
    assert listed[0]["summary"] == "1 safe"
    version = (await registry.client.get("/api/v1/supergraph/versions/4")).json()
    diff = version["diff_from_previous"]["sdl"]
    assert diff.startswith("--- v3\n+++ v4\n")
    assert "+  color: String" in diff
    assert [line for line in diff.splitlines() if line.startswith("-") and line != "--- v3"] == []
    assert "color: String" in version["sdl"]
    first = (await registry.client.get("/api/v1/supergraph/versions/1")).json()
    assert first["diff_from_previous"]["sdl"].startswith("--- v0\n+++ v1\n")
    missing = await registry.client.get("/api/v1/supergraph/versions/99")
    assert missing.status_code == 404


async def test_router_state_etag_and_long_poll(tmp_path: Path) -> None:
    # The instances here do not listen: health checks would change the state (and its ETag)
    # while the test waits on it, so they run only once an hour here.
    config = registry_config(
        sqlite_url(tmp_path), health_check=HealthCheckConfig(interval_seconds=3600)
    )
    async with running_registry(config) as registry:
        await _check_router_state_etag_and_long_poll(registry)


async def _check_router_state_etag_and_long_poll(registry: RunningRegistry) -> None:
    client = registry.client
    empty = await client.get("/api/v1/router/state", headers=bearer("read"))
    assert empty.status_code == 404
    await registry.publish_all()
    await registry.publish("products", instance_id="products-a")
    state = await client.get("/api/v1/router/state", headers=bearer("read"))
    assert state.status_code == 200
    body = state.json()
    assert body["version"] == 3
    assert body["subgraphs"]["products"] == {
        "routing_url": "http://127.0.0.1:4002/graphql",
        "instances": [
            {"id": "products-a", "url": "http://127.0.0.1:4002/graphql", "healthy": True}
        ],
    }
    assert body["subgraphs"]["users"]["instances"] == []
    etag = state.headers["etag"]
    started = time.monotonic()
    unchanged = await client.get(
        "/api/v1/router/state?wait=0.5", headers={**bearer("read"), "if-none-match": etag}
    )
    assert unchanged.status_code == 304
    assert time.monotonic() - started >= 0.45

    async def add_instance_soon() -> None:
        await asyncio.sleep(0.4)
        response = await client.post(
            "/api/v1/subgraphs/products/instances/products-b/heartbeat",
            json={"routing_url": "http://127.0.0.1:5002/graphql"},
            headers=bearer("publish"),
        )
        assert response.status_code == 200

    started = time.monotonic()
    waiting = asyncio.create_task(
        client.get(
            "/api/v1/router/state?wait=20", headers={**bearer("read"), "if-none-match": etag}
        )
    )
    await add_instance_soon()
    changed = await waiting
    assert changed.status_code == 200
    assert time.monotonic() - started < 10
    assert changed.headers["etag"] != etag
    assert [i["id"] for i in changed.json()["subgraphs"]["products"]["instances"]] == [
        "products-a",
        "products-b",
    ]
    removed = await client.delete(
        "/api/v1/subgraphs/products/instances/products-a", headers=bearer("publish")
    )
    assert removed.json() == {"ok": True, "removed": True}
    after = await client.get(
        "/api/v1/router/state", headers={**bearer("read"), "if-none-match": changed.headers["etag"]}
    )
    assert after.status_code == 200
    assert [i["id"] for i in after.json()["subgraphs"]["products"]["instances"]] == ["products-b"]
    unknown = await client.post(
        "/api/v1/subgraphs/nothing/instances/x/heartbeat",
        json={"routing_url": "http://127.0.0.1:1/graphql"},
        headers=bearer("publish"),
    )
    assert unknown.status_code == 404


async def test_concurrent_publishes_on_sqlite_get_versions_in_order(
    registry: RunningRegistry,
) -> None:
    await registry.publish_all()
    with_color = registry.publish("products", WITH_COLOR)
    users = subgraph_sdl("users").replace(
        "type UserEdge {\n  node: User!\n", "type UserEdge {\n  node: User!\n  rank: Int\n", 1
    )
    with_rank = registry.publish("users", users)
    responses = await asyncio.gather(with_color, with_rank)
    assert sorted(r.json()["supergraph_version"] for r in responses) == [4, 5]
    state = await registry.client.get("/api/v1/router/state", headers=bearer("read"))
    assert state.json()["version"] == 5
    assert "color: String" in state.json()["supergraph_sdl"]
    assert "rank: Int" in state.json()["supergraph_sdl"]


def replace_with_a_directory(path: Path) -> None:
    path.unlink()
    path.mkdir()


async def test_a_database_that_fails_is_a_503_not_a_crash(registry: RunningRegistry) -> None:
    await registry.publish_all()
    store = registry.app.state.store
    await store.engine.dispose()
    replace_with_a_directory(Path(store.engine.url.database))  # the file cannot be opened
    response = await registry.client.get("/api/v1/router/state", headers=bearer("read"))
    assert response.status_code == 503
    assert response.json()["errors"][0]["extensions"]["code"] == "REGISTRY_UNAVAILABLE"
    assert (await registry.client.get("/health")).status_code == 200


async def test_a_removed_enum_value_names_the_operations_reading_the_enum(
    registry: RunningRegistry,
) -> None:
    await registry.publish_all()
    await report(
        registry,
        {
            "hash": "e1",
            "name": "OrderStatusPage",
            "count": 3,
            "last_seen": now_iso(),
            "coordinates": ["Query.order", "Order.id", "Order.status"],
        },
        {
            "hash": "e2",
            "name": "OrderTotal",
            "count": 9,
            "last_seen": now_iso(),
            "coordinates": ["Query.order", "Order.total", "Money.amount"],
        },
    )
    without_shipped = subgraph_sdl("orders").replace("  SHIPPED\n", "", 1)
    rejected = await registry.publish("orders", without_shipped)
    assert rejected.status_code == 409, rejected.text
    [change] = rejected.json()["check"]["breaking_changes"]
    assert (change["code"], change["coordinate"]) == (
        "VALUE_REMOVED_FROM_ENUM",
        "OrderStatus.SHIPPED",
    )
    assert [o["name"] for o in change["operations"]] == ["OrderStatusPage"]

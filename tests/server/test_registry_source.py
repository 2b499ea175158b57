"""The router following a schema registry (a fake one that keeps the API contract, over real
HTTP): the supergraph and instances come from its long-polled state; a new supergraph serves
new requests within a bound while in-flight ones finish on the old; a registry that fails or
answers garbage leaves the last supergraph serving; a cached state starts a router while the
registry is down."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from router.config import ConfigError
from router.server import create_app
from tests.server.fake_registry import READ_TOKEN, FakeRegistry, fake_registry
from tests.server.stack import config_from, routed_subgraphs, router_client
from tests.server.test_reload import GateHook, without_top_products

from ..executor.fault_server import closed_port_url

TOP_PRODUCTS = {"query": "{ topProducts(first: 1) { name } }"}
USERS = {"query": "{ users(first: 1) { edges { node { id } } } }"}
# A new supergraph serves within this many seconds of its publication (long poll: at once).
SERVE_BOUND_SECONDS = 2.0


def registry_environ(registry: FakeRegistry) -> dict[str, str]:
    return {
        "FEDRA_SUPERGRAPH__REGISTRY__URL": registry.url,
        "FEDRA_SUPERGRAPH__REGISTRY__TOKEN": READ_TOKEN,
        "FEDRA_SUPERGRAPH__REGISTRY__WAIT_SECONDS": "5",
        "FEDRA_SUPERGRAPH__REGISTRY__BACKOFF_SECONDS": "0.05",
        "FEDRA_SUPERGRAPH__REGISTRY__MAX_BACKOFF_SECONDS": "0.2",
        "FEDRA_SUPERGRAPH__REGISTRY__STARTUP_TIMEOUT": "1",
    }


@asynccontextmanager
async def registry_router(
    directory: Path,
    registry: FakeRegistry,
    environ: Mapping[str, str] | None = None,
    *,
    network: bool = False,
) -> AsyncIterator[tuple[httpx.AsyncClient, Starlette]]:
    async with routed_subgraphs(directory, network=network) as routes:
        settings = {**registry_environ(registry), **routes.url_overrides(), **(environ or {})}
        app = create_app(config_from(settings), subgraph_transports_override=routes.transports)
        async with router_client(app) as client:
            yield client, app


async def serves_top_products(client: httpx.AsyncClient) -> bool:
    answer = (await client.post("/graphql", json=TOP_PRODUCTS)).json()
    return "errors" not in answer


async def metric(client: httpx.AsyncClient, name: str) -> float | None:
    text = (await client.get("/metrics")).text
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else None


async def until(condition: object, seconds: float = 10.0) -> float:
    """Seconds until the async ``condition()`` holds; fails after ``seconds``."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if await condition():  # type: ignore[operator]
            return time.monotonic() - started
        await asyncio.sleep(0.02)
    raise AssertionError(f"{condition} did not hold within {seconds}s")


async def test_the_router_serves_the_registry_supergraph_and_follows_its_changes(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    async with (
        fake_registry(supergraph_sdl) as registry,
        registry_router(tmp_path, registry) as (client, app),
    ):
        ready = (await client.get("/ready")).json()
        assert ready["generation"] == 1
        assert ready["registry_version"] == 1
        assert await serves_top_products(client)
        assert await metric(client, "fedra_registry_supergraph_version") == 1.0
        age = await metric(client, "fedra_registry_last_successful_poll_age_seconds")
        assert age is not None and age < 5

        requests_before = registry.state_requests
        await asyncio.sleep(0.5)  # the router waits in a long poll: no polling meanwhile
        assert registry.state_requests - requests_before <= 1

        registry.publish(without_top_products(supergraph_sdl))
        published = time.monotonic()

        async def stopped_serving() -> bool:
            return not await serves_top_products(client)

        await until(stopped_serving, SERVE_BOUND_SECONDS)
        assert time.monotonic() - published < SERVE_BOUND_SECONDS
        assert (await client.get("/ready")).json()["generation"] == 2
        assert await metric(client, "fedra_registry_supergraph_version") == 2.0
        assert app.state.registry_source.version == 2


async def test_in_flight_requests_finish_on_the_supergraph_they_started_on(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    GateHook.reached = asyncio.Event()
    GateHook.gate = asyncio.Event()
    settings = {"FEDRA_HOOKS": "[tests.server.test_reload:GateHook]"}
    async with (
        fake_registry(supergraph_sdl) as registry,
        registry_router(tmp_path, registry, settings) as (client, app),
    ):
        old = app.state.services.holder.current
        in_flight = asyncio.create_task(client.post("/graphql", json=TOP_PRODUCTS))
        await asyncio.wait_for(GateHook.reached.wait(), 10)
        registry.publish(without_top_products(supergraph_sdl))

        async def reloaded() -> bool:
            return bool(old.retired)

        await until(reloaded, SERVE_BOUND_SECONDS)
        assert old.in_flight == 1
        GateHook.gate.set()
        response = await asyncio.wait_for(in_flight, 10)
        assert response.json()["data"]["topProducts"][0]["name"]
        assert not await serves_top_products(client)


@pytest.mark.parametrize("failure", ["status_503", "garbage", "down"])
async def test_a_failing_registry_leaves_the_last_supergraph_serving(
    tmp_path: Path, supergraph_sdl: str, failure: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with (
        fake_registry(supergraph_sdl) as registry,
        registry_router(tmp_path, registry) as (client, app),
    ):
        source = app.state.registry_source
        if failure == "status_503":
            registry.fail_with = 503
        elif failure == "garbage":
            registry.garbage = True
        else:
            await registry.stop()
        registry.publish(supergraph_sdl + "\n")  # the long poll in flight answers now

        async def failing() -> bool:
            return source.failures >= 3

        await until(failing)
        assert await serves_top_products(client)
        assert (await client.get("/ready")).json()["generation"] == 1
        failed = await metric(client, 'fedra_registry_polls_total{outcome="failed"}')
        assert failed is not None and failed >= 3
        age = await metric(client, "fedra_registry_last_successful_poll_age_seconds")
        assert age is not None and age > 0
        assert "registry poll failed" in caplog.text
        assert source.backoff() <= 0.2  # bounded by max_backoff_seconds

        if failure == "down":
            return
        registry.fail_with = None
        registry.garbage = False
        registry.publish(without_top_products(supergraph_sdl))

        async def recovered() -> bool:
            return source.failures == 0 and not await serves_top_products(client)

        await until(recovered)


async def test_a_cached_state_starts_the_router_while_the_registry_is_down(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    cache = tmp_path / "cache" / "registry-state.json"
    settings = {"FEDRA_SUPERGRAPH__REGISTRY__CACHE_PATH": str(cache)}
    changed = without_top_products(supergraph_sdl)
    async with fake_registry(changed) as registry:
        async with registry_router(tmp_path / "first", registry, settings) as (client, _app):
            assert not await serves_top_products(client)
        assert cache.exists()
        registry.fail_with = 503
        started = time.monotonic()
        async with registry_router(tmp_path / "second", registry, settings) as (client, app):
            # served from the cache after startup_timeout (1 s) without an answer
            assert time.monotonic() - started < 5
            assert (await client.get("/ready")).status_code == 200
            assert not await serves_top_products(client)
            users = (await client.post("/graphql", json=USERS)).json()
            assert len(users["data"]["users"]["edges"]) == 1
            # the registry comes back: its state replaces the cached one
            registry.fail_with = None
            registry.publish(supergraph_sdl)

            async def caught_up() -> bool:
                return await serves_top_products(client)

            await until(caught_up)
            assert app.state.registry_source.version == 2


async def test_without_registry_or_cache_the_router_is_not_ready_until_the_registry_answers(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    async with fake_registry(supergraph_sdl) as registry:
        registry.fail_with = 503
        async with registry_router(tmp_path, registry) as (client, _app):
            assert (await client.get("/ready")).status_code == 503
            refused = await client.post("/graphql", json=USERS)
            assert refused.status_code == 503
            registry.fail_with = None

            async def ready() -> bool:
                return (await client.get("/ready")).status_code == 200

            await until(ready)
            assert await serves_top_products(client)


async def test_a_token_without_the_read_scope_is_refused_and_logged(
    tmp_path: Path, supergraph_sdl: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with fake_registry(supergraph_sdl) as registry:
        registry.tokens["no-read"] = frozenset({"registry:publish"})
        settings = {"FEDRA_SUPERGRAPH__REGISTRY__TOKEN": "no-read"}
        async with registry_router(tmp_path, registry, settings) as (client, _app):
            assert (await client.get("/ready")).status_code == 503
        assert "answered 403" in caplog.text


async def test_subgraph_requests_are_balanced_over_the_instances_the_registry_lists(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    async with (
        fake_registry(supergraph_sdl) as registry,
        registry_router(tmp_path, registry, network=True) as (client, app),
    ):
        products_url = app.state.services.config.subgraphs["products"].url
        registry.set_instances(
            "products",
            products_url,
            [
                {"id": "products-dead", "url": closed_port_url(), "healthy": True},
                {"id": "products-1", "url": products_url, "healthy": True},
                {"id": "products-sick", "url": closed_port_url(), "healthy": False},
            ],
        )

        async def listed() -> bool:
            return app.state.services.instances.get("products") is not None

        await until(listed, SERVE_BOUND_SECONDS)
        answers = [await client.post("/graphql", json=TOP_PRODUCTS) for _ in range(20)]
        assert all("errors" not in answer.json() for answer in answers)
        text = (await client.get("/metrics")).text
        ok = re.search(
            r'fedra_subgraph_instance_requests_total\{instance="products-1",'
            r'outcome="ok",subgraph="products"\} (\S+)',
            text,
        )
        assert ok is not None and float(ok.group(1)) >= 10
        assert 'instance="products-sick",outcome' not in text  # unhealthy: never sent to
        assert (
            'fedra_subgraph_instance_ejected{instance="products-dead",subgraph="products"} 1.0'
            in text
        )


def test_the_configuration_takes_one_supergraph_source_and_usage_needs_a_registry() -> None:
    with pytest.raises(ConfigError, match="not both"):
        config_from(
            {
                "FEDRA_SUPERGRAPH__PATH": "supergraph.graphql",
                "FEDRA_SUPERGRAPH__REGISTRY__URL": "http://registry:4100",
            }
        )
    with pytest.raises(ConfigError, match=r"usage_reporting needs supergraph\.registry"):
        config_from({"FEDRA_USAGE_REPORTING__ENABLED": "true"})
    config = config_from(
        {
            "FEDRA_SUBGRAPHS__PRODUCTS__INSTANCES": "['http://a/graphql', 'http://b/graphql']",
            "FEDRA_TRAFFIC_SHAPING__ALL__LOAD_BALANCING": "least_in_flight",
            "FEDRA_TRAFFIC_SHAPING__SUBGRAPHS__PRODUCTS__EJECTION__FAILURE_THRESHOLD": "7",
        }
    )
    assert config.subgraph_instances() == {"products": ("http://a/graphql", "http://b/graphql")}
    policy = config.traffic_shaping.for_subgraph("products").policy().balancing
    assert (policy.strategy, policy.failure_threshold) == ("least_in_flight", 7)

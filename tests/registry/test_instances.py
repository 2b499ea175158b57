"""Real subgraph processes registering themselves (subgraphs/shared/registration.py) with a
real registry: publish on startup, heartbeat, health checks dropping a killed instance,
deregistration on a clean stop, and a registry that is down at the subgraph's start."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from router.registry.config import HealthCheckConfig
from subgraphs.shared.registration import Registration, RegistrationSettings
from subgraphs.shared.testing_tokens import TestKeys
from tests.registry.helpers import (
    TOKENS,
    RunningRegistry,
    bearer,
    registry_config,
    running_registry,
    sqlite_url,
    subgraph_sdl,
)
from tests.server.stack import REPO_ROOT, free_port

pytestmark = pytest.mark.timeout(180)
STARTUP_SECONDS = 90.0


@contextmanager
def products_process(
    directory: Path, registry_url: str, instance_id: str
) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    """``uvicorn subgraphs.products.app:app`` on a free port, registering with the registry."""
    port = free_port()
    routing_url = f"http://127.0.0.1:{port}/graphql"
    keys = TestKeys.create(directory / instance_id)
    log = directory / f"{instance_id}.log"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{directory / f'{instance_id}.sqlite3'}",
        "FEDRA_AUTH_JWKS": str(keys.jwks_path),
        "FEDRA_REGISTRY_URL": registry_url,
        "FEDRA_REGISTRY_TOKEN": TOKENS["publish"],
        "FEDRA_SUBGRAPH_ROUTING_URL": routing_url,
        "FEDRA_INSTANCE_ID": instance_id,
        "FEDRA_REGISTRY_HEARTBEAT_SECONDS": "0.5",
        "FEDRA_REGISTRY_MAX_BACKOFF_SECONDS": "1",
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "subgraphs.products.app:app",
             "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        yield process, routing_url, log
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def read_log(log: Path) -> str:
    return log.read_text(errors="replace")


async def wait_until(
    predicate: Any, what: str, process: subprocess.Popen[bytes], log: Path, limit_seconds: float
) -> Any:
    deadline = time.monotonic() + limit_seconds
    while True:
        value = await predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}:\n{read_log(log)[-3000:]}")
        if process.poll() is not None and what != "the instance to be dropped":
            raise AssertionError(f"the subgraph exited:\n{read_log(log)[-3000:]}")
        await asyncio.sleep(0.1)


async def instances(registry: RunningRegistry) -> list[dict[str, Any]]:
    response = await registry.client.get("/api/v1/router/state", headers=bearer("read"))
    if response.status_code != 200:
        return []
    listed: list[dict[str, Any]] = response.json()["subgraphs"]["products"]["instances"]
    return listed


async def test_a_killed_instance_is_dropped_by_the_health_checks(tmp_path: Path) -> None:
    config = registry_config(
        sqlite_url(tmp_path),
        instance_ttl_seconds=60.0,  # the health checks drop it, long before the TTL would
        health_check=HealthCheckConfig(
            interval_seconds=0.3, timeout_seconds=1.0, failures_before_drop=2
        ),
    )
    async with running_registry(config) as registry:
        with products_process(tmp_path, registry.url, "products-live") as (process, url, log):

            async def registered() -> list[dict[str, Any]]:
                return await instances(registry)

            listed = await wait_until(registered, "the registration", process, log, STARTUP_SECONDS)
            assert listed == [{"id": "products-live", "url": url, "healthy": True}]
            versions = (await registry.client.get("/api/v1/supergraph/versions")).json()
            assert [(v["version"], v["subgraph"]) for v in versions] == [(1, "products")]
            assert versions[0]["author"] == "products/products-live"
            subgraphs = (await registry.client.get("/api/v1/subgraphs")).json()
            assert subgraphs[0]["instances"][0]["check_output"] in (None, "HTTP 200")
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            killed_at = time.monotonic()

            async def dropped() -> bool:
                return await instances(registry) == []

            await wait_until(dropped, "the instance to be dropped", process, log, 20)
            # Two failed checks 0.3 s apart, each bounded by a 1 s timeout.
            assert time.monotonic() - killed_at < 5
            checks = await registry.client.get("/api/v1/router/state", headers=bearer("read"))
            assert checks.json()["version"] == 1  # the supergraph stays


async def test_a_clean_stop_deregisters_and_a_silent_instance_expires(tmp_path: Path) -> None:
    config = registry_config(
        sqlite_url(tmp_path),
        instance_ttl_seconds=1.5,
        health_check=HealthCheckConfig(interval_seconds=0.3, failures_before_drop=1000),
    )
    async with running_registry(config) as registry:
        with products_process(tmp_path, registry.url, "products-clean") as (process, _url, log):

            async def registered() -> list[dict[str, Any]]:
                return await instances(registry)

            await wait_until(registered, "the registration", process, log, STARTUP_SECONDS)
            await asyncio.sleep(2.5)  # past the TTL: the heartbeats keep it registered
            assert [i["id"] for i in await instances(registry)] == ["products-clean"]
            process.send_signal(signal.SIGTERM)
            # uvicorn re-raises the signal once it has shut down.
            assert await asyncio.to_thread(process.wait, 30) in (0, -signal.SIGTERM)
            assert "Application shutdown complete" in read_log(log)
            assert "Traceback" not in read_log(log)
            assert await instances(registry) == []
        # An instance that only heartbeats once (no process behind it) expires after the TTL.
        beat = await registry.client.post(
            "/api/v1/subgraphs/products/instances/ghost/heartbeat",
            json={"routing_url": "http://127.0.0.1:9/graphql"},
            headers=bearer("publish"),
        )
        assert beat.status_code == 200
        assert [i["id"] for i in await instances(registry)] == ["ghost"]
        await asyncio.sleep(2.5)
        assert await instances(registry) == []


async def test_a_subgraph_starts_while_the_registry_is_down_and_registers_later(
    tmp_path: Path,
) -> None:
    port = free_port()
    registry_url = f"http://127.0.0.1:{port}"
    with products_process(tmp_path, registry_url, "products-early") as (process, url, log):
        deadline = time.monotonic() + STARTUP_SECONDS
        async with httpx.AsyncClient() as client:
            while True:
                try:
                    health = await client.get(url.replace("/graphql", "/health"))
                    if health.status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert process.poll() is None, read_log(log)[-3000:]
                assert time.monotonic() < deadline, read_log(log)[-3000:]
                await asyncio.sleep(0.2)
        await asyncio.sleep(1.0)
        assert "registry unreachable" in read_log(log)
        config = registry_config(sqlite_url(tmp_path))
        async with running_registry(config, port) as registry:

            async def registered() -> list[dict[str, Any]]:
                return await instances(registry)

            listed = await wait_until(registered, "the registration", process, log, 30)
            assert [i["id"] for i in listed] == ["products-early"]


async def test_a_subgraph_that_cannot_compose_yet_publishes_once_its_dependency_has(
    tmp_path: Path,
) -> None:
    """orders extends products' entities: published first, it is rejected with composition
    errors, keeps retrying, and lands once products is in the registry. A breaking change is
    not retried (see ``_may_compose_later``)."""
    async with running_registry(registry_config(sqlite_url(tmp_path))) as registry:
        assert (await registry.publish("users")).status_code == 200
        alone = await registry.publish("orders")
        assert alone.status_code == 409 and alone.json()["check"]["composition_errors"]
        settings = RegistrationSettings(
            registry_url=registry.url,
            token=TOKENS["publish"],
            routing_url="http://127.0.0.1:4003/graphql",
            instance_id="orders-early",
            heartbeat_seconds=0.5,
            max_backoff_seconds=0.2,
        )

        async def orders_sdl() -> str:
            return subgraph_sdl("orders")

        registration = Registration("orders", orders_sdl, settings)
        registration.start()
        try:
            await asyncio.sleep(1.0)
            assert not registration.published.is_set()
            assert registration.rejected is not None
            assert (await registry.publish("products")).status_code == 200
            await asyncio.wait_for(registration.published.wait(), 10)
            state = await registry.client.get("/api/v1/router/state", headers=bearer("read"))
            orders = state.json()["subgraphs"]["orders"]["instances"]
            assert [i["id"] for i in orders] == ["orders-early"]
        finally:
            await registration.stop()

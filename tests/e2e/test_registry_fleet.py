"""A fleet following the schema registry, all real processes: the registry (``fedra registry``),
users, orders and two instances of products (uvicorn), and two routers (``fedra serve`` with
``supergraph.registry``), under a load of concurrent client queries.

- One products instance is killed (SIGKILL) mid-load: after the ejection point (the routers
  eject it, or the registry marks it unhealthy) no client request fails.
- The routers report usage; a breaking change to a field a recorded operation selects is
  refused with 409 naming the operation.
- A compatible change is served by both routers within a bound, and the requests in flight
  meanwhile are unaffected.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

from subgraphs.shared.testing import served_over_http

from .identity import ORDERS_SECRET
from .live import free_port, process_stopped_at_exit, wait_until_healthy
from .stack import REPO_ROOT, e2e_keys, sqlite_url, token_endpoint

PUBLISH_TOKEN = "fleet-publish-token"
READ_TOKEN = "fleet-read-token"
REPORT_TOKEN = "fleet-report-token"
LOAD_QUERY = "query FleetLoad { topProducts(first: 3) { name stock price { amount } } }"
USERS_QUERY = "query FleetUsers { users(first: 2) { edges { node { name } } } }"
NEW_FIELD = "fleetNote"
INTROSPECT_PRODUCT = '{ __type(name: "Product") { fields { name } } }'
CONCURRENT_CLIENTS = 6
# Bounds this test holds the fleet to.
EJECTION_BOUND_SECONDS = 5.0  # from the kill to the ejection point
SERVE_BOUND_SECONDS = 5.0  # from an accepted publish to both routers serving it
HEARTBEAT_SECONDS = 2.0


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def products_without_stock(sdl: str) -> str:
    """The products SDL without ``Product.stock`` (and its description)."""
    changed = re.sub(r'\n(\s*"""[^"]*"""\n)?\s*stock: Int!\n', "\n", sdl, count=1)
    product = changed.split("type Product ", 1)[1].split("}", 1)[0]
    assert changed != sdl and "stock" not in product
    return changed


def products_with_new_field(sdl: str) -> str:
    """The products SDL with a new nullable field on ``Product``: a compatible change."""
    changed = re.sub(r"(\n(\s*)stock: Int!\n)", rf"\1\2{NEW_FIELD}: String\n", sdl, count=1)
    assert NEW_FIELD in changed
    return changed


async def products_sdl(probe: httpx.AsyncClient, fleet: Fleet) -> str:
    """The SDL the products instances published of themselves."""
    answer = await probe.post(
        fleet.subgraphs["products-b"].url + "/graphql", json={"query": "{ _service { sdl } }"}
    )
    sdl: str = answer.json()["data"]["_service"]["sdl"]
    return sdl


@dataclass
class Process:
    name: str
    process: subprocess.Popen[bytes]
    log: Path
    url: str  # base URL


def start(name: str, command: list[str], folder: Path, env: dict[str, str], port: int) -> Process:
    log = folder / f"{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env={**os.environ, **env}, stdout=output,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    return Process(name, process, log, f"http://127.0.0.1:{port}")


def uvicorn_command(app: str, port: int) -> list[str]:
    return [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "warning"]  # fmt: skip


@dataclass
class Fleet:
    registry: Process
    subgraphs: dict[str, Process]  # users, orders, products-a, products-b
    routers: list[Process]


@contextmanager
def running_fleet(folder: Path) -> Iterator[Fleet]:
    keys = e2e_keys(folder)
    tokens = [
        {"name": "ci", "sha256": sha256(PUBLISH_TOKEN), "scopes": ["registry:publish"]},
        {"name": "routers", "sha256": sha256(READ_TOKEN), "scopes": ["registry:read"]},
        {"name": "usage", "sha256": sha256(REPORT_TOKEN), "scopes": ["registry:report"]},
    ]
    registry_yaml = folder / "registry.yaml"
    registry_yaml.write_text(
        yaml.safe_dump(
            {
                "database_url": f"sqlite+aiosqlite:///{folder / 'registry.sqlite3'}",
                "tokens": tokens,
                "instance_ttl_seconds": 15,
                "health_check": {"interval_seconds": 1, "timeout_seconds": 1},
                "long_poll_interval_seconds": 0.05,
            }
        )
    )
    with ExitStack() as stack:
        token_url = stack.enter_context(served_over_http(token_endpoint(keys))) + "/token"
        registry_port = free_port()
        registry = start(
            "registry",
            [sys.executable, "-m", "router.cli", "registry", "--port", str(registry_port),
             "--config", str(registry_yaml), "--log-level", "warning"],
            folder, {}, registry_port,
        )  # fmt: skip
        stack.enter_context(process_stopped_at_exit(registry.process))
        ports = {name: free_port() for name in ("users", "orders", "products-a", "products-b")}
        subgraph_env = {
            "PRODUCTS_URL": f"http://127.0.0.1:{ports['products-b']}/graphql",
            "FEDRA_AUTH_JWKS": str(keys.jwks_path),
            "FEDRA_AUTH_KEYS_DIR": str(folder / "keys"),
            "USERS_TOKEN_URL": token_url,
            "FEDRA_SERVICE_SECRET_ORDERS": ORDERS_SECRET,
        }
        wait_until_healthy(registry.url, registry.process, registry.log)
        subgraphs: dict[str, Process] = {}
        # orders extends products' types: it composes once products is registered
        for wave in (("users", "products-a", "products-b"), ("orders",)):
            for name in wave:
                port = ports[name]
                module = name.split("-")[0]
                env = {
                    **subgraph_env,
                    "DATABASE_URL": sqlite_url(folder, module),
                    # each instance registers itself: publish, heartbeat, as the contract says
                    "FEDRA_REGISTRY_URL": registry.url,
                    "FEDRA_REGISTRY_TOKEN": PUBLISH_TOKEN,
                    "FEDRA_SUBGRAPH_ROUTING_URL": f"http://127.0.0.1:{port}/graphql",
                    "FEDRA_INSTANCE_ID": name,
                    "FEDRA_REGISTRY_HEARTBEAT_SECONDS": str(HEARTBEAT_SECONDS),
                }
                subgraphs[name] = start(
                    name, uvicorn_command(f"subgraphs.{module}.app:app", port), folder, env, port
                )
                stack.enter_context(process_stopped_at_exit(subgraphs[name].process))
            for name in wave:
                running = subgraphs[name]
                wait_until_healthy(running.url, running.process, running.log)
            wait_registered(registry, set(subgraphs), subgraphs)
        router_yaml = folder / "router.yaml"
        router_yaml.write_text(
            yaml.safe_dump(
                {
                    "supergraph": {
                        "registry": {
                            "url": registry.url,
                            "token_env": "FLEET_REGISTRY_TOKEN",
                            "wait_seconds": 10,
                            "backoff_seconds": 0.2,
                            "startup_timeout": 30,
                        }
                    },
                    "usage_reporting": {
                        "enabled": True,
                        "interval_seconds": 0.5,
                        "token_env": "FLEET_REPORT_TOKEN",
                    },
                    "traffic_shaping": {
                        "all": {"ejection": {"failure_threshold": 2, "base_seconds": 10}}
                    },
                    "logging": {"format": "text", "level": "warning"},
                }
            )
        )
        fleet = Fleet(registry, subgraphs, [])
        yield fleet
        for router in fleet.routers:
            if router.process.poll() is None:
                router.process.terminate()


def wait_registered(registry: Process, ids: set[str], subgraphs: dict[str, Process]) -> None:
    """Until the registry lists ``ids`` as healthy instances."""
    read = {"authorization": f"Bearer {READ_TOKEN}"}
    deadline = time.monotonic() + 60
    while True:
        answer = httpx.get(f"{registry.url}/api/v1/router/state", headers=read, timeout=10)
        listed = set()
        if answer.status_code == 200:
            listed = {
                instance["id"]
                for subgraph in answer.json()["subgraphs"].values()
                for instance in subgraph["instances"]
                if instance["healthy"]
            }
        if ids <= listed:
            return
        if time.monotonic() > deadline:
            logs = {name: p.log.read_text()[-1500:] for name, p in subgraphs.items()}
            raise AssertionError(f"registered {sorted(listed)}, not {sorted(ids)}: {logs}")
        time.sleep(0.1)


def start_routers(fleet: Fleet, folder: Path, count: int) -> None:
    for n in range(count):
        port = free_port()
        router = start(
            f"router-{n}",
            [sys.executable, "-m", "router.cli", "serve", "--config", str(folder / "router.yaml"),
             "--port", str(port)],
            folder,
            {"FLEET_REGISTRY_TOKEN": READ_TOKEN, "FLEET_REPORT_TOKEN": REPORT_TOKEN},
            port,
        )  # fmt: skip
        fleet.routers.append(router)
    for router in fleet.routers:
        wait_until_healthy(router.url, router.process, router.log)


@dataclass(frozen=True)
class Outcome:
    started: float
    ended: float
    ok: bool
    router: int
    detail: str


async def load(
    routers: list[str], stop: asyncio.Event, outcomes: list[Outcome], worker: int
) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        turn = worker
        while not stop.is_set():
            turn += 1
            index = turn % len(routers)
            query = LOAD_QUERY if turn % 3 else USERS_QUERY
            started = time.monotonic()
            try:
                response = await client.post(f"{routers[index]}/graphql", json={"query": query})
                body = response.json()
                ok = response.status_code == 200 and "errors" not in body and body.get("data")
                detail = "" if ok else response.text[:300]
            except (httpx.HTTPError, ValueError) as error:
                ok, detail = False, repr(error)
            outcomes.append(Outcome(started, time.monotonic(), bool(ok), index, detail))


async def metric_value(client: httpx.AsyncClient, url: str, line_start: str) -> float | None:
    text = (await client.get(f"{url}/metrics")).text
    for line in text.splitlines():
        if line.startswith(line_start + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


async def wait_for(check: object, seconds: float, what: str) -> float:
    """Seconds until the async ``check()`` holds."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if await check():  # type: ignore[operator]
            return time.monotonic() - started
        await asyncio.sleep(0.05)
    raise AssertionError(f"{what} did not happen within {seconds}s")


async def test_a_fleet_follows_the_registry_through_a_kill_a_refused_and_a_served_change(
    database_folder: Path,
) -> None:
    folder = database_folder
    with running_fleet(folder) as fleet:
        publish = {"authorization": f"Bearer {PUBLISH_TOKEN}"}
        async with (
            httpx.AsyncClient(base_url=fleet.registry.url, headers=publish, timeout=30) as ci,
            httpx.AsyncClient(timeout=10) as probe,
        ):
            start_routers(fleet, folder, 2)
            routers = [router.url for router in fleet.routers]
            await run_scenario(fleet, ci, probe, routers)


async def run_scenario(
    fleet: Fleet, ci: httpx.AsyncClient, probe: httpx.AsyncClient, routers: list[str]
) -> None:
    # both routers balance products over both instances
    for router in routers:
        for _ in range(6):
            body = (await probe.post(f"{router}/graphql", json={"query": LOAD_QUERY})).json()
            assert "errors" not in body, body
    for router in routers:
        for instance in ("products-a", "products-b"):
            sent = await metric_value(
                probe,
                router,
                f'fedra_subgraph_instance_requests_total{{instance="{instance}",outcome="ok",'
                'subgraph="products"}',
            )
            assert sent is not None and sent >= 1, (router, instance)

    outcomes: list[Outcome] = []
    stop = asyncio.Event()
    workers = [
        asyncio.create_task(load(routers, stop, outcomes, worker))
        for worker in range(CONCURRENT_CLIENTS)
    ]
    try:
        await asyncio.sleep(2.0)
        # 1. kill one products instance mid-load
        victim = fleet.subgraphs["products-a"]
        killed_at = time.monotonic()
        victim.process.send_signal(signal.SIGKILL)
        victim.process.wait()
        ejected_at = await ejection_point(fleet, probe, routers)
        assert ejected_at - killed_at < EJECTION_BOUND_SECONDS
        await asyncio.sleep(3.0)  # load after the ejection

        # 2. a breaking change to a field recorded operations use is refused, naming them
        for router in routers:

            async def reported(url: str = router) -> bool:
                sent = await metric_value(probe, url, 'fedra_usage_reports_total{outcome="sent"}')
                return sent is not None and sent >= 1

            await wait_for(reported, 10, f"usage reports from {router}")
        await asyncio.sleep(1.0)  # a report covering the load, from both routers
        refused = await ci.post(
            "/api/v1/subgraphs/products/publish",
            json={
                "sdl": products_without_stock(await products_sdl(probe, fleet)),
                "routing_url": fleet.subgraphs["products-b"].url + "/graphql",
                "author": "fleet-test",
            },
        )
        assert refused.status_code == 409, refused.text
        check = refused.json()["check"]
        stock = [c for c in check["breaking_changes"] if c["coordinate"] == "Product.stock"]
        assert stock, check
        named = {operation["name"] for operation in stock[0]["operations"]}
        assert "FleetLoad" in named, stock
        assert all(operation["count"] >= 1 for operation in stock[0]["operations"])

        # 3. a compatible change: both routers serve it within a bound, load unaffected
        accepted = await ci.post(
            "/api/v1/subgraphs/products/publish",
            json={
                "sdl": products_with_new_field(await products_sdl(probe, fleet)),
                "routing_url": fleet.subgraphs["products-b"].url + "/graphql",
                "author": "fleet-test",
            },
        )
        published_at = time.monotonic()
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["changed"] is True
        served_after = await asyncio.gather(*(serves_new_field(probe, r) for r in routers))
        served_at = published_at + max(served_after)
        await asyncio.sleep(2.0)  # load on the new supergraph
    finally:
        stop.set()
        await asyncio.gather(*workers, return_exceptions=True)

    before_kill = [o for o in outcomes if o.ended < killed_at]
    kill_to_ejection = [o for o in outcomes if o.ended >= killed_at and o.started < ejected_at]
    after_ejection = [o for o in outcomes if o.started >= ejected_at]
    across_reload = [o for o in outcomes if o.started < served_at and o.ended > published_at]
    failed_after = [o.detail for o in after_ejection if not o.ok]
    print(
        f"\nfleet: {len(outcomes)} requests; before the kill {len(before_kill)} "
        f"({sum(not o.ok for o in before_kill)} failed); kill→ejection "
        f"{ejected_at - killed_at:.3f}s, {len(kill_to_ejection)} requests "
        f"({sum(not o.ok for o in kill_to_ejection)} failed); after the ejection "
        f"{len(after_ejection)} ({len(failed_after)} failed); compatible change served by both "
        f"routers {max(served_after):.3f}s after the publish ({served_after[0]:.3f}s, "
        f"{served_after[1]:.3f}s); {len(across_reload)} requests in flight across it, "
        f"{sum(not o.ok for o in across_reload)} failed"
    )
    assert all(o.ok for o in before_kill), [o.detail for o in before_kill if not o.ok][:3]
    assert len(after_ejection) > 50
    assert failed_after == [], failed_after[:3]
    assert max(served_after) < SERVE_BOUND_SECONDS
    assert across_reload and all(o.ok for o in across_reload)


async def ejection_point(fleet: Fleet, probe: httpx.AsyncClient, routers: list[str]) -> float:
    """When every router stopped sending to the killed instance: it ejected it, or the
    registry's state says it is unhealthy or gone."""
    read = {"authorization": f"Bearer {READ_TOKEN}"}

    async def registry_dropped() -> bool:
        state = (await probe.get(f"{fleet.registry.url}/api/v1/router/state", headers=read)).json()
        instances = state["subgraphs"]["products"]["instances"]
        return not any(i["id"] == "products-a" and i["healthy"] for i in instances)

    async def ejected(router: str) -> bool:
        value = await metric_value(
            probe,
            router,
            'fedra_subgraph_instance_ejected{instance="products-a",subgraph="products"}',
        )
        return value == 1.0

    async def everywhere() -> bool:
        if await registry_dropped():
            await asyncio.sleep(0.2)  # the routers' long polls answer within the registry's step
            return True
        return all([await ejected(router) for router in routers])

    await wait_for(everywhere, EJECTION_BOUND_SECONDS * 2, "the ejection of products-a")
    return time.monotonic()


async def serves_new_field(probe: httpx.AsyncClient, router: str) -> float:
    started = time.monotonic()

    async def served() -> bool:
        answer = await probe.post(f"{router}/graphql", json={"query": INTROSPECT_PRODUCT})
        fields = {f["name"] for f in answer.json()["data"]["__type"]["fields"]}
        return NEW_FIELD in fields

    await wait_for(served, SERVE_BOUND_SECONDS * 3, f"{router} serving the new field")
    return time.monotonic() - started

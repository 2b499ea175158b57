"""Subscription latency through the router: ``python -m bench.subscription_latency [--orders N]``.

The real three subgraphs (each its own uvicorn process) behind ``fedra serve`` (a process of its
own); this process is the client: it subscribes to ``myOrderUpdates`` over graphql-transport-ws
(each event completed with the products' names and the user's name from the other subgraphs)
and places orders one at a time. Latency: from the order's ``createdAt`` (set in the placing
transaction, just before its commit) to its ``PLACED`` event at the client. Twice: with the
orders app's embedded outbox dispatcher, and with the broker (``BROKER_URL``, e.g. RabbitMQ)
carrying the events, when it is set. Writes
``bench/results/<date>-subscription-latency-<host>.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.machine import describe_machine
from bench.workload import BENCH_DIR

RESULTS_DIR = BENCH_DIR / "results"
ROOT = BENCH_DIR.parent
SUBSCRIPTION = (
    "subscription Mine { myOrderUpdates { id status createdAt "
    "items { quantity product { name price { amount } } } user { name } } }"
)
PLACE = "mutation Place($items: [OrderLineInput!]!) { placeOrder(input: {items: $items}) { id } }"
# straight to the orders subgraph: what the router's primary fetch asks of it
DIRECT = (
    "subscription { myOrderUpdates { id status createdAt "
    "items { quantity product { __typename id name } } user { __typename id } } }"
)
ITEMS = [{"productId": "1", "quantity": 1}, {"productId": "2", "quantity": 1}]
BROKER_PREFIX_ENV = "ORDERS_BROKER_PREFIX"


@dataclass(frozen=True)
class ModeResult:
    mode: str
    orders: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    place_order_p50_ms: float
    # the router's share: the event at the router's client minus at a direct subgraph client
    router_p50_ms: float
    router_p99_ms: float


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


@contextmanager
def served_router(folder: Path, urls: dict[str, str]) -> Iterator[str]:
    """``fedra serve`` on the supergraph of ``urls``; yields its GraphQL URL."""
    from tests.e2e.live import free_port, process_stopped_at_exit, wait_until_healthy
    from tests.e2e.stack import e2e_keys
    from tests.server.stack import authentication_environ, compose_supergraph_sdl

    supergraph = folder / "supergraph.graphql"
    supergraph.write_text(compose_supergraph_sdl())
    port = free_port()
    env = {
        **os.environ,
        **authentication_environ(e2e_keys(folder)),
        **{f"FEDRA_SUBGRAPHS__{name.upper()}__URL": url for name, url in urls.items()},
        "FEDRA_LOGGING__LEVEL": "warning",
    }
    log = folder / "router.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "router.cli", "serve", "--supergraph", str(supergraph),
             "--port", str(port), "--no-watch"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    with process_stopped_at_exit(process):
        wait_until_healthy(f"http://127.0.0.1:{port}", process, log)
        yield f"http://127.0.0.1:{port}/graphql"


async def measure(mode: str, orders: int) -> ModeResult:
    from tests.e2e.identity import CALLER
    from tests.e2e.live import live_subgraphs
    from tests.subscriptions.harness import ws_next, ws_subscribe

    latencies: list[float] = []
    round_trips: list[float] = []
    router_shares: list[float] = []
    direct_arrivals: dict[str, float] = {}
    with (
        tempfile.TemporaryDirectory(prefix="fedra-subscription-bench-") as folder,
        live_subgraphs(Path(folder)) as urls,
        served_router(Path(folder), urls) as url,
    ):
        ws_url = "ws://" + url.removeprefix("http://")
        socket_ = await ws_subscribe(ws_url, SUBSCRIPTION, init_payload={"headers": CALLER})
        orders_ws = "ws://" + urls["orders"].removeprefix("http://")
        direct = await ws_subscribe(orders_ws, DIRECT, init_payload={"headers": CALLER})

        async def follow_direct() -> None:
            while True:
                message = await ws_next(direct, 600)
                order = message["payload"]["data"]["myOrderUpdates"]
                if order["status"] == "PLACED":
                    direct_arrivals[order["id"]] = time.time()

        following = asyncio.create_task(follow_direct())
        async with httpx.AsyncClient(timeout=30) as client:

            async def place() -> str:
                started = time.perf_counter()
                response = await client.post(
                    url, json={"query": PLACE, "variables": {"items": ITEMS}}, headers=CALLER
                )
                round_trips.append((time.perf_counter() - started) * 1000)
                body = response.json()
                assert "errors" not in body, body
                order_id: str = body["data"]["placeOrder"]["id"]
                return order_id

            async def placed_event(order_id: str) -> float:
                """The latency of ``order_id``'s PLACED event, in ms."""
                while True:
                    message = await ws_next(socket_, 30)
                    received = time.time()
                    assert message["type"] == "next", message
                    order: dict[str, Any] = message["payload"]["data"]["myOrderUpdates"]
                    assert order["user"]["name"] and order["items"][0]["product"]["name"]
                    if order["id"] == order_id and order["status"] == "PLACED":
                        created = datetime.fromisoformat(order["createdAt"]).timestamp()
                        seen_direct = direct_arrivals.get(order_id)
                        if seen_direct is not None:
                            router_shares.append((received - seen_direct) * 1000)
                        return (received - created) * 1000

            # warm up until the subscription is live on the orders subgraph
            while True:
                warm = await place()
                try:
                    await asyncio.wait_for(placed_event(warm), 2)
                    break
                except TimeoutError:
                    continue
            round_trips.clear()
            router_shares.clear()
            for _ in range(orders):
                order_id = await place()
                latencies.append(await placed_event(order_id))
        following.cancel()
        await socket_.close()
        await direct.close()
    return ModeResult(
        mode=mode,
        orders=orders,
        p50_ms=round(statistics.median(latencies), 2),
        p90_ms=round(percentile(latencies, 0.90), 2),
        p99_ms=round(percentile(latencies, 0.99), 2),
        max_ms=round(max(latencies), 2),
        place_order_p50_ms=round(statistics.median(round_trips), 2),
        router_p50_ms=round(statistics.median(router_shares), 2) if router_shares else -1.0,
        router_p99_ms=round(percentile(router_shares, 0.99), 2) if router_shares else -1.0,
    )


async def delete_topology(broker_url: str, prefix: str) -> None:
    """Remove the benchmark's exchange and queues from the broker."""
    import aio_pika

    from subgraphs.orders.broker import Topology

    topology = Topology(prefix)
    connection = await aio_pika.connect(broker_url)
    async with connection:
        channel = await connection.channel()
        for queue in (topology.work_queue, topology.retry_queue, topology.dead_queue):
            await channel.queue_delete(queue)
        await channel.exchange_delete(topology.exchange)


def report(results: list[ModeResult], machine: dict[str, str | int], stamp: str) -> str:
    lines = [
        f"# Subscription latency — {stamp}",
        "",
        "placeOrder commit (the order's createdAt) → its `myOrderUpdates` event at a "
        "graphql-transport-ws client through `fedra serve`, each event completed with products "
        "and users fields; each subgraph, the router and the client in processes of their own; "
        "orders placed one at a time; `python -m bench.subscription_latency`. The router's "
        "share: the event at the router's client minus the same event at a client subscribed "
        "to the orders subgraph directly (the router's WebSocket hop, the products and users "
        "entity fetches of the event, shaping).",
        "",
        "| events via | orders | p50 ms | p90 ms | p99 ms | max ms | placeOrder p50 ms "
        "| router's share p50 ms | router's share p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.mode} | {r.orders} | {r.p50_ms} | {r.p90_ms} | {r.p99_ms} | {r.max_ms} "
            f"| {r.place_order_p50_ms} | {r.router_p50_ms} | {r.router_p99_ms} |"
        )
    described = ", ".join(f"{key}: {value}" for key, value in machine.items())
    lines += ["", f"Machine: {described}", ""]
    return "\n".join(lines)


async def run(orders: int) -> list[ModeResult]:
    """Both modes; the subgraph processes read ``BROKER_URL`` from the environment."""
    broker_url = os.environ.pop("BROKER_URL", None)
    try:
        results = [await measure("embedded dispatcher", orders)]
    finally:
        if broker_url:
            os.environ["BROKER_URL"] = broker_url
    if broker_url:
        prefix = f"fedra-bench-{os.getpid()}-{int(time.time())}"
        os.environ[BROKER_PREFIX_ENV] = prefix
        try:
            results.append(await measure("broker (RabbitMQ)", orders))
        finally:
            del os.environ[BROKER_PREFIX_ENV]
            await delete_topology(broker_url, prefix)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--orders", type=int, default=200, help="orders placed per mode")
    parser.add_argument("--no-write", action="store_true", help="print, write no results")
    args = parser.parse_args(argv)
    machine = describe_machine()
    results = asyncio.run(run(args.orders))
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H%M%SZ")
    text = report(results, machine, stamp)
    print(text)
    if not args.no_write:
        host = socket.gethostname()
        base = RESULTS_DIR / f"{stamp}-subscription-latency-{host}"
        payload = {"machine": machine, "results": [asdict(r) for r in results]}
        base.with_suffix(".json").write_bytes(orjson.dumps(payload, option=orjson.OPT_INDENT_2))
        base.with_suffix(".md").write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""A soak with a flapping subgraph: ``python -m bench.soak [--minutes 5] [--quick]``.

The project's own stack as processes: the users, products and orders subgraphs (uvicorn, SQLite
files in a temporary directory) and ``fedra serve`` with ``schema/supergraph.graphql`` and the
subgraphs' URLs as overrides, the router pinned to the last core and everything else (subgraphs,
load client) to the others. Steady load of a query across the three subgraphs for the whole run,
while the orders subgraph is killed (SIGKILL) and started again on a schedule (by default down
10 s every 30 s). Every second: the router's RSS and its breaker state and transitions from
/metrics. Every answer is timed and classified (full, partial, errors only, wrong, failed).

Writes ``bench/results/<date>-soak-<host>.md`` and ``.json`` (``-quick`` runs are not kept).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
from prometheus_client.parser import text_string_to_metric_families

from bench.cpus import plan_cpus
from bench.machine import describe_machine
from bench.servers import ServerProcess, pinned, process_tree
from bench.soak_load import HEADERS, LoadPlan, classify
from bench.soak_load import run as run_load
from bench.soak_report import Answer, Outcome, Sample, Window, buckets, markdown, summarise
from bench.workload import BENCH_DIR

REPO_DIR = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
SUPERGRAPH = REPO_DIR / "schema" / "supergraph.graphql"
SUBGRAPHS = ("users", "products", "orders")
READY_TIMEOUT_S = 60.0
# Anonymous-readable fields of all three subgraphs. The nullable `user(id:)` carries everything
# that needs orders (the user's orders and order count; each item's product with its price from
# products and its shippingEstimate from orders again), so while orders is down the answer keeps
# `users` and `topProducts` and has `customer: null` with errors.
QUERY = """
query Soak {
  users(first: 3) { edges { node { id name } } }
  topProducts(first: 3) { id name price { amount currency } }
  customer: user(id: "1") {
    name
    orderCount
    orders(first: 2) {
      id
      status
      total { amount currency }
      items { quantity product { name price { amount } shippingEstimate { amount } } }
    }
  }
}
"""


@dataclass(frozen=True, slots=True)
class Settings:
    duration_s: float
    period_s: float  # the flapping subgraph is killed once every period
    down_s: float  # and started again this long after
    first_kill_s: float
    flapping: str
    concurrency: int
    max_requests: int
    timeout_s: float
    sample_every_s: float


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def subgraph_server(
    name: str, port: int, directories: tuple[Path, Path], products_url: str, cpus: list[int]
) -> ServerProcess:
    """The subgraph as uvicorn on 127.0.0.1:port; ``directories``: its SQLite file's, its log's."""
    data, logs = directories
    app = f"subgraphs.{name}.app:app"
    listen = ["--host", "127.0.0.1", "--port", str(port)]
    quiet = ["--no-access-log", "--log-level", "warning"]
    command = [sys.executable, "-m", "uvicorn", app, *listen, *quiet]
    return ServerProcess(
        name=name,
        command=pinned(command, cpus),
        port=port,
        log_path=logs / f"{name}-0.log",
        cwd=REPO_DIR,
        env={
            "DATABASE_URL": f"sqlite+aiosqlite:///{data / f'{name}.sqlite3'}",
            "PRODUCTS_URL": products_url,
        },
    )


def router_server(
    port: int, urls: dict[str, str], directory: Path, cpus: list[int]
) -> ServerProcess:
    serve = [sys.executable, "-m", "router.cli", "serve", "--supergraph", str(SUPERGRAPH)]
    listen = ["--host", "127.0.0.1", "--port", str(port)]
    command = [*serve, *listen, "--workers", "1", "--no-watch"]
    overrides = {f"FEDRA_SUBGRAPHS__{name.upper()}__URL": url for name, url in urls.items()}
    return ServerProcess(
        name="fedra",
        command=pinned(command, cpus),
        port=port,
        log_path=directory / "fedra.log",
        cwd=REPO_DIR,
        env={**overrides, "FEDRA_LOGGING__LEVEL": "warning"},
    )


def rss_kib(root_pid: int) -> int:
    """VmRSS of a process and its descendants, in KiB."""
    total = 0
    for pid in process_tree(root_pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def breaker_metrics(text: str) -> tuple[dict[str, int], dict[str, float]]:
    """Breaker state per subgraph and transitions per "subgraph:state" from /metrics."""
    states: dict[str, int] = {}
    transitions: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "fedra_subgraph_circuit_state":
                states[sample.labels["subgraph"]] = int(sample.value)
            elif sample.name == "fedra_subgraph_circuit_transitions_total":
                key = f"{sample.labels['subgraph']}:{sample.labels['state']}"
                transitions[key] = sample.value
    return states, transitions


class Flapper:
    """Kills one subgraph (SIGKILL to its process group) and starts it again, on a schedule."""

    def __init__(self, server: ServerProcess, settings: Settings) -> None:
        self.server = server
        self.settings = settings
        self.windows: list[Window] = []
        self.restarts = 0

    async def run(self, started: float) -> None:
        s = self.settings
        kill_at = s.first_kill_s
        while kill_at + s.down_s < s.duration_s:
            await asyncio.sleep(max(0.0, started + kill_at - time.monotonic()))
            killed = time.monotonic() - started
            self._kill()
            await asyncio.sleep(max(0.0, started + killed + s.down_s - time.monotonic()))
            self.restarts += 1
            self.server = dataclasses.replace(
                self.server,
                process=None,
                log_path=self.server.log_path.with_name(f"{s.flapping}-{self.restarts}.log"),
            )
            restarted = time.monotonic() - started
            await asyncio.to_thread(self.server.start, READY_TIMEOUT_S)
            self.windows.append(Window(killed, time.monotonic() - started, restarted))
            kill_at += s.period_s

    def _kill(self) -> None:
        process = self.server.process
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


async def take_sample(
    client: httpx.AsyncClient, router: ServerProcess, metrics_url: str, at_s: float
) -> Sample:
    assert router.process is not None
    states: dict[str, int] = {}
    transitions: dict[str, float] = {}
    with contextlib.suppress(httpx.HTTPError):
        response = await client.get(metrics_url)
        states, transitions = breaker_metrics(response.text)
    return Sample(at_s, rss_kib(router.process.pid), states, transitions)


async def sample_every(
    client: httpx.AsyncClient,
    router: ServerProcess,
    metrics_url: str,
    every_s: float,
    started: float,
    out: list[Sample],
) -> None:
    tick = 0
    while True:
        out.append(await take_sample(client, router, metrics_url, time.monotonic() - started))
        tick += 1
        await asyncio.sleep(max(0.0, started + tick * every_s - time.monotonic()))


async def soak(
    router: ServerProcess,
    flapper: Flapper,
    plan: LoadPlan,
    settings: Settings,
    errors_seen: Counter[str],
) -> tuple[list[Answer], list[Sample], float]:
    """The load, the flapping and the sampling together; the answers, the samples (the last
    taken once the load has stopped) and the load's duration."""
    samples: list[Sample] = []
    metrics_url = plan.url.rsplit("/", 1)[0] + "/metrics"
    async with httpx.AsyncClient(timeout=5) as client:
        started = time.monotonic()
        sampler = asyncio.create_task(
            sample_every(client, router, metrics_url, settings.sample_every_s, started, samples)
        )
        flapping = asyncio.create_task(flapper.run(started))
        try:
            answers = await run_load(plan, started, errors_seen)
            duration = time.monotonic() - started
            await flapping
        finally:
            sampler.cancel()
            flapping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sampler
        samples.append(await take_sample(client, router, metrics_url, time.monotonic() - started))
    return answers, samples, duration


def busiest_processes(count: int = 6) -> list[str]:
    """The commands using the most CPU on the machine (ps's lifetime average), for the report."""
    completed = subprocess.run(
        ["ps", "-eo", "pcpu=,comm=", "--sort=-pcpu"], capture_output=True, text=True, check=False
    )
    return [" ".join(line.split()) for line in completed.stdout.splitlines()[:count]]


@contextlib.contextmanager
def stack(
    directories: tuple[Path, Path], cpus: list[int], router_cpus: list[int]
) -> Iterator[dict[str, Any]]:
    ports = {name: free_port() for name in SUBGRAPHS}
    urls = {name: f"http://127.0.0.1:{port}/graphql" for name, port in ports.items()}
    servers = {
        name: subgraph_server(name, ports[name], directories, urls["products"], cpus)
        for name in SUBGRAPHS
    }
    router = router_server(free_port(), urls, directories[1], router_cpus)
    started: list[ServerProcess] = []
    try:
        for server in (*servers.values(), router):
            server.start(READY_TIMEOUT_S)
            started.append(server)
        yield {"servers": servers, "router": router, "urls": urls}
    finally:
        for server in started:
            server.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=5.0, help="length of the soak")
    parser.add_argument("--quick", action="store_true", help="30 s, the subgraph down 5 s of 15")
    parser.add_argument("--period", type=float, default=30.0, help="seconds between kills")
    parser.add_argument("--down", type=float, default=10.0, help="seconds the subgraph stays down")
    parser.add_argument("--flapping", choices=SUBGRAPHS, default="orders")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    parser.add_argument("--max-requests", type=int, default=0, help="0: 2000 per second of run")
    args = parser.parse_args(argv)
    duration = 30.0 if args.quick else args.minutes * 60
    period, down = (15.0, 5.0) if args.quick else (args.period, args.down)
    settings = Settings(
        duration_s=duration,
        period_s=period,
        down_s=down,
        first_kill_s=period - down,
        flapping=args.flapping,
        concurrency=args.concurrency,
        max_requests=args.max_requests or int(2000 * duration),
        timeout_s=10.0,
        sample_every_s=1.0,
    )
    errors_seen: Counter[str] = Counter()
    described = describe_machine()
    plan_of_cpus = plan_cpus(sorted(os.sched_getaffinity(0)), pin=True)
    if plan_of_cpus.load:
        os.sched_setaffinity(0, plan_of_cpus.load)  # the load client shares the subgraphs' cores
    when = datetime.now(UTC).strftime("%Y-%m-%dT%H%M%SZ")
    load_before = " ".join(f"{load:.2f}" for load in os.getloadavg())
    busy_before = busiest_processes()
    body = orjson.dumps({"query": QUERY, "operationName": "Soak"})
    logs = RESULTS_DIR / "logs" / f"soak-{when}"
    with (
        tempfile.TemporaryDirectory() as scratch,
        stack((Path(scratch), logs), plan_of_cpus.load, plan_of_cpus.gateway) as running,
    ):
        router: ServerProcess = running["router"]
        url = f"http://127.0.0.1:{router.port}/graphql"
        reference = httpx.post(url, content=body, headers=HEADERS, timeout=30)
        reference_data = orjson.loads(reference.content).get("data")
        checked = classify(reference.status_code, reference.content, reference_data)
        if checked.outcome != Outcome.FULL:
            raise SystemExit(f"the soak query is not answered in full: {reference.text[:2000]}")
        plan = LoadPlan(
            url=url,
            body=body,
            reference_data=reference_data,
            concurrency=settings.concurrency,
            duration_s=settings.duration_s,
            max_requests=settings.max_requests,
            timeout_s=settings.timeout_s,
        )
        flapper = Flapper(running["servers"][settings.flapping], settings)
        try:
            answers, samples, elapsed = asyncio.run(
                soak(router, flapper, plan, settings, errors_seen)
            )
        finally:
            flapper.server.stop()
        router.ensure_running()
    summary = summarise(answers, samples, flapper.windows, elapsed)
    machine = {
        **described,
        "load_average_at_start": load_before,
        "load_average_at_end": " ".join(f"{load:.2f}" for load in os.getloadavg()),
        "busiest_processes_at_start": "; ".join(busy_before),
        "busiest_processes_at_end": "; ".join(busiest_processes()),
        "router_cpus": ",".join(map(str, plan_of_cpus.gateway)) or "any",
        "load_and_subgraph_cpus": ",".join(map(str, plan_of_cpus.load)) or "any",
    }
    shown = {
        "duration": f"{settings.duration_s:.0f} s",
        "flapping": f"{settings.flapping}, SIGKILL then started again, down "
        f"{settings.down_s:.0f} s every {settings.period_s:.0f} s",
        "load": f"{settings.concurrency} requests in flight (httpx), "
        f"at most {settings.max_requests}",
        "breaker": "defaults (5 failures in 10 s open it, 5 s cool-down, 1 half-open probe)",
    }
    per_second = buckets(answers, elapsed)
    text = markdown(summary, per_second, shown, machine, when, errors_seen)
    print(text)
    RESULTS_DIR.mkdir(exist_ok=True)
    suffix = "-quick" if args.quick else ""
    stem = RESULTS_DIR / f"{when}-soak-{socket.gethostname()}{suffix}"
    stem.with_suffix(".md").write_text(text)
    payload = {
        "settings": asdict(settings),
        "query": QUERY,
        "summary": {**asdict(summary), "failed_outright": summary.failed_outright},
        "windows": [asdict(w) for w in flapper.windows],
        "errors_seen": dict(errors_seen.most_common()),
        "per_second": [asdict(b) for b in per_second],
        "samples": [asdict(s) for s in samples],
        "machine": machine,
    }
    stem.with_suffix(".json").write_bytes(orjson.dumps(payload, option=orjson.OPT_INDENT_2))
    return 1 if summary.failed_outright else 0


if __name__ == "__main__":
    sys.exit(main())

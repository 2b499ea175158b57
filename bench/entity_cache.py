"""The entity cache's effect: ``python -m bench.entity_cache [--quick]``.

fedra on the benchmark workload (``TestQuery`` over the four subgraphs), in four phases, each a
fresh ``fedra serve`` pinned to its own core:

- ``off``: no entity cache;
- ``cold``: the cache on, every entry expiring at once (``ttl_seconds: 0.001``): every entity
  is a miss, so this is the cache's cost;
- ``warm``: the cache on with a long lifetime: entities come from the cache;
- ``invalidated``: warm, while a client invalidates every cached type 20 times a second.

For each phase: requests/s, latency percentiles, and subgraph requests per client request (the
subgraphs count what they answer). Every answer is checked against ``expected.json`` first. Writes
``bench/results/<date>-entity-cache-<host>.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson

from bench.answers import check_answer
from bench.cpus import plan_cpus
from bench.gateways import fedra_gateway
from bench.load import LoadSettings, ensure_wrk, run_load
from bench.machine import describe_machine
from bench.node_packages import NODE_DIR, ensure_installed
from bench.servers import ServerProcess, pinned
from bench.subgraphs import check_subgraphs, subgraph_request_counts, subgraphs_server
from bench.workload import BENCH_DIR, load_workload

RESULTS_DIR = BENCH_DIR / "results"
SECRET = "bench-invalidation-secret"
TYPES: tuple[tuple[str, str], ...] = (
    ("accounts", "User"),
    ("products", "Product"),
    ("inventory", "Product"),
    ("reviews", "Product"),
    ("reviews", "User"),
    ("reviews", "Review"),
)
PHASES: dict[str, dict[str, str]] = {
    "off": {},
    "cold": {"FEDRA_ENTITY_CACHE__ENABLED": "true", "FEDRA_ENTITY_CACHE__TTL_SECONDS": "0.001"},
    "warm": {"FEDRA_ENTITY_CACHE__ENABLED": "true", "FEDRA_ENTITY_CACHE__TTL_SECONDS": "300"},
    "invalidated": {
        "FEDRA_ENTITY_CACHE__ENABLED": "true",
        "FEDRA_ENTITY_CACHE__TTL_SECONDS": "300",
        "FEDRA_ENTITY_CACHE__INVALIDATION__ENABLED": "true",
    },
}


@dataclass(frozen=True)
class PhaseResult:
    phase: str
    requests_per_s: float
    latency_ms: dict[str, float]
    requests: int
    subgraph_requests: int
    invalidations: int

    @property
    def subgraph_requests_per_request(self) -> float:
        return self.subgraph_requests / self.requests if self.requests else 0.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def run_phase(
    phase: str, settings: LoadSettings, body_file: Path, logs: Path, cpus: list[list[int]]
) -> PhaseResult:
    workload = load_workload()
    gateway = fedra_gateway()
    port = free_port()
    server = ServerProcess(
        name=f"fedra-{phase}",
        command=pinned(gateway.command(workload.supergraph_path, port), cpus[0]),
        port=port,
        log_path=logs / f"fedra-{phase}.log",
        cwd=gateway.cwd,
        env={**PHASES[phase], "FEDRA_INVALIDATION_SECRET": SECRET},
    )
    server.start(ready_timeout_s=60)
    stop = threading.Event()
    invalidations = 0
    try:
        url = gateway.url(port)
        with httpx.Client(timeout=30) as client:
            headers = {"content-type": "application/json"}
            for attempt in ("cold", "warm"):
                answer = client.post(url, content=workload.request_body(), headers=headers)
                check = check_answer(workload.expected, answer.status_code, answer.content)
                if not check.correct:
                    raise SystemExit(f"{phase}: wrong {attempt} answer: {check.detail}")
            size = len(answer.content)

        def invalidate() -> None:
            nonlocal invalidations
            base = f"http://127.0.0.1:{port}/invalidation"
            body = [{"kind": "type", "subgraph": s, "type": t} for s, t in TYPES]
            with httpx.Client(timeout=10) as client:
                while not stop.wait(0.05):
                    client.post(base, json=body, headers={"authorization": f"Bearer {SECRET}"})
                    invalidations += 1

        if settings.warmup_s:
            run_load(url, body_file, size, settings, settings.warmup_s, cpus[1])
        invalidator = threading.Thread(target=invalidate, daemon=True)
        if phase == "invalidated":
            invalidator.start()
        before = sum(subgraph_request_counts().values())
        result = run_load(url, body_file, size, settings, settings.duration_s, cpus[1])
        after = sum(subgraph_request_counts().values())
        stop.set()
        if invalidator.is_alive():
            invalidator.join()
        if result.non_200 or result.wrong_size:
            raise SystemExit(f"{phase}: {result.non_200} non-200, {result.wrong_size} wrong size")
        return PhaseResult(
            phase,
            result.requests_per_s,
            result.latency_ms,
            result.requests,
            after - before,
            invalidations,
        )
    finally:
        stop.set()
        server.stop()


def markdown(results: Sequence[PhaseResult], machine: dict[str, str | int], when: str) -> str:
    off = next((r for r in results if r.phase == "off"), None)
    lines = [
        f"# Entity cache — {when}",
        "",
        "fedra on the benchmark workload (TestQuery), one `fedra serve` worker pinned to one "
        "core, wrk from the other; `python -m bench.entity_cache`.",
        "",
        "| phase | req/s | x off | p50 ms | p99 ms | subgraph requests / request | invalidations |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ratio = r.requests_per_s / off.requests_per_s if off and off.requests_per_s else 0
        lines.append(
            f"| {r.phase} | {r.requests_per_s:.1f} | {ratio:.2f} | {r.latency_ms.get('p50', 0):.1f}"
            f" | {r.latency_ms.get('p99', 0):.1f} | {r.subgraph_requests_per_request:.2f}"
            f" | {r.invalidations} |"
        )
    lines += ["", "Machine: " + ", ".join(f"{k}: {v}" for k, v in machine.items()), ""]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.entity_cache", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a few seconds per phase")
    args = parser.parse_args(argv)
    settings = (
        LoadSettings(connections=8, threads=1, duration_s=3, warmup_s=1, rounds=1, max_requests=0)
        if args.quick
        else LoadSettings(
            connections=16, threads=1, duration_s=15, warmup_s=3, rounds=1, max_requests=0
        )
    )
    ensure_wrk()
    ensure_installed(NODE_DIR)
    usable = sorted(os.sched_getaffinity(0))
    plan = plan_cpus(usable, pin=True)
    cpus = [plan.gateway, plan.load]
    when = datetime.now(UTC).strftime("%Y-%m-%dT%H%M%SZ")
    results: list[PhaseResult] = []
    with tempfile.TemporaryDirectory() as scratch:
        logs = Path(scratch)
        body_file = logs / "body.json"
        body_file.write_bytes(load_workload().request_body())
        subgraphs = subgraphs_server(logs / "subgraphs.log", plan.load, cache_responses=True)
        subgraphs.start(ready_timeout_s=60)
        try:
            check_subgraphs()
            for phase in PHASES:
                result = run_phase(phase, settings, body_file, logs, cpus)
                print(
                    f"{phase:12} {result.requests_per_s:8.1f} req/s  "
                    f"{result.subgraph_requests_per_request:5.2f} subgraph requests/request",
                    flush=True,
                )
                results.append(result)
        finally:
            subgraphs.stop()
    machine = describe_machine()
    text = markdown(results, machine, when)
    print(text)
    if not args.quick:
        RESULTS_DIR.mkdir(exist_ok=True)
        stem = RESULTS_DIR / f"{when}-entity-cache-{socket.gethostname()}"
        stem.with_suffix(".md").write_text(text)
        payload = {"machine": machine, "phases": [asdict(r) for r in results]}
        stem.with_suffix(".json").write_bytes(orjson.dumps(payload, option=orjson.OPT_INDENT_2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

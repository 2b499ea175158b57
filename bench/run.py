"""Run the gateway benchmark: ``python -m bench.run [--quick] [--gateways fedra apollo-gateway]``.

Starts the four benchmark subgraphs and the gateways, the gateways pinned to their own core. A
gateway's answer to ``TestQuery`` must equal ``bench/workload/expected.json`` before it gets any
load; a wrong answer is reported, not measured. Load comes from wrk on the other core(s), bounded
in time and in requests, one gateway at a time, in alternating rounds; a gateway's figures are
those of its median round. Prints a table with the ratios of fedra to every other gateway and
writes ``bench/results/<date>-<host>.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from bench.cpus import CpuPlan, plan_cpus
from bench.gateways import (
    APOLLO_GATEWAY,
    FEDRA,
    FEDRA_MODES,
    FEDRA_TWO_WORKERS,
    GRAFBASE,
    HIVE_GATEWAY,
    HIVE_ROUTER_RUNTIME,
    SERVE,
    known_gateways,
)
from bench.load import LoadFailed, LoadSettings, ensure_wrk
from bench.machine import describe_machine
from bench.measure import Contender, admit, load_round
from bench.node_packages import NODE_DIR, NodeUnavailable, ensure_installed
from bench.outcome import RunOutcome
from bench.report import table, write_results
from bench.servers import ServerFailed
from bench.subgraphs import check_subgraphs, describe_subgraphs, subgraphs_server
from bench.workload import BENCH_DIR, load_workload

RESULTS_DIR = BENCH_DIR / "results"
PEERS = (HIVE_GATEWAY, HIVE_ROUTER_RUNTIME, GRAFBASE)
FULL = LoadSettings(
    connections=16, threads=1, duration_s=20, warmup_s=5, rounds=3, max_requests=100_000
)
QUICK = LoadSettings(
    connections=8, threads=1, duration_s=3, warmup_s=1, rounds=1, max_requests=2_000
)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smoke run of a few seconds")
    parser.add_argument(
        "--gateways",
        nargs="+",
        default=[FEDRA, APOLLO_GATEWAY],
        choices=[FEDRA, APOLLO_GATEWAY, *PEERS, FEDRA_TWO_WORKERS],
        help="gateways to run, in this order (default: fedra apollo-gateway); "
        f"{FEDRA_TWO_WORKERS} is fedra with --workers 2 on every core (shared with the load)",
    )
    parser.add_argument("--connections", type=int, help="concurrent connections of the load")
    parser.add_argument("--threads", type=int, help="wrk threads")
    parser.add_argument("--duration", type=float, help="seconds of each measured round")
    parser.add_argument("--warmup", type=float, help="seconds of unmeasured load first")
    parser.add_argument("--rounds", type=int, help="measured runs per gateway, alternating")
    parser.add_argument("--max-requests", type=int, help="request budget per measured run")
    parser.add_argument("--port", type=int, default=4100, help="first gateway port")
    parser.add_argument(
        "--fedra-mode",
        choices=FEDRA_MODES,
        default=SERVE,
        help="serve: `fedra serve --supergraph FILE --port P --workers 1` (default); "
        "asgi: uvicorn running the router's ASGI app built in-process (bench.fedra_asgi)",
    )
    parser.add_argument(
        "--fedra-command",
        help="command template for fedra with {python}, {supergraph}, {port} (overrides mode)",
    )
    parser.add_argument(
        "--no-pin", action="store_true", help="do not pin processes to cores with taskset"
    )
    parser.add_argument(
        "--no-subgraph-cache",
        action="store_true",
        help="subgraphs execute every request instead of replaying their cached answers",
    )
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument("--no-write", action="store_true", help="print only, write no files")
    return parser.parse_args(argv)


def load_settings(args: argparse.Namespace) -> LoadSettings:
    base = QUICK if args.quick else FULL
    return LoadSettings(
        connections=args.connections or base.connections,
        threads=args.threads or base.threads,
        duration_s=args.duration or base.duration_s,
        warmup_s=base.warmup_s if args.warmup is None else args.warmup,
        rounds=args.rounds or base.rounds,
        max_requests=base.max_requests if args.max_requests is None else args.max_requests,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    settings = load_settings(args)
    cpus = plan_cpus(sorted(os.sched_getaffinity(0)), pin=not args.no_pin)
    started_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        ensure_wrk()
        ensure_installed(NODE_DIR)
    except (LoadFailed, NodeUnavailable) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    run = RunOutcome(
        started_at=started_at,
        quick=args.quick,
        machine=describe_machine(),
        settings=_settings_record(settings, cpus, args),
    )
    logs_dir = args.results_dir / "logs"
    try:
        _run_gateways(args, settings, cpus, run, logs_dir)
    except ServerFailed as error:
        print(f"bench: the subgraphs did not start: {error}", file=sys.stderr)
        return 2
    print(table(run))
    if not args.no_write:
        json_path, markdown_path = write_results(run, args.results_dir)
        print(f"\nresults: {json_path} and {markdown_path}")
    return 0 if all(outcome.measured for outcome in run.gateways) else 1


def _run_gateways(
    args: argparse.Namespace,
    settings: LoadSettings,
    cpus: CpuPlan,
    run: RunOutcome,
    logs_dir: Path,
) -> None:
    """Start the subgraphs and every gateway (all idle on the gateway core), then load them in
    turn, round after round, so that what else the machine is doing touches them alike."""
    workload = load_workload()
    gateways = known_gateways(args.fedra_mode, args.fedra_command)
    subgraphs = subgraphs_server(
        logs_dir / "subgraphs.log", cpus.load, cache_responses=not args.no_subgraph_cache
    )
    with tempfile.TemporaryDirectory(prefix="fedra-bench-") as scratch, ExitStack() as servers:
        servers.enter_context(subgraphs)
        body_file = Path(scratch) / "request.json"
        body_file.write_bytes(workload.request_body())
        subgraphs.start(ready_timeout_s=30)
        check_subgraphs()
        contenders: list[Contender] = []
        for index, name in enumerate(args.gateways):
            outcome, contender = admit(
                gateways[name],
                workload,
                port=args.port + index,
                cpus=cpus,
                log_path=logs_dir / f"{name}.log",
                servers=servers,
            )
            _say(f"{name}: {outcome.status}: {outcome.detail}")
            run.gateways.append(outcome)
            if contender is not None:
                contenders.append(contender)
        for round_number in range(1, settings.rounds + 1):
            for contender in list(contenders):
                name = contender.outcome.name
                _say(f"round {round_number}/{settings.rounds}: {name}")
                if not load_round(
                    contender, body_file, settings, cpus, subgraphs, warm_up=round_number == 1
                ):
                    _say(f"{name}: {contender.outcome.status}: {contender.outcome.detail}")
                    contenders.remove(contender)
                    contender.server.stop()
                subgraphs.ensure_running()


def _say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def _settings_record(
    settings: LoadSettings, cpus: CpuPlan, args: argparse.Namespace
) -> dict[str, object]:
    return {
        **asdict(settings),
        "load_generator": "wrk (bench/wrk/post_query.lua), one POST body, keep-alive",
        "gateway_cpus": cpus.gateway,
        "subgraphs_and_load_cpus": cpus.load,
        "fedra_mode": args.fedra_command or args.fedra_mode,
        "subgraphs": describe_subgraphs(cache_responses=not args.no_subgraph_cache),
    }


if __name__ == "__main__":
    sys.exit(main())

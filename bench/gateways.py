"""The gateways a benchmark run compares: fedra and its peers, each a command serving
POST /graphql on a port of 127.0.0.1 with the benchmark's supergraph."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from bench.fedra_asgi import SUPERGRAPH_VARIABLE
from bench.grafbase import GRAFBASE_DIR, GRAFBASE_PACKAGE, grafbase_command
from bench.node_packages import HIVE_DIR, NODE_DIR, installed_version
from bench.workload import BENCH_DIR

REPO_DIR = BENCH_DIR.parent
FEDRA = "fedra"
APOLLO_GATEWAY = "apollo-gateway"
HIVE_GATEWAY = "hive-gateway"
HIVE_ROUTER_RUNTIME = "hive-gateway-router-runtime"
GRAFBASE = "grafbase"
FEDRA_TWO_WORKERS = "fedra-workers-2"
NODE_ENV = {"NODE_ENV": "production"}
# One process on one core, like each peer; the supergraph file is not watched (nor is it by
# @apollo/gateway with a static supergraph).
FEDRA_ONE_WORKER = ("--workers", "1", "--no-watch")
FEDRA_TWO_WORKERS_ARGS = ("--workers", "2", "--no-watch")
SERVE = "serve"
ASGI = "asgi"
FEDRA_MODES = (SERVE, ASGI)


@dataclass(frozen=True)
class Gateway:
    name: str
    command: Callable[[Path, int], list[str]]
    version: Callable[[], str]
    cwd: Path
    node_packages: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    graphql_path: str = "/graphql"
    # Pinned to every core (shared with the subgraphs and the load generator) instead of the
    # gateway's one core: for a gateway of several worker processes.
    all_cores: bool = False

    def url(self, port: int) -> str:
        return f"http://127.0.0.1:{port}{self.graphql_path}"


def fedra_gateway(
    mode: str = SERVE, command_template: str | None = None, workers: int = 1
) -> Gateway:
    """fedra with ``workers`` worker processes (one unless asked), run by ``fedra serve`` (mode
    "serve"), by uvicorn with the ASGI app built in-process by ``bench.fedra_asgi`` (mode "asgi"),
    or by a command template with {python}, {supergraph} and {port}. With more than one worker it
    is the contender ``fedra-workers-2``, pinned to every core."""

    def command(supergraph: Path, port: int) -> list[str]:
        if command_template is not None:
            filled = command_template.format(
                python=sys.executable, supergraph=supergraph, port=port
            )
            return shlex.split(filled)
        listen = ["--host", "127.0.0.1", "--port", str(port)]
        if mode == ASGI:
            uvicorn = [sys.executable, "-m", "uvicorn", "--factory", "bench.fedra_asgi:app"]
            environment = ["env", f"{SUPERGRAPH_VARIABLE}={supergraph}"]
            uvicorn_workers = ["--workers", str(workers), "--no-access-log"]
            return [*environment, *uvicorn, *listen, *uvicorn_workers]
        serve = [sys.executable, "-m", "router.cli", "serve", "--supergraph", str(supergraph)]
        return [*serve, *listen, *(FEDRA_ONE_WORKER if workers == 1 else FEDRA_TWO_WORKERS_ARGS)]

    if workers == 1:
        return Gateway(name=FEDRA, command=command, version=_fedra_version, cwd=REPO_DIR)
    return Gateway(
        name=FEDRA_TWO_WORKERS,
        command=command,
        version=lambda: f"{_fedra_version()}, {workers} workers",
        cwd=REPO_DIR,
        all_cores=True,
    )


def apollo_gateway() -> Gateway:
    def command(supergraph: Path, port: int) -> list[str]:
        script = str(NODE_DIR / "apollo-gateway.mjs")
        return ["node", script, "--supergraph", str(supergraph), "--port", str(port)]

    def version() -> str:
        gateway = installed_version(NODE_DIR, "@apollo/gateway")
        server = installed_version(NODE_DIR, "@apollo/server")
        return f"@apollo/gateway {gateway}, @apollo/server {server}"

    return Gateway(
        name=APOLLO_GATEWAY,
        command=command,
        version=version,
        cwd=NODE_DIR,
        node_packages=NODE_DIR,
        env=NODE_ENV,
    )


def hive_gateway(router_runtime: bool = False) -> Gateway:
    """Hive Gateway with its default (JavaScript) planner, or with ``--hive-router-runtime``:
    the query planner of Hive Router (Rust, a native addon) and its executor."""

    def command(supergraph: Path, port: int) -> list[str]:
        binary = str(HIVE_DIR / "node_modules" / ".bin" / "hive-gateway")
        listen = ["--host", "127.0.0.1", "--port", str(port), "--fork", "1"]
        runtime = ["--hive-router-runtime"] if router_runtime else []
        return [binary, "supergraph", str(supergraph), *listen, *runtime]

    def version() -> str:
        found = f"@graphql-hive/gateway {installed_version(HIVE_DIR, '@graphql-hive/gateway')}"
        if router_runtime:
            runtime = installed_version(HIVE_DIR, "@graphql-hive/router-runtime")
            planner = installed_version(HIVE_DIR, "@graphql-hive/router-query-planner")
            found += f", @graphql-hive/router-runtime {runtime}"
            found += f", @graphql-hive/router-query-planner {planner}"
        return found

    return Gateway(
        name=HIVE_ROUTER_RUNTIME if router_runtime else HIVE_GATEWAY,
        command=command,
        version=version,
        cwd=HIVE_DIR,
        node_packages=HIVE_DIR,
        env=NODE_ENV,
    )


def grafbase_gateway() -> Gateway:
    """The Grafbase CLI's ``dev`` server, composing the subgraphs itself (see bench/grafbase.py)."""

    def command(supergraph: Path, port: int) -> list[str]:
        return grafbase_command(port)

    def version() -> str:
        return f"Grafbase CLI {installed_version(GRAFBASE_DIR, GRAFBASE_PACKAGE)} (grafbase dev)"

    return Gateway(
        name=GRAFBASE,
        command=command,
        version=version,
        cwd=GRAFBASE_DIR,
        node_packages=GRAFBASE_DIR,
    )


def _fedra_version() -> str:
    try:
        return f"fedra {metadata.version('fedra')}"
    except metadata.PackageNotFoundError:
        return "fedra (not installed)"


def known_gateways(fedra_mode: str, fedra_command: str | None) -> dict[str, Gateway]:
    return {
        FEDRA: fedra_gateway(fedra_mode, fedra_command),
        APOLLO_GATEWAY: apollo_gateway(),
        HIVE_GATEWAY: hive_gateway(),
        HIVE_ROUTER_RUNTIME: hive_gateway(router_runtime=True),
        GRAFBASE: grafbase_gateway(),
        FEDRA_TWO_WORKERS: fedra_gateway(fedra_mode, fedra_command, workers=2),
    }

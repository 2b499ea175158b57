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
from bench.node_packages import HIVE_DIR, NODE_DIR, installed_version
from bench.workload import BENCH_DIR

REPO_DIR = BENCH_DIR.parent
FEDRA = "fedra"
APOLLO_GATEWAY = "apollo-gateway"
HIVE_GATEWAY = "hive-gateway"
NODE_ENV = {"NODE_ENV": "production"}
# One process on one core, like each peer; the supergraph file is not watched (nor is it by
# @apollo/gateway with a static supergraph).
FEDRA_ONE_WORKER = ("--workers", "1", "--no-watch")
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

    def url(self, port: int) -> str:
        return f"http://127.0.0.1:{port}{self.graphql_path}"


def fedra_gateway(mode: str = SERVE, command_template: str | None = None) -> Gateway:
    """fedra with one worker, run by ``fedra serve`` (mode "serve"), by uvicorn with the ASGI app
    built in-process by ``bench.fedra_asgi`` (mode "asgi"), or by a command template with
    {python}, {supergraph} and {port}."""

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
            return [*environment, *uvicorn, *listen, "--workers", "1", "--no-access-log"]
        serve = [sys.executable, "-m", "router.cli", "serve", "--supergraph", str(supergraph)]
        return [*serve, *listen, *FEDRA_ONE_WORKER]

    return Gateway(name=FEDRA, command=command, version=_fedra_version, cwd=REPO_DIR)


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


def hive_gateway() -> Gateway:
    def command(supergraph: Path, port: int) -> list[str]:
        binary = str(HIVE_DIR / "node_modules" / ".bin" / "hive-gateway")
        listen = ["--host", "127.0.0.1", "--port", str(port), "--fork", "1"]
        return [binary, "supergraph", str(supergraph), *listen]

    def version() -> str:
        return f"@graphql-hive/gateway {installed_version(HIVE_DIR, '@graphql-hive/gateway')}"

    return Gateway(
        name=HIVE_GATEWAY,
        command=command,
        version=version,
        cwd=HIVE_DIR,
        node_packages=HIVE_DIR,
        env=NODE_ENV,
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
    }

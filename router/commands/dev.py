"""``fedra dev``: the whole stack on one machine — three subgraphs, composition, router.

Starts every subgraph of ``supergraph.yaml`` whose routing URL is local (``uvicorn
subgraphs.<name>.app:app`` on the URL's port, its SQLite file ``var/<name>.sqlite3`` seeded on
first start, its log in ``var/log/<name>.log``), composes the
supergraph from their live SDL (falling back to ``schema/supergraph.graphql`` when composition is
unavailable or fails), writes it to ``var/supergraph.graphql`` and serves it on port 4000 with
GraphiQL. Ctrl-C (SIGINT) or SIGTERM stops everything it started.

Authentication is on: the users service keeps its signing keys (and the orders service's dev
client secret) in ``var/keys`` (``<var dir>/keys``; ``FEDRA_AUTH_KEYS_DIR`` chooses another) and
writes their public set to ``jwks.json`` there at start; the subgraphs and the router verify
tokens against that file, and orders gets its credential for products from the users service's
token endpoint. A router configuration without ``authentication.jwt`` gets that file, issuer
``FEDRA_AUTH_ISSUER`` (``fedra-users``) and audience ``FEDRA_AUTH_AUDIENCE`` (``fedra``).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit, urlunsplit

import httpx
import uvicorn
import yaml

from router.auth.forwarding import AuthConfigError
from router.commands.serve import port_in_use
from router.config import ConfigError, load_config
from router.server.app import create_app
from router.server.hooks import HookError
from router.server.json_logging import configure_logging

NAME = "dev"
HELP = "Start the three subgraphs and the router with GraphiQL on http://localhost:4000/graphql."

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
DEFAULT_SUBGRAPHS = {
    "users": "http://localhost:4001/graphql",
    "products": "http://localhost:4002/graphql",
    "orders": "http://localhost:4003/graphql",
}
SERVICE_SDL_QUERY = '{"query": "{ _service { sdl } }"}'
LOG_TAIL_LINES = 30


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--supergraph-config",
        default="supergraph.yaml",
        help="subgraphs in rover's supergraph config format (default: supergraph.yaml)",
    )
    parser.add_argument(
        "--config", default="router.yaml", help="router configuration (default: router.yaml)"
    )
    parser.add_argument("--port", type=int, default=4000, help="router port (default: 4000)")
    parser.add_argument(
        "--fallback-supergraph",
        default="schema/supergraph.graphql",
        help="served when composition is unavailable (default: schema/supergraph.graphql)",
    )
    parser.add_argument("--var-dir", default="var", help="logs and the composed supergraph")
    parser.add_argument(
        "--startup-timeout", type=float, default=60.0, help="seconds to wait for each subgraph"
    )


class DevError(Exception):
    """A reason the stack cannot start, printed as is."""


@dataclass(frozen=True, slots=True)
class SubgraphSpec:
    name: str
    routing_url: str
    schema_file: Path | None

    @property
    def local_port(self) -> int | None:
        parts = urlsplit(self.routing_url)
        if parts.hostname not in LOCAL_HOSTS or parts.port is None:
            return None
        return parts.port


@dataclass(slots=True)
class SubgraphProcess:
    spec: SubgraphSpec
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


def log(message: str) -> None:
    print(f"[fedra dev] {message}", file=sys.stderr, flush=True)


def read_supergraph_config(path: Path) -> list[SubgraphSpec]:
    if not path.exists():
        log(f"{path} not found; using the default subgraphs on ports 4001-4003")
        return [SubgraphSpec(name, url, None) for name, url in DEFAULT_SUBGRAPHS.items()]
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise DevError(f"{path}: not valid YAML: {error}") from None
    subgraphs = data.get("subgraphs") if isinstance(data, dict) else None
    if not isinstance(subgraphs, dict) or not subgraphs:
        raise DevError(f"{path}: expected a 'subgraphs' mapping")
    specs: list[SubgraphSpec] = []
    for name, entry in subgraphs.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("routing_url"), str):
            raise DevError(f"{path}: subgraphs.{name}.routing_url: expected a URL")
        schema = entry.get("schema") or {}
        schema_file = schema.get("file") if isinstance(schema, dict) else None
        specs.append(
            SubgraphSpec(
                str(name),
                entry["routing_url"],
                (path.parent / schema_file) if isinstance(schema_file, str) else None,
            )
        )
    return specs


def subgraph_environment(
    specs: list[SubgraphSpec], var_dir: Path, environ: dict[str, str]
) -> dict[str, str]:
    """What every subgraph process gets on top of ``environ`` (which wins where it is set):
    the products URL for orders, one key directory for all (the users service writes its
    keys, JWKS and the orders service's dev client secret there; the others read them), and
    the users service's token endpoint, where orders gets its credential for products."""
    env = dict(environ)
    urls = {spec.name: spec.routing_url for spec in specs}
    if "products" in urls:
        env.setdefault("PRODUCTS_URL", urls["products"])
    env.setdefault("FEDRA_AUTH_KEYS_DIR", str((var_dir / "keys").resolve()))
    if "users" in urls:
        parts = urlsplit(urls["users"])
        env.setdefault(
            "USERS_TOKEN_URL", urlunsplit((parts.scheme, parts.netloc, "/token", "", ""))
        )
    return env


def check_ports(ports: dict[int, str]) -> None:
    busy = [
        f"port {port} ({what})" for port, what in ports.items() if port_in_use("127.0.0.1", port)
    ]
    if busy:
        raise DevError(
            "already in use: "
            + ", ".join(busy)
            + ". Stop whatever listens there (another `fedra dev`?) and try again."
        )


def start_subgraph(
    spec: SubgraphSpec, port: int, var_dir: Path, env: dict[str, str]
) -> SubgraphProcess:
    log_path = var_dir / "log" / f"{spec.name}.log"
    env = {**env, "DATABASE_URL": f"sqlite+aiosqlite:///{var_dir.resolve() / spec.name}.sqlite3"}
    log_file = log_path.open("wb")
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        f"subgraphs.{spec.name}.app:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    try:
        process = subprocess.Popen(
            command,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # Ctrl-C reaches only us; we stop the children in order
        )
    finally:
        log_file.close()
    return SubgraphProcess(spec, process, log_path)


def wait_until_ready(started: SubgraphProcess, deadline: float) -> None:
    url = started.spec.routing_url
    with httpx.Client(timeout=2.0) as client:
        while True:
            code = started.process.poll()
            if code is not None:
                raise DevError(
                    f"subgraph {started.spec.name} exited with code {code} during startup; "
                    f"last lines of {started.log_path}:\n{started.log_tail()}"
                )
            try:
                response = client.post(
                    url,
                    content='{"query": "{ __typename }"}',
                    headers={"content-type": "application/json"},
                )
                if response.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise DevError(
                    f"subgraph {started.spec.name} did not answer at {url} in time; "
                    f"last lines of {started.log_path}:\n{started.log_tail()}"
                )
            time.sleep(0.2)


def subgraph_sdl(spec: SubgraphSpec) -> str:
    """The live SDL (``_service { sdl }``), else the schema file of the supergraph config."""
    try:
        response = httpx.post(
            spec.routing_url,
            content=SERVICE_SDL_QUERY,
            headers={"content-type": "application/json"},
            timeout=10.0,
        )
        sdl = response.json()["data"]["_service"]["sdl"]
        if isinstance(sdl, str):
            return sdl
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        pass
    if spec.schema_file is not None and spec.schema_file.exists():
        return spec.schema_file.read_text(encoding="utf-8")
    raise DevError(f"cannot get the SDL of subgraph {spec.name} from {spec.routing_url}")


def compose_supergraph(specs: list[SubgraphSpec]) -> str | None:
    """The composed supergraph SDL, or None (with the reason logged) to use the fallback."""
    try:
        from router.compose import SubgraphSource, compose
    except ImportError:
        log("composition (router.compose) is not available")
        return None
    sources = [SubgraphSource(spec.name, spec.routing_url, subgraph_sdl(spec)) for spec in specs]
    result = compose(sources)
    if result.errors or result.supergraph_sdl is None:
        log("composition failed:")
        for error in result.errors:
            where = f" [{error.subgraph}]" if error.subgraph else ""
            log(f"  {error.code}{where}: {error.message}")
        return None
    sdl: str = result.supergraph_sdl
    return sdl


def stop_processes(processes: list[SubgraphProcess]) -> None:
    for started in processes:
        if started.process.poll() is None:
            started.process.terminate()
    deadline = time.monotonic() + 10
    for started in processes:
        try:
            started.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            started.process.kill()
            started.process.wait()
        log(f"stopped subgraph {started.spec.name}")


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


async def _serve(
    server: uvicorn.Server, processes: list[SubgraphProcess], announcement: list[str]
) -> None:
    async def announce_when_listening() -> None:
        while not server.started:
            if server.should_exit:
                return
            await asyncio.sleep(0.05)
        for line in announcement:
            log(line)

    async def watch_subgraphs() -> None:
        reported: set[str] = set()
        while True:
            await asyncio.sleep(1.0)
            for started in processes:
                code = started.process.poll()
                if code is not None and started.spec.name not in reported:
                    reported.add(started.spec.name)
                    log(
                        f"subgraph {started.spec.name} stopped (exit code {code}); "
                        f"last lines of {started.log_path}:\n{started.log_tail()}"
                    )

    tasks = [
        asyncio.create_task(watch_subgraphs()),
        asyncio.create_task(announce_when_listening()),
    ]
    try:
        await server.serve()
    finally:
        for task in tasks:
            task.cancel()


def run(args: argparse.Namespace) -> int:
    previous_sigterm = signal.signal(signal.SIGTERM, _interrupt)
    processes: list[SubgraphProcess] = []
    try:
        return _run(args, processes)
    except DevError as error:
        log(str(error))
        return 1
    except KeyboardInterrupt:
        log("stopping")
        return 0
    finally:
        stop_processes(processes)
        signal.signal(signal.SIGTERM, previous_sigterm)


def authentication_environment(var_dir: Path, environ: dict[str, str]) -> dict[str, str]:
    """The variables that make the subgraphs and the router share the dev signing keys."""
    keys_dir = environ.get("FEDRA_AUTH_KEYS_DIR") or str((var_dir / "keys").resolve())
    return {
        "FEDRA_AUTH_KEYS_DIR": keys_dir,
        "FEDRA_AUTH_JWKS": environ.get("FEDRA_AUTH_JWKS") or str(Path(keys_dir) / "jwks.json"),
    }


def dev_jwt_settings(environ: dict[str, str]) -> dict[str, str]:
    """``authentication.jwt`` for a router configuration that has none: the dev key set."""
    jwks = Path(environ["FEDRA_AUTH_KEYS_DIR"]) / "jwks.json"
    issuer = environ.get("FEDRA_AUTH_ISSUER") or "fedra-users"
    audience = environ.get("FEDRA_AUTH_AUDIENCE") or "fedra"
    return {
        "FEDRA_AUTHENTICATION__JWT__JWKS": f"[{{file: '{jwks}'}}]",
        "FEDRA_AUTHENTICATION__JWT__ISSUERS": f"['{issuer}']",
        "FEDRA_AUTHENTICATION__JWT__AUDIENCES": f"['{audience}']",
    }


def _run(args: argparse.Namespace, processes: list[SubgraphProcess]) -> int:
    var_dir = Path(args.var_dir)
    environ = dict(os.environ)
    environ.setdefault("FEDRA_QUERY_PLAN__ENABLED", "true")
    environ.setdefault("FEDRA_LOGGING__FORMAT", "text")
    environ.setdefault("FEDRA_DEVELOPMENT", "true")
    environ["FEDRA_SERVER__PORT"] = str(args.port)
    environ.update(authentication_environment(var_dir, environ))
    config_path = Path(args.config)
    try:
        config = load_config(config_path if config_path.exists() else None, environ=environ)
        if config.authentication.jwt is None:
            environ.update(dev_jwt_settings(environ))
            config = load_config(config_path if config_path.exists() else None, environ=environ)
    except ConfigError as error:
        raise DevError(str(error)) from None
    specs = read_supergraph_config(Path(args.supergraph_config))
    local = {spec.name: spec.local_port for spec in specs if spec.local_port is not None}
    ports = {port: f"{name} subgraph" for name, port in local.items()}
    ports[config.server.port] = "router"
    check_ports(ports)

    log_dir = var_dir / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    # each subgraph gets its own SQLite file in var_dir; all share the dev signing keys
    child_env = subgraph_environment(
        specs, var_dir, {**os.environ, **authentication_environment(var_dir, environ)}
    )
    for spec in specs:
        port = local.get(spec.name)
        if port is not None:
            log(f"starting subgraph {spec.name} on port {port} (log: {log_dir / spec.name}.log)")
            processes.append(start_subgraph(spec, port, var_dir, child_env))
    deadline = time.monotonic() + args.startup_timeout
    for started in processes:
        wait_until_ready(started, deadline)
        log(f"subgraph {started.spec.name} ready at {started.spec.routing_url}")

    supergraph_sdl = compose_supergraph(specs)
    supergraph_path = var_dir / "supergraph.graphql"
    if supergraph_sdl is None:
        fallback = Path(args.fallback_supergraph)
        if not fallback.exists():
            raise DevError(f"no supergraph: composition unavailable and {fallback} is missing")
        log(f"serving the committed supergraph {fallback} instead of a fresh composition")
        supergraph_sdl = fallback.read_text(encoding="utf-8")
    else:
        log("composed the supergraph from the running subgraphs")
    supergraph_path.write_text(supergraph_sdl, encoding="utf-8")

    configure_logging(config.logging)
    try:
        app = create_app(config, supergraph_path=supergraph_path)
    except (HookError, AuthConfigError) as error:
        raise DevError(str(error)) from None
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=config.server.host,
            port=config.server.port,
            log_config=None,
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=max(1, math.ceil(config.server.shutdown_grace_seconds)),
        )
    )
    announcement = [
        f"supergraph: {supergraph_path} (edit it to hot-reload)",
        f"GraphiQL: http://localhost:{config.server.port}{config.server.graphql_path}"
        " (Ctrl-C stops everything)",
    ]
    asyncio.run(_serve(server, processes, announcement))
    return 0

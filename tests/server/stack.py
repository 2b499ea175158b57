"""The real stack for router tests: the supergraph of our three subgraphs, the subgraph apps
in process (httpx ASGI transports) or as uvicorn processes, and the router around them."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette

from router.config import RouterConfig, load_config
from router.server import create_app
from subgraphs.orders.app import create_app as create_orders_app
from subgraphs.products.app import create_app as create_products_app
from subgraphs.shared.testing_tokens import TestKeys
from subgraphs.users.app import create_app as create_users_app

REPO_ROOT = Path(__file__).resolve().parents[2]
SUBGRAPH_NAMES = ("users", "products", "orders")
DEFAULT_URLS = {
    "users": "http://localhost:4001/graphql",
    "products": "http://localhost:4002/graphql",
    "orders": "http://localhost:4003/graphql",
}
PRODUCTS_IN_PROCESS_URL = "http://products.test/graphql"
STARTUP_TIMEOUT_SECONDS = 60.0
# Public fields only (a user's orders are private): users, orders (orderCount and the
# shipping estimate, which @requires the product's weight and price) and products.
CROSS_SUBGRAPH_QUERY = (
    "query Customers { users(first: 2) { edges { node { name orderCount } } } "
    "topProducts(first: 1) { name shippingEstimate { amount currency } } }"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def compose_supergraph_sdl() -> str:
    """Our composer's supergraph of schema/*.graphql; when it refuses them, Apollo's
    composition (tests/node) or the committed schema/supergraph.graphql."""
    sdls = {name: (REPO_ROOT / "schema" / f"{name}.graphql").read_text() for name in SUBGRAPH_NAMES}
    try:
        from router.compose import SubgraphSource, compose

        result = compose(
            [SubgraphSource(name, DEFAULT_URLS[name], sdl) for name, sdl in sdls.items()]
        )
        if result.supergraph_sdl is not None and not result.errors:
            return result.supergraph_sdl
    except ImportError:
        pass
    committed = REPO_ROOT / "schema" / "supergraph.graphql"
    if committed.exists():
        return committed.read_text()
    fixtures = {
        "main": [
            {"name": name, "url": DEFAULT_URLS[name], "sdl": sdl} for name, sdl in sdls.items()
        ]
    }
    completed = subprocess.run(
        ["node", str(REPO_ROOT / "tests" / "node" / "compose.mjs")],
        input=json.dumps({"fixtures": fixtures}),
        capture_output=True,
        text=True,
        check=True,
    )
    outcome = json.loads(completed.stdout)["main"]
    sdl: str = outcome["supergraphSdl"]
    return sdl


_KEYS: dict[Path, TestKeys] = {}


def test_keys(directory: Path) -> TestKeys:
    """The key set the stack's subgraphs (and, in ``router_stack``, the router) trust: one
    per stack directory."""
    keys = _KEYS.get(directory)
    if keys is None:
        folder = directory / "test-keys"
        folder.mkdir(parents=True, exist_ok=True)
        keys = _KEYS[directory] = TestKeys.create(folder)
    return keys


def authentication_environ(keys: TestKeys) -> dict[str, str]:
    """Router settings verifying tokens of ``keys``."""
    return {
        "FEDRA_AUTHENTICATION__JWT__JWKS": f"[{{file: '{keys.jwks_path}'}}]",
        "FEDRA_AUTHENTICATION__JWT__ISSUERS": "['fedra-users']",
        "FEDRA_AUTHENTICATION__JWT__AUDIENCES": "['fedra']",
    }


def config_from(environ: Mapping[str, str] | None = None, path: Path | None = None) -> RouterConfig:
    """A configuration from ``FEDRA_*`` variables only (never the test process's own)."""
    return load_config(path, environ=dict(environ or {}))


@asynccontextmanager
async def subgraph_apps(
    directory: Path, wrap: Mapping[str, Any] | None = None
) -> AsyncIterator[dict[str, Any]]:
    """The three subgraph apps on fresh SQLite files, started (tables, seed data).

    ``wrap`` maps a subgraph name to a function wrapping its ASGI app (e.g. a header recorder).
    """
    # the stack's test key set, unless the test configures verification itself
    configured = any(os.environ.get(name) for name in ("FEDRA_AUTH_JWKS", "FEDRA_CLAIMS_SECRET"))
    verifier = None if configured else test_keys(directory).verifier()
    products = create_products_app(
        f"sqlite+aiosqlite:///{directory / 'products.sqlite3'}", verifier=verifier
    )
    users = create_users_app(
        f"sqlite+aiosqlite:///{directory / 'users.sqlite3'}", verifier=verifier
    )
    orders = create_orders_app(
        f"sqlite+aiosqlite:///{directory / 'orders.sqlite3'}",
        products_url=PRODUCTS_IN_PROCESS_URL,
        products_transport=httpx.ASGITransport(app=products),
        verifier=verifier,
    )
    apps = {"users": users, "products": products, "orders": orders}
    async with AsyncExitStack() as stack:
        for app in apps.values():
            await stack.enter_async_context(app.router.lifespan_context(app))
        yield {name: (wrap or {}).get(name, lambda inner: inner)(app) for name, app in apps.items()}


@asynccontextmanager
async def in_process_subgraphs(
    directory: Path, wrap: Mapping[str, Any] | None = None
) -> AsyncIterator[dict[str, httpx.AsyncBaseTransport]]:
    """The subgraph apps of ``subgraph_apps``, as in-process transports."""
    async with subgraph_apps(directory, wrap) as apps:
        yield {name: httpx.ASGITransport(app=app) for name, app in apps.items()}


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server inside the test's event loop; the process's signals stay untouched."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@asynccontextmanager
async def served_over_http(apps: Mapping[str, Any]) -> AsyncIterator[dict[str, str]]:
    """Each ASGI app behind its own uvicorn server on 127.0.0.1, in this event loop; yields
    their GraphQL URLs, so that requests to them travel over real sockets."""
    servers: list[uvicorn.Server] = []
    tasks: list[asyncio.Task[None]] = []
    urls: dict[str, str] = {}
    try:
        for name, app in apps.items():
            port = free_port()
            config = uvicorn.Config(
                app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"
            )
            servers.append(_EmbeddedServer(config))
            tasks.append(asyncio.create_task(servers[-1].serve()))
            urls[name] = f"http://127.0.0.1:{port}/graphql"
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while not all(server.started for server in servers):
            failed = [task for task in tasks if task.done()]
            if failed or time.monotonic() > deadline:
                raise RuntimeError("a subgraph server did not start")
            await asyncio.sleep(0.01)
        yield urls
    finally:
        for running in servers:
            running.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)


@dataclass(frozen=True, slots=True)
class SubgraphRoutes:
    """How the router reaches the subgraphs: in-process transports, or URLs over the network."""

    transports: dict[str, httpx.AsyncBaseTransport] | None
    urls: dict[str, str]

    def url_overrides(self) -> dict[str, str]:
        return {f"FEDRA_SUBGRAPHS__{name.upper()}__URL": url for name, url in self.urls.items()}


@asynccontextmanager
async def routed_subgraphs(
    directory: Path, wrap: Mapping[str, Any] | None = None, *, network: bool = False
) -> AsyncIterator[SubgraphRoutes]:
    """The subgraph apps, in process or (``network``) served over HTTP on 127.0.0.1."""
    async with subgraph_apps(directory, wrap) as apps:
        if not network:
            yield SubgraphRoutes({n: httpx.ASGITransport(app=a) for n, a in apps.items()}, {})
            return
        async with served_over_http(apps) as urls:
            yield SubgraphRoutes(None, urls)


@asynccontextmanager
async def router_client(
    app: Starlette, base_url: str = "http://router.test"
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the router app, with the app's startup and shutdown run around it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client


@asynccontextmanager
async def router_stack(
    directory: Path,
    supergraph_sdl: str,
    environ: Mapping[str, str] | None = None,
    *,
    wrap: Mapping[str, Any] | None = None,
    watch: bool = False,
    network: bool = False,
    signed_in: bool = False,
) -> AsyncIterator[tuple[httpx.AsyncClient, Starlette]]:
    """Router + subgraphs; the supergraph is written to ``directory``.

    The subgraphs run in process; with ``network`` they are served over HTTP on 127.0.0.1 and
    the router reaches them through its own connection pools, as in production. The subgraphs
    trust the stack's test key set (``app.state.test_keys``); with ``signed_in`` the router
    verifies its tokens too, so ``keys.user(1, admin=True)`` headers sign a caller in.
    """
    supergraph_path = directory / "supergraph.graphql"
    supergraph_path.write_text(supergraph_sdl)
    settings = {
        "FEDRA_SUPERGRAPH__WATCH": "true" if watch else "false",
        **(authentication_environ(test_keys(directory)) if signed_in else {}),
        **(environ or {}),
    }
    async with routed_subgraphs(directory, wrap, network=network) as routes:
        app = create_app(
            config_from({**settings, **routes.url_overrides()}),
            supergraph_path=supergraph_path,
            subgraph_transports_override=routes.transports,
        )
        app.state.test_keys = test_keys(directory)  # sign callers in: keys.user(1, admin=True)
        async with router_client(app) as client:
            yield client, app


@dataclass(frozen=True, slots=True)
class LiveSubgraphs:
    urls: dict[str, str]
    logs: dict[str, Path]
    keys: TestKeys  # the subgraphs verify callers' tokens against its JWKS file

    def url_overrides(self) -> dict[str, str]:
        return {f"FEDRA_SUBGRAPHS__{name.upper()}__URL": url for name, url in self.urls.items()}


def wait_for_http(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log.read_text()[-3000:]}")
        try:
            response = httpx.post(url, json={"query": "{ __typename }"}, timeout=2.0)
            if response.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def live_subgraphs(directory: Path) -> Iterator[LiveSubgraphs]:
    """The three subgraphs as ``uvicorn subgraphs.<name>.app:app`` processes on free ports."""
    ports = {name: free_port() for name in SUBGRAPH_NAMES}
    urls = {name: f"http://127.0.0.1:{port}/graphql" for name, port in ports.items()}
    logs = {name: directory / f"{name}.log" for name in SUBGRAPH_NAMES}
    keys = TestKeys.create(directory)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for name, port in ports.items():
            env = {
                **os.environ,
                "DATABASE_URL": f"sqlite+aiosqlite:///{directory / f'{name}.sqlite3'}",
                "PRODUCTS_URL": urls["products"],
                "FEDRA_AUTH_JWKS": str(keys.jwks_path),
                "FEDRA_AUTH_KEYS_DIR": str(directory / "keys"),
            }
            with logs[name].open("wb") as log:
                processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "uvicorn", f"subgraphs.{name}.app:app",
                         "--host", "127.0.0.1", "--port", str(port)],
                        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                    )
                )  # fmt: skip
        for (name, url), process in zip(urls.items(), processes, strict=True):
            wait_for_http(url, process, logs[name])
        yield LiveSubgraphs(urls, logs, keys)
    finally:
        for process in processes:
            stop(process)


@contextmanager
def live_router(
    directory: Path, supergraph_sdl: str, environ: Mapping[str, str], *extra_args: str
) -> Iterator[str]:
    """``fedra serve`` as a process on a free port; yields its GraphQL URL."""
    port = free_port()
    supergraph_path = directory / "router-supergraph.graphql"
    supergraph_path.write_text(supergraph_sdl)
    log_path = directory / "router.log"
    env = {**os.environ, **environ}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "router.cli", "serve", "--supergraph", str(supergraph_path),
             "--host", "127.0.0.1", "--port", str(port), *extra_args],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}/graphql"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"fedra serve exited early:\n{log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"fedra serve did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        yield url
    finally:
        stop(process)


def write_supergraph_config(directory: Path, ports: dict[str, int]) -> Path:
    lines = ["federation_version: =2.7.0", "subgraphs:"]
    for name, port in ports.items():
        lines += [
            f"  {name}:",
            f"    routing_url: http://localhost:{port}/graphql",
            "    schema:",
            f"      file: {REPO_ROOT / 'schema' / f'{name}.graphql'}",
        ]
    path = directory / "supergraph.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def start_dev(directory: Path, supergraph_sdl: str, ports: dict[str, int], router_port: int):  # type: ignore[no-untyped-def]
    fallback = directory / "fallback-supergraph.graphql"
    fallback.write_text(supergraph_sdl)
    output = (directory / "dev.out").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "router.cli", "dev",
         "--supergraph-config", str(write_supergraph_config(directory, ports)),
         "--port", str(router_port), "--var-dir", str(directory / "var"),
         "--fallback-supergraph", str(fallback)],
        cwd=REPO_ROOT, stdout=output, stderr=subprocess.STDOUT,
        env={**os.environ, "FEDRA_SERVER__HOST": "127.0.0.1"},
    )  # fmt: skip
    output.close()
    return process, directory / "dev.out"

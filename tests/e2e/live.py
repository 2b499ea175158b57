"""The three subgraphs as ``uvicorn subgraphs.<name>.app:app`` processes on free ports."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

from subgraphs.shared.testing import served_over_http

from .identity import ORDERS_SECRET
from .stack import REPO_ROOT, SUBGRAPH_NAMES, e2e_keys, sqlite_url, token_endpoint

STARTUP_TIMEOUT_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_healthy(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{base_url} exited early:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base_url}/health", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{base_url} did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)


@contextmanager
def process_stopped_at_exit(process: subprocess.Popen[bytes]) -> Iterator[None]:
    try:
        yield
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def live_subgraphs(folder: Path) -> Iterator[dict[str, str]]:
    """Serves the databases in ``folder``; yields each subgraph's GraphQL URL by name.

    The subgraphs trust the test key; orders gets its credential from a token endpoint served
    over HTTP in this process."""
    ports = {name: free_port() for name in SUBGRAPH_NAMES}
    base_urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    keys = e2e_keys(folder)
    with ExitStack() as stack:
        token_url = stack.enter_context(served_over_http(token_endpoint(keys))) + "/token"
        started: list[tuple[str, subprocess.Popen[bytes], Path]] = []
        for name, port in ports.items():
            env = {
                **os.environ,
                "DATABASE_URL": sqlite_url(folder, name),
                "PRODUCTS_URL": f"{base_urls['products']}/graphql",
                "FEDRA_AUTH_JWKS": str(keys.jwks_path),
                "FEDRA_AUTH_KEYS_DIR": str(folder / "keys"),
                "USERS_TOKEN_URL": token_url,
                "FEDRA_SERVICE_SECRET_ORDERS": ORDERS_SECRET,
            }
            log = folder / f"{name}.log"
            with log.open("wb") as output:
                process = subprocess.Popen(
                    [sys.executable, "-m", "uvicorn", f"subgraphs.{name}.app:app",
                     "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                    cwd=REPO_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                )  # fmt: skip
            stack.enter_context(process_stopped_at_exit(process))
            started.append((name, process, log))
        for name, process, log in started:
            wait_until_healthy(base_urls[name], process, log)
        yield {name: f"{url}/graphql" for name, url in base_urls.items()}

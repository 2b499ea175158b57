"""Serve a fixture's subgraphs on free 127.0.0.1 ports for the length of a `with` block.

All subgraphs of a fixture share one background thread and one event loop, each with its own
uvicorn server and listening socket. A subgraph with a "down" fault gets the URL of a port that
was free a moment ago and has nothing listening on it.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import uvicorn

from .runtime import SubgraphSpec, subgraph_app

STARTUP_TIMEOUT_S = 10.0


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _url(port: int) -> str:
    return f"http://127.0.0.1:{port}/graphql"


def _server(spec: SubgraphSpec, stopping: threading.Event) -> uvicorn.Server:
    config = uvicorn.Config(
        subgraph_app(spec, stopping),
        log_level="warning",
        access_log=False,
        lifespan="off",
        ws="none",
        timeout_graceful_shutdown=1,
    )
    return uvicorn.Server(config)


@contextmanager
def serve_subgraphs(specs: Sequence[SubgraphSpec]) -> Iterator[dict[str, str]]:
    """Start every subgraph, yield `{subgraph name: url}`, and stop them all afterwards."""
    urls: dict[str, str] = {}
    stopping = threading.Event()
    # Build every app (and so every schema) before taking any port.
    built = {spec.name: _server(spec, stopping) for spec in specs if not spec.is_down}
    servers: list[tuple[uvicorn.Server, socket.socket]] = []
    for spec in specs:
        if spec.is_down:
            urls[spec.name] = _url(_closed_port())
            continue
        sock = _listening_socket()
        servers.append((built[spec.name], sock))
        urls[spec.name] = _url(sock.getsockname()[1])

    async def serve_all() -> None:
        await asyncio.gather(*(server.serve(sockets=[sock]) for server, sock in servers))

    thread = threading.Thread(target=asyncio.run, args=(serve_all(),), daemon=True)
    thread.start()
    try:
        _wait_until_started([server for server, _ in servers], thread)
        yield urls
    finally:
        stopping.set()
        for server, _ in servers:
            server.should_exit = True
        thread.join(timeout=STARTUP_TIMEOUT_S)
        for _, sock in servers:
            sock.close()


def _wait_until_started(servers: list[uvicorn.Server], thread: threading.Thread) -> None:
    started = threading.Event()
    for _ in range(int(STARTUP_TIMEOUT_S / 0.01)):
        if all(server.started for server in servers):
            started.set()
            break
        if not thread.is_alive():
            break
        started.wait(0.01)
    if not started.is_set():
        raise RuntimeError("fixture subgraphs did not start")

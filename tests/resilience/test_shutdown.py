"""Graceful shutdown of a real ``fedra serve`` process: SIGTERM while a request is in flight
through a deliberately slow subgraph; that request completes, new connections are refused,
and the process exits 0 within the grace period. With one worker and with two."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from router.compose import SubgraphSource, compose
from tests.resilience.slow_subgraph import schema
from tests.server.stack import REPO_ROOT, free_port, stop, wait_for_http

SLOW_MS = 4000
GRACE_SECONDS = 10


@pytest.fixture(scope="module")
def slow_subgraph_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("slow") / "slow.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "tests.resilience.slow_subgraph:app",
             "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}/graphql"
    try:
        wait_for_http(url, process, log)
        yield url
    finally:
        stop(process)


def _supergraph(directory: Path, url: str) -> Path:
    sdl = schema.execute_sync("{ _service { sdl } }").data["_service"]["sdl"]  # type: ignore[index]
    result = compose([SubgraphSource("slow", url, sdl)])
    assert result.supergraph_sdl is not None, result.errors
    path = directory / "supergraph.graphql"
    path.write_text(result.supergraph_sdl)
    return path


def _start_router(
    directory: Path, supergraph: Path, workers: int
) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {**os.environ, "FEDRA_SERVER__SHUTDOWN_GRACE_SECONDS": str(GRACE_SECONDS)}
    env.pop("FEDRA_CONFIG", None)
    log = (directory / "router.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "router.cli", "serve", "--supergraph", str(supergraph),
         "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--no-watch"],
        cwd=directory, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    log.close()
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, (directory / "router.log").read_text()
        try:
            ready = httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200
            started = (directory / "router.log").read_text().count("Application startup complete")
            if ready and started == workers:  # every worker serves
                return process, port
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "fedra serve did not start"
        time.sleep(0.2)


def _refused_soon(port: int, *, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if _refused(port):
            return True
        time.sleep(0.1)
    return False


def _refused(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return False
    except ConnectionRefusedError:
        return True


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_finishes_in_flight_refuses_new_and_exits_zero(
    tmp_path: Path, slow_subgraph_url: str, workers: int
) -> None:
    supergraph = _supergraph(tmp_path, slow_subgraph_url)
    process, port = _start_router(tmp_path, supergraph, workers)
    try:
        outcome: dict[str, httpx.Response | BaseException] = {}

        def slow_request() -> None:
            try:
                outcome["response"] = httpx.post(
                    f"http://127.0.0.1:{port}/graphql",
                    json={"query": f"{{ slow(ms: {SLOW_MS}) }}"},
                    timeout=30,
                )
            except BaseException as error:  # reported by the assertion below
                outcome["response"] = error

        client = threading.Thread(target=slow_request)
        client.start()
        time.sleep(0.8)  # the request is now waiting on the slow subgraph
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)
        # every process stops listening promptly (workers close their inherited sockets as
        # they begin to drain), while the in-flight request is still running
        assert _refused_soon(port, within=2.5), "new connections still accepted after SIGTERM"
        assert client.is_alive()  # the in-flight request was still running meanwhile
        client.join(timeout=30)
        response = outcome["response"]
        assert isinstance(response, httpx.Response), repr(response)
        assert response.status_code == 200
        assert response.json() == {"data": {"slow": f"slept {SLOW_MS}ms"}}
        exit_code = process.wait(timeout=GRACE_SECONDS + 10)
        elapsed = time.monotonic() - signalled
        log = (tmp_path / "router.log").read_text()
        assert exit_code == 0, log
        assert elapsed < GRACE_SECONDS + 5
        # every worker ran the app's shutdown, which closes the subgraph connection pools
        assert log.count("Application shutdown complete") == workers, log
    finally:
        stop(process)


def test_grace_period_bounds_a_request_that_outlives_it(
    tmp_path: Path, slow_subgraph_url: str
) -> None:
    supergraph = _supergraph(tmp_path, slow_subgraph_url)
    process, port = _start_router(tmp_path, supergraph, 1)
    try:
        client = threading.Thread(
            target=lambda: _swallow(
                lambda: httpx.post(
                    f"http://127.0.0.1:{port}/graphql",
                    json={"query": "{ slow(ms: 60000) }"},
                    timeout=90,
                )
            )
        )
        client.start()
        time.sleep(0.8)
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)
        exit_code = process.wait(timeout=GRACE_SECONDS + 15)
        assert exit_code == 0
        assert GRACE_SECONDS - 1 < time.monotonic() - signalled < GRACE_SECONDS + 8
        client.join(timeout=10)
    finally:
        stop(process)


def _swallow(call: Callable[[], object]) -> None:
    with contextlib.suppress(httpx.HTTPError):
        call()

"""Fixtures for the router server tests."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.conftest import REQUIRE_REDIS, require
from tests.server.stack import LiveSubgraphs, compose_supergraph_sdl, free_port, live_subgraphs


@pytest.fixture(scope="session")
def supergraph_sdl() -> str:
    return compose_supergraph_sdl()


@pytest.fixture(params=[False, True], ids=["in-process", "network"])
def network(request: pytest.FixtureRequest) -> bool:
    """Whether the router reaches the subgraphs over HTTP through its own connection pools
    (as in production) or through in-process transports."""
    return bool(request.param)


@pytest.fixture(scope="module")
def live_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSubgraphs]:
    """The three subgraphs as real uvicorn processes, shared by a test module."""
    with live_subgraphs(tmp_path_factory.mktemp("subgraphs")) as subgraphs:
        yield subgraphs


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway ``redis-server`` on a free port; skips (saying so) when it is not installed."""
    binary = shutil.which("redis-server")
    require(
        REQUIRE_REDIS,
        None if binary else "redis-server is not installed: the Redis-backed stores are not tested",
    )
    assert binary is not None
    port = free_port()
    directory = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(directory)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("redis-server did not start")
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)

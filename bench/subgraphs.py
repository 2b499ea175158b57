"""The four benchmark subgraphs, one Node process on 127.0.0.1:4200 (see node/subgraphs.mjs)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx

from bench.node_packages import NODE_DIR
from bench.servers import ServerFailed, ServerProcess, pinned
from bench.workload import EXPECTED_PATH, SUBGRAPH_NAMES, SUBGRAPHS_PORT, SUPERGRAPH_PATH


def describe_subgraphs(cache_responses: bool) -> str:
    described = (
        "Node 'node:http' + graphql-js schemas from @apollo/subgraph, all four in one process"
    )
    if cache_responses:
        return (
            described + "; the answer to each distinct request body is computed once, then replayed"
        )
    return described + "; every request executed"


def subgraphs_server(log_path: Path, cpus: list[int], cache_responses: bool) -> ServerProcess:
    command = ["node", str(NODE_DIR / "subgraphs.mjs"), "--port", str(SUBGRAPHS_PORT)]
    command += ["--expected", str(EXPECTED_PATH)]
    if not cache_responses:
        command.append("--no-response-cache")
    return ServerProcess(
        name="subgraphs",
        command=pinned(command, cpus),
        port=SUBGRAPHS_PORT,
        log_path=log_path,
        cwd=NODE_DIR,
        env={"NODE_ENV": "production"},
    )


def check_subgraphs(port: int = SUBGRAPHS_PORT) -> None:
    """Each subgraph answers ``_service { sdl }`` at its path, and together they compose (with
    @apollo/composition) to the workload's supergraph."""
    with httpx.Client(timeout=10.0) as client:
        for name in SUBGRAPH_NAMES:
            response = client.post(
                f"http://127.0.0.1:{port}/{name}", json={"query": "{ _service { sdl } }"}
            )
            sdl = response.json().get("data", {}).get("_service", {}).get("sdl")
            if response.status_code != 200 or not sdl:
                raise ServerFailed(f"subgraph {name} is not answering: {response.text[:300]}")
    command = ["node", str(NODE_DIR / "check-composition.mjs")]
    command += ["--subgraphs", f"http://127.0.0.1:{port}", "--supergraph", str(SUPERGRAPH_PATH)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    if completed.returncode != 0:
        raise ServerFailed(f"subgraphs do not match the workload: {completed.stderr[-2000:]}")


def subgraph_request_counts(port: int = SUBGRAPHS_PORT) -> dict[str, int]:
    """How many requests each subgraph has answered so far."""
    response = httpx.get(f"http://127.0.0.1:{port}/stats", timeout=10.0)
    response.raise_for_status()
    counts: dict[str, int] = response.json()["requests"]
    return counts

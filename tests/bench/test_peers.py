"""The new contenders of the side-by-side benchmark: Hive Gateway with the Hive Router runtime,
the Grafbase gateway and fedra with two workers answer the workload exactly (cold, warm and
under a short load), and the report gives fedra's ratio to each of them."""

from __future__ import annotations

import os
import shutil
import tomllib
from pathlib import Path

import orjson
import pytest

from bench.gateways import (
    FEDRA,
    FEDRA_TWO_WORKERS,
    GRAFBASE,
    HIVE_ROUTER_RUNTIME,
    fedra_gateway,
    hive_gateway,
)
from bench.grafbase import GRAFBASE_BINARY, config_text
from bench.node_packages import HIVE_DIR, NODE_DIR
from bench.run import main
from bench.servers import port_is_free
from bench.workload import SUBGRAPH_NAMES, SUBGRAPHS_PORT, SUPERGRAPH_PATH

GATEWAY_PORT = 4330
CONTENDERS = (FEDRA, HIVE_ROUTER_RUNTIME, GRAFBASE, FEDRA_TWO_WORKERS)


def test_fedra_workers_2_runs_two_workers_on_every_core() -> None:
    gateway = fedra_gateway(workers=2)
    command = gateway.command(SUPERGRAPH_PATH, 4999)
    assert gateway.name == FEDRA_TWO_WORKERS and gateway.all_cores
    assert command[command.index("--workers") + 1] == "2"
    one = fedra_gateway()
    assert one.name == FEDRA and not one.all_cores
    assert one.command(SUPERGRAPH_PATH, 4999)[-3:] == ["--workers", "1", "--no-watch"]


def test_hive_router_runtime_is_the_hive_gateway_with_the_rust_planner() -> None:
    plain = hive_gateway().command(SUPERGRAPH_PATH, 4999)
    rust = hive_gateway(router_runtime=True).command(SUPERGRAPH_PATH, 4999)
    assert rust == [*plain, "--hive-router-runtime"]


def test_grafbase_config_names_every_subgraph_url_and_sdl_file() -> None:
    config = tomllib.loads(config_text(SUBGRAPH_NAMES, port=4200))
    assert sorted(config["subgraphs"]) == sorted(SUBGRAPH_NAMES)
    assert config["subgraphs"]["reviews"] == {
        "url": "http://127.0.0.1:4200/reviews",
        "schema_path": "reviews.graphql",
    }


def _missing() -> str | None:
    for tool in ("node", "npm", "wrk", "taskset"):
        if shutil.which(tool) is None:
            return f"{tool} is not on PATH"
    if not (NODE_DIR / "node_modules" / "@apollo" / "subgraph").is_dir():
        return f"the benchmark subgraphs' packages are not installed in {NODE_DIR}"
    # The peers are optional packages: the run installs them (npm ci) when they are missing,
    # which takes minutes; without FEDRA_REQUIRE_NODE=1 the test skips instead.
    if os.environ.get("FEDRA_REQUIRE_NODE") != "1":
        if not (HIVE_DIR / "node_modules" / "@graphql-hive" / "router-runtime").is_dir():
            return f"@graphql-hive/router-runtime is not installed in {HIVE_DIR}"
        if not GRAFBASE_BINARY.is_file():
            return f"the Grafbase CLI is not installed ({GRAFBASE_BINARY})"
    for port in (SUBGRAPHS_PORT, *range(GATEWAY_PORT, GATEWAY_PORT + len(CONTENDERS))):
        if not port_is_free(port):
            return f"port {port} is in use (another benchmark run?)"
    return None


@pytest.mark.node
def test_the_new_contenders_answer_the_workload_and_get_ratios(tmp_path: Path) -> None:
    reason = _missing()
    if reason is not None:
        if os.environ.get("FEDRA_REQUIRE_NODE") == "1":
            pytest.fail(f"FEDRA_REQUIRE_NODE=1 but {reason}")
        pytest.skip(reason)
    argv = ["--quick", "--gateways", *CONTENDERS, "--duration", "2", "--warmup", "0"]
    argv += ["--port", str(GATEWAY_PORT), "--results-dir", str(tmp_path)]
    # 0: every contender answered exactly expected.json, cold and warm, and under load
    assert main(argv) == 0
    (written,) = tmp_path.glob("*-quick.json")
    document = orjson.loads(written.read_bytes())
    assert [gateway["status"] for gateway in document["gateways"]] == ["ok"] * len(CONTENDERS)
    versions = {gateway["name"]: gateway["version"] for gateway in document["gateways"]}
    assert "2 workers" in versions[FEDRA_TWO_WORKERS]
    assert "@graphql-hive/router-query-planner" in versions[HIVE_ROUTER_RUNTIME]
    assert versions[GRAFBASE].startswith("Grafbase CLI 0.")
    assert sorted(document["ratios"]) == sorted(f"{FEDRA}/{name}" for name in CONTENDERS[1:])
    for found in document["ratios"].values():
        assert found is not None and found["requests_per_s"] > 0

"""The benchmark workload end to end: fedra and @apollo/gateway give exactly ``expected.json``
under a short load; and the query and supergraph stay the published ones (``expected.json`` is
re-recorded when the benchmark subgraphs change, see bench/README.md)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from bench.node_packages import NODE_DIR
from bench.run import main
from bench.servers import port_is_free
from bench.workload import SUBGRAPHS_PORT, WORKLOAD_DIR
from tests.conftest import REQUIRE_NODE, require

# SHA-256 of the published workload files, which the benchmark must not change.
PUBLISHED_SHA256 = {
    "query.graphql": "72bf5176e27bd17e22004a233a41e98b0337511f68c13350d723adeffbe89926",
    "supergraph.graphql": "028adb90579b314290822242203564ed2dd1f3560bc8f9aa7228a3b54c948357",
}
GATEWAY_PORT = 4310


def _missing_tools() -> str | None:
    for tool in ("node", "npm", "wrk", "taskset"):
        if shutil.which(tool) is None:
            return f"{tool} is not on PATH"
    if not (NODE_DIR / "node_modules" / "@apollo" / "gateway").is_dir():
        return f"@apollo/gateway is not installed in {NODE_DIR}"
    for port in (SUBGRAPHS_PORT, GATEWAY_PORT, GATEWAY_PORT + 1):
        if not port_is_free(port):
            return f"port {port} is in use (another benchmark run?)"
    return None


@pytest.mark.node
def test_fedra_and_apollo_gateway_answer_the_workload_correctly(tmp_path: Path) -> None:
    require(REQUIRE_NODE, _missing_tools())
    argv = ["--quick", "--gateways", "fedra", "apollo-gateway", "--no-write"]
    argv += ["--port", str(GATEWAY_PORT), "--results-dir", str(tmp_path)]
    # 0: both gateways answered exactly expected.json, cold and warm, and under load
    assert main(argv) == 0


@pytest.mark.parametrize("name", sorted(PUBLISHED_SHA256))
def test_the_workload_is_byte_equal_to_the_published_one(name: str) -> None:
    digest = hashlib.sha256((WORKLOAD_DIR / name).read_bytes()).hexdigest()
    assert digest == PUBLISHED_SHA256[name]


def test_the_workload_has_no_other_files() -> None:
    assert sorted(p.name for p in WORKLOAD_DIR.iterdir()) == [
        "expected.json",
        "query.graphql",
        "supergraph.graphql",
    ]

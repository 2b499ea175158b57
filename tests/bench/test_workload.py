"""The benchmark workload end to end: fedra and @apollo/gateway give exactly ``expected.json``
under a short load; and the workload files stay the published ones."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bench.node_packages import NODE_DIR
from bench.run import main
from bench.servers import port_is_free
from bench.workload import SUBGRAPHS_PORT, WORKLOAD_DIR

SHARED_WORKLOAD = Path("/work/shared/bench")
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
    reason = _missing_tools()
    if reason is not None:
        if os.environ.get("FEDRA_REQUIRE_NODE") == "1":
            pytest.fail(f"FEDRA_REQUIRE_NODE=1 but {reason}")
        pytest.skip(reason)
    argv = ["--quick", "--gateways", "fedra", "apollo-gateway", "--no-write"]
    argv += ["--port", str(GATEWAY_PORT), "--results-dir", str(tmp_path)]
    # 0: both gateways answered exactly expected.json, cold and warm, and under load
    assert main(argv) == 0


@pytest.mark.skipif(not SHARED_WORKLOAD.is_dir(), reason=f"{SHARED_WORKLOAD} is not here")
@pytest.mark.parametrize("name", ["expected.json", "query.graphql", "supergraph.graphql"])
def test_the_workload_is_byte_equal_to_the_published_one(name: str) -> None:
    assert (WORKLOAD_DIR / name).read_bytes() == (SHARED_WORKLOAD / name).read_bytes()


def test_the_workload_has_no_other_files() -> None:
    assert sorted(p.name for p in WORKLOAD_DIR.iterdir()) == [
        "expected.json",
        "query.graphql",
        "supergraph.graphql",
    ]

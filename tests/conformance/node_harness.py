"""Run the Node reference scripts in tests/node: composition and @apollo/gateway."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from .fixture import Fixture, Operation, placeholder_url

NODE_DIR = Path(__file__).resolve().parent.parent / "node"
NODE_TIMEOUT_S = 180
PLANNER_SCRIPT = NODE_DIR.parent / "planner" / "apollo_planner.mjs"


def node_unavailable_reason() -> str | None:
    """Why the Node reference scripts cannot run here, or None when they can."""
    if shutil.which("node") is None:
        return "node is not on PATH"
    for package in ("@apollo/gateway", "@apollo/server", "@apollo/composition"):
        if not (NODE_DIR / "node_modules" / package).is_dir():
            return f"{package} is not installed (run `npm ci` in {NODE_DIR})"
    return None


def _run_node(script: str, payload: Any) -> Any:
    completed = subprocess.run(
        ["node", str(NODE_DIR / script)],
        input=orjson.dumps(payload),
        capture_output=True,
        cwd=NODE_DIR,
        timeout=NODE_TIMEOUT_S,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{script} failed:\n{completed.stderr.decode(errors='replace')}")
    return orjson.loads(completed.stdout)


def compose_fixtures(fixtures: list[Fixture]) -> dict[str, dict[str, Any]]:
    """`{fixture name: {"supergraphSdl": ...} or {"errors": [...]}}` from @apollo/composition."""
    payload = {
        "fixtures": {
            fixture.name: [
                {"name": spec.name, "url": placeholder_url(spec.name), "sdl": spec.sdl}
                for spec in fixture.subgraphs()
            ]
            for fixture in fixtures
        }
    }
    composed: dict[str, dict[str, Any]] = _run_node("compose-fixture.mjs", payload)
    return composed


@dataclass(frozen=True)
class GatewayResult:
    response: dict[str, Any]
    plan: str | None


def run_gateway(
    fixture: Fixture, urls: dict[str, str], operations: list[Operation]
) -> list[GatewayResult]:
    """Send `operations` through one @apollo/gateway process for `fixture`."""
    payload = {
        "supergraphSdl": fixture.supergraph_path.read_text(encoding="utf-8"),
        "urls": urls,
        "subgraphTimeoutMs": fixture.subgraph_timeout_ms,
        "timeoutSubgraphs": fixture.timeout_subgraphs,
        "operations": [operation.request() for operation in operations],
    }
    output = _run_node("gateway.mjs", payload)
    return [GatewayResult(item["response"], item["plan"]) for item in output["results"]]


def plan_with_query_planner(fixture: Fixture, operations: list[Operation]) -> list[str]:
    """@apollo/query-planner's plan for each operation (as Apollo Router plans: with the
    router's supported features), "ERROR <message>" where it refuses one."""
    payload = {
        "fixture": {
            "supergraph": fixture.supergraph_path.read_text(encoding="utf-8"),
            "operations": {operation.name: operation.query for operation in operations},
        }
    }
    output = _run_node(str(PLANNER_SCRIPT), payload)
    plans = output["fixture"]
    if isinstance(plans, str):
        raise RuntimeError(f"@apollo/query-planner refused {fixture.name}: {plans}")
    return [str(plans[operation.name]) for operation in operations]

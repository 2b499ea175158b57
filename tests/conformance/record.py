"""Re-compose and re-record fixtures with @apollo/composition and @apollo/gateway.

python -m tests.conformance.record [fixture ...]
"""

from __future__ import annotations

import sys

import orjson

from .fixture import Fixture, all_fixtures
from .node_harness import (
    compose_fixtures,
    node_unavailable_reason,
    plan_with_query_planner,
    run_gateway,
)
from .servers import serve_subgraphs


def compose(fixtures: list[Fixture]) -> list[Fixture]:
    """Write each fixture's supergraph.graphql; return the fixtures that composed."""
    composed: list[Fixture] = []
    results = compose_fixtures(fixtures)
    for fixture in fixtures:
        outcome = results[fixture.name]
        if "errors" in outcome:
            print(f"{fixture.name}: composition failed: {outcome['errors']}", file=sys.stderr)
            continue
        fixture.supergraph_path.write_text(outcome["supergraphSdl"], encoding="utf-8")
        composed.append(fixture)
    return composed


def record(fixture: Fixture) -> None:
    operations = fixture.operations()
    if fixture.gateway_unsupported is not None:
        plans = plan_with_query_planner(fixture, operations)
        for operation, plan in zip(operations, plans, strict=True):
            operation.plan_path.write_text(plan + "\n", encoding="utf-8")
        print(f"{fixture.name}: recorded {len(operations)} plans (the gateway cannot serve it)")
        return
    with serve_subgraphs(fixture.subgraphs()) as urls:
        results = run_gateway(fixture, urls, operations)
    for operation, result in zip(operations, results, strict=True):
        operation.expected_path.write_bytes(
            orjson.dumps(result.response, option=orjson.OPT_INDENT_2) + b"\n"
        )
        plan_text = (
            result.plan if result.plan is not None else "(no plan: rejected before planning)"
        )
        operation.plan_path.write_text(plan_text + "\n", encoding="utf-8")
    print(f"{fixture.name}: recorded {len(operations)} operations")


def main(argv: list[str]) -> int:
    reason = node_unavailable_reason()
    if reason is not None:
        print(f"cannot record: {reason}", file=sys.stderr)
        return 2
    fixtures = compose(all_fixtures(argv or None))
    for fixture in fixtures:
        record(fixture)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

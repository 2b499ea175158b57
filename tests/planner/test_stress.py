"""A wide, deep supergraph: planning stays fast and correct, and a tiny budget stops it."""

from __future__ import annotations

import time

import pytest
from graphql import parse

from router.planner import PlanningBudget, PlanningError, plan_operation
from router.supergraph import Supergraph
from tests.planner.plan_checker import check_plan
from tests.planner.supergraphs import make_supergraph

SUBGRAPHS = [f"s{index}" for index in range(8)]
FIELDS = 24


def _wide() -> Supergraph:
    """Entity ``Node`` in every subgraph; field ``fN`` lives in two of them, ``next`` in all."""
    graphs = " ".join(f'@join__type(graph: {name.upper()}, key: "id")' for name in SUBGRAPHS)
    roots = " ".join(f"@join__type(graph: {name.upper()})" for name in SUBGRAPHS)
    fields = []
    for index in range(FIELDS):
        owners = {SUBGRAPHS[index % 8], SUBGRAPHS[(index * 3 + 1) % 8]}
        joins = " ".join(f"@join__field(graph: {owner.upper()})" for owner in sorted(owners))
        fields.append(f"  f{index}: Int {joins}")
    return make_supergraph(
        f"""
type Query {roots} {{
  start: [Node] @join__field(graph: S0)
}}

type Node {graphs} {{
  id: ID!
  next: [Node]
{chr(10).join(fields)}
}}
""",
        SUBGRAPHS,
    )


def _operation(depth: int) -> str:
    selection = " ".join(f"f{index}" for index in range(FIELDS))
    text = selection
    for _ in range(depth):
        text = f"{selection} next {{ {text} }}"
    return f"{{ start {{ {text} }} }}"


def test_wide_and_deep_operation_plans_quickly_and_correctly() -> None:
    supergraph = _wide()
    document = parse(_operation(5))
    started = time.perf_counter()
    plan = plan_operation(supergraph, document)
    elapsed = time.perf_counter() - started
    check_plan(plan, document, supergraph=supergraph)
    assert elapsed < 2.0, f"planning took {elapsed:.2f} s"
    # Each level needs the subgraphs covering the 24 fields: at most 7 beyond the current one.
    assert plan.stats["fetches"] <= 1 + 6 * 7


def test_a_small_budget_stops_planning_with_a_clear_error() -> None:
    with pytest.raises(PlanningError, match="exceeded its budget of 50 explored options"):
        plan_operation(_wide(), parse(_operation(5)), budget=PlanningBudget(max_options=50))


def test_a_deadline_stops_planning() -> None:
    with pytest.raises(PlanningError, match="deadline"):
        plan_operation(_wide(), parse(_operation(5)), budget=PlanningBudget(max_seconds=0.0))

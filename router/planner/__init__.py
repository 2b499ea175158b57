"""The query planner: operation + supergraph → QueryPlan.

A pipeline of small stages (see ``pipeline.py``): normalise the operation, build the query graph,
walk the operation choosing where each field is resolved (building the fetch graph), optimise the
fetch graph, then turn it into plan nodes.
"""

from __future__ import annotations

from graphql import DocumentNode

from router.planner.errors import PlanningBudget, PlanningError
from router.planner.pipeline import run_pipeline
from router.planner.plan import QueryPlan
from router.planner.printer import print_plan
from router.supergraph.model import Supergraph


def plan_operation(
    supergraph: Supergraph,
    document: DocumentNode,
    operation_name: str | None = None,
    *,
    override_labels: frozenset[str] = frozenset(),
    budget: PlanningBudget | None = None,
) -> QueryPlan:
    """Plan one (validated) operation; raises ``PlanningError`` when it cannot be planned."""
    run = run_pipeline(
        supergraph,
        document,
        operation_name,
        override_labels=override_labels,
        budget=budget,
    )
    return run.plan


__all__ = ["PlanningBudget", "PlanningError", "QueryPlan", "plan_operation", "print_plan"]

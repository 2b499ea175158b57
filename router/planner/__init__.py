"""The query planner: operation + supergraph → QueryPlan.

A pipeline of small stages (``pipeline.py`` runs them; ``fedra plan --stage`` prints each):

- ``normalize``: the operation as fields per position, fragments inlined, conditions kept;
- ``query_graph``: vertices (type, subgraph), field / key / type edges (``--stage graph``: DOT);
- ``walker`` (with ``routes`` and ``costs``): where each field is resolved, building the
  ``fetch_graph`` (one group per subgraph, parent fetch and merge path);
- ``optimize``: one module per pass (prune, merge into parent, merge siblings);
- ``nodes``: Sequence / Parallel / Flatten / Condition nodes; ``operation_text``: each fetch's
  document; ``printer``: Apollo's QueryPlan text.
"""

from __future__ import annotations

from graphql import DocumentNode

from router.planner.errors import PlanningBudget, PlanningError
from router.planner.pipeline import run_pipeline
from router.planner.plan import QueryPlan
from router.planner.planner import Planner
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
    """Plan one (validated) operation with the supergraph's own ``Planner``; raises
    ``PlanningError`` when it cannot be planned."""
    planner = supergraph.query_planner
    if budget is None:
        return planner.plan(document, operation_name, override_labels=override_labels)
    graph = planner.query_graph(override_labels)
    return run_pipeline(supergraph, document, operation_name, graph=graph, budget=budget).plan


__all__ = [
    "Planner",
    "PlanningBudget",
    "PlanningError",
    "QueryPlan",
    "plan_operation",
    "print_plan",
]

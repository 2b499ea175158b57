"""The planner pipeline, stage by stage; each stage's output can be inspected on its own."""

from __future__ import annotations

from dataclasses import dataclass

from graphql import DocumentNode

from router.planner.errors import BudgetTracker, PlanningBudget, PlanningError
from router.planner.fetch_graph import FetchGraph, FetchGroup
from router.planner.nodes import build_nodes
from router.planner.normalize import NormalizedOperation, normalize_operation
from router.planner.operation_text import fetch_node
from router.planner.optimize import optimize
from router.planner.plan import FetchNode, QueryPlan
from router.planner.query_graph import QueryGraph
from router.planner.walker import Walker
from router.supergraph.model import Supergraph


@dataclass(slots=True)
class PlanningRun:
    """Every stage's output of one planning run."""

    operation: NormalizedOperation
    graph: QueryGraph
    walked: str | None  # the fetch graph before optimisation, described when asked for
    fetch_graph: FetchGraph
    plan: QueryPlan


def run_pipeline(
    supergraph: Supergraph,
    document: DocumentNode,
    operation_name: str | None = None,
    *,
    graph: QueryGraph,
    budget: PlanningBudget | None = None,
    describe_walk: bool = False,
) -> PlanningRun:
    """Every stage of planning on ``graph`` (the supergraph's query graph for the request's
    override labels: ``Planner.query_graph``); ``describe_walk`` also keeps the unoptimised
    fetch graph's description (for ``fedra plan --stage fetch-graph``; serving never needs it)."""
    tracker = BudgetTracker(budget or PlanningBudget())
    operation = normalize_operation(supergraph, document, operation_name)
    walker = Walker(graph, operation, tracker)
    try:
        fetch_graph = walker.walk()
    except RecursionError as error:
        raise PlanningError(
            "query planning recursed too deeply (cyclic @requires or an operation too deep)"
        ) from error
    walked = fetch_graph.describe() if describe_walk else None
    is_mutation = operation.kind == "mutation"
    optimize(fetch_graph, is_mutation=is_mutation, check=tracker.check_deadline)
    fetches: list[FetchNode] = []

    def make_fetch(group: FetchGroup) -> FetchNode:
        node = fetch_node(group, operation, len(fetches), supergraph)
        fetches.append(node)
        return node

    node = build_nodes(
        fetch_graph,
        [group.id for group in walker.root_groups],
        is_mutation=is_mutation,
        make_fetch=make_fetch,
    )
    stats = {"fetches": len(fetches), "options_explored": tracker.options}
    return PlanningRun(operation, graph, walked, fetch_graph, QueryPlan(node, stats))

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
from router.planner.plan import FetchNode, PlanNode, QueryPlan, SequenceNode, SubscriptionNode
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
    planned = subscription_node(node) if operation.kind == "subscription" else node
    return PlanningRun(operation, graph, walked, fetch_graph, QueryPlan(planned, stats))


def subscription_node(node: PlanNode | None) -> SubscriptionNode:
    """A subscription's plan: its one root fetch first (the primary, sent over the subgraph's
    WebSocket), then the rest of the plan, run on each event."""
    if isinstance(node, FetchNode) and not node.is_entity_fetch:
        return SubscriptionNode(node)
    if isinstance(node, SequenceNode):
        first, *rest = node.nodes
        if isinstance(first, FetchNode) and not first.is_entity_fetch:
            remaining: PlanNode | None = None
            if len(rest) == 1:
                remaining = rest[0]
            elif rest:
                remaining = SequenceNode(tuple(rest))
            return SubscriptionNode(first, remaining)
    raise PlanningError(
        "a subscription needs a single root fetch to one subgraph (its root field, unconditional)"
    )

"""The planner pipeline, stage by stage; each stage's output can be inspected on its own."""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

from graphql import DocumentNode

from router.planner.errors import BudgetTracker, PlanningBudget, PlanningError
from router.planner.fetch_graph import FetchGraph, FetchGroup
from router.planner.nodes import build_nodes
from router.planner.normalize import NormalizedOperation, normalize_operation
from router.planner.operation_text import fetch_node
from router.planner.optimize import optimize
from router.planner.plan import FetchNode, QueryPlan
from router.planner.query_graph import QueryGraph, build_query_graph
from router.planner.walker import Walker
from router.supergraph.model import Supergraph

# id(supergraph) -> query graphs per label set; entries go when the supergraph is collected.
_graphs: dict[int, dict[frozenset[str], QueryGraph]] = {}
_graphs_lock = threading.Lock()


def _forget(key: int) -> None:
    with _graphs_lock:
        _graphs.pop(key, None)


def query_graph_for(supergraph: Supergraph, labels: frozenset[str]) -> QueryGraph:
    """The query graph of a supergraph for a set of override labels, built once."""
    with _graphs_lock:
        key = id(supergraph)
        per_labels = _graphs.get(key)
        if per_labels is None:
            per_labels = {}
            _graphs[key] = per_labels
            weakref.finalize(supergraph, _forget, key)
        graph = per_labels.get(labels)
        if graph is None:
            graph = build_query_graph(supergraph, labels)
            per_labels[labels] = graph
        return graph


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
    override_labels: frozenset[str] = frozenset(),
    budget: PlanningBudget | None = None,
    describe_walk: bool = False,
) -> PlanningRun:
    """Every stage of planning; ``describe_walk`` also keeps the unoptimised fetch graph's
    description (for ``fedra plan --stage fetch-graph``; serving never needs it)."""
    tracker = BudgetTracker(budget or PlanningBudget())
    operation = normalize_operation(supergraph, document, operation_name)
    graph = query_graph_for(supergraph, _relevant_labels(supergraph, override_labels))
    walker = Walker(graph, operation, tracker)
    try:
        fetch_graph = walker.walk()
    except RecursionError as error:
        raise PlanningError(
            "query planning recursed too deeply (cyclic @requires or an operation too deep)"
        ) from error
    walked = fetch_graph.describe() if describe_walk else None
    is_mutation = operation.kind == "mutation"
    optimize(fetch_graph, is_mutation=is_mutation)
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


def _relevant_labels(supergraph: Supergraph, labels: frozenset[str]) -> frozenset[str]:
    """Only labels the supergraph uses matter; others must not split the graph cache."""
    if not labels:
        return labels
    used = {
        source.override_label
        for named in supergraph.types.values()
        for field_def in named.fields.values()
        for source in field_def.sources.values()
        if source.override_label is not None
    }
    return frozenset(label for label in labels if label in used)

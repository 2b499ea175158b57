"""The ``Planner``: the query planner of one supergraph, owning what it builds once.

Built once per supergraph (the ``Gateway`` owns one): the query graph for each set of override
labels that matters, and the set of labels the supergraph uses. Planning itself keeps no state
between operations, so any number of threads may plan at once; the graphs are built under a
lock, once each.
"""

from __future__ import annotations

import threading

from graphql import DocumentNode

from router.planner.errors import PlanningBudget
from router.planner.pipeline import PlanningRun, run_pipeline
from router.planner.plan import QueryPlan
from router.planner.printer import print_plan
from router.planner.query_graph import QueryGraph, build_query_graph
from router.supergraph.model import Supergraph


class Planner:
    def __init__(self, supergraph: Supergraph, budget: PlanningBudget | None = None) -> None:
        self.supergraph = supergraph
        self.budget = budget
        self.override_labels_used = frozenset(
            source.override_label
            for named in supergraph.types.values()
            for field_def in named.fields.values()
            for source in field_def.sources.values()
            if source.override_label is not None
        )
        self._graphs: dict[frozenset[str], QueryGraph] = {}
        self._lock = threading.Lock()

    def with_budget(self, budget: PlanningBudget) -> Planner:
        """A planner of the same supergraph under another budget, sharing the query graphs."""
        other = Planner.__new__(Planner)
        other.supergraph = self.supergraph
        other.budget = budget
        other.override_labels_used = self.override_labels_used
        other._graphs = self._graphs
        other._lock = self._lock
        return other

    def query_graph(self, override_labels: frozenset[str] = frozenset()) -> QueryGraph:
        """The query graph for these override labels (only the labels in use count)."""
        labels = override_labels & self.override_labels_used
        graph = self._graphs.get(labels)
        if graph is None:
            with self._lock:
                graph = self._graphs.get(labels)
                if graph is None:
                    graph = build_query_graph(self.supergraph, labels)
                    self._graphs[labels] = graph
        return graph

    def run(
        self,
        document: DocumentNode,
        operation_name: str | None = None,
        *,
        override_labels: frozenset[str] = frozenset(),
        describe_walk: bool = False,
    ) -> PlanningRun:
        """Every stage's output for one (validated) operation."""
        return run_pipeline(
            self.supergraph,
            document,
            operation_name,
            graph=self.query_graph(override_labels),
            budget=self.budget,
            describe_walk=describe_walk,
        )

    def plan(
        self,
        document: DocumentNode,
        operation_name: str | None = None,
        *,
        override_labels: frozenset[str] = frozenset(),
    ) -> QueryPlan:
        """Plan one (validated) operation; raises ``PlanningError`` when it cannot be planned."""
        return self.run(document, operation_name, override_labels=override_labels).plan

    def __call__(
        self,
        supergraph: Supergraph,
        document: DocumentNode,
        operation_name: str | None,
        *,
        override_labels: frozenset[str] = frozenset(),
    ) -> QueryPlan:
        """The gateway's planner protocol; ``supergraph`` must be this planner's."""
        if supergraph is not self.supergraph:
            raise ValueError("this planner plans for another supergraph")
        return self.plan(document, operation_name, override_labels=override_labels)

    @staticmethod
    def print(plan: QueryPlan) -> str:
        return print_plan(plan)

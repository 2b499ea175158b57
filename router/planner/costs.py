"""The cost model: how many fetches a selection needs below a position, and which subgraph each
field of a set should come from (fewest new fetches, then fewest fetches below)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from router.planner.errors import BudgetTracker
from router.planner.normalize import TYPENAME, NormalizedField, NormalizedSelection, is_abstract
from router.planner.query_graph import QueryGraph
from router.planner.routes import Routes

EXHAUSTIVE_CHOICE_LIMIT = 512  # assignments tried one by one; beyond, a greedy cover
INFEASIBLE = 10_000  # the estimate of a selection that cannot be resolved from a subgraph
MAX_ESTIMATE_DEPTH = 32


class CostModel:
    def __init__(self, graph: QueryGraph, routes: Routes, budget: BudgetTracker) -> None:
        self.graph = graph
        self.supergraph = graph.supergraph
        self.routes = routes
        self.budget = budget
        self._estimates: dict[tuple[int, str, str], int] = {}
        self._order = {name: index for index, name in enumerate(self.supergraph.subgraphs)}

    def cost_in(self, type_name: str, item: NormalizedField, subgraph: str) -> int:
        """Fetches a field needs below a position of ``subgraph`` (a jump counts one)."""
        if not self.resolves_plainly(type_name, subgraph, item.name):
            return INFEASIBLE
        return self.estimate_below(type_name, item, subgraph, 0)

    def resolves_plainly(self, type_name: str, subgraph: str, field_name: str) -> bool:
        edge = self.graph.field_edge(type_name, subgraph, field_name)
        return edge is not None and not edge.requires

    def subgraph_order(self, subgraph: str) -> int:
        return self._order[subgraph]

    def choose(
        self,
        fields: Sequence[NormalizedField],
        options: Sequence[list[str]],
        type_name: str,
        exists: Callable[[str], bool],
    ) -> list[str]:
        """Assign a subgraph to every field: fewest new fetches, then fewest fetches below."""
        if all(len(choices) == 1 for choices in options):
            return [choices[0] for choices in options]
        combinations = 1
        for choices in options:
            combinations *= len(choices)
        estimates = [
            [self.estimate_field(type_name, item, target) for target in choices]
            for item, choices in zip(fields, options, strict=True)
        ]
        if combinations <= EXHAUSTIVE_CHOICE_LIMIT:
            best: tuple[int, int] | None = None
            best_assignment: list[int] = []
            for picks in itertools.product(*(range(len(c)) for c in options)):
                self.budget.spend()
                targets = {options[i][pick] for i, pick in enumerate(picks)}
                new_fetches = sum(1 for t in targets if not exists(t))
                below = sum(estimates[i][pick] for i, pick in enumerate(picks))
                cost = (new_fetches + below, sum(picks))
                if best is None or cost < best:
                    best, best_assignment = cost, list(picks)
            return [options[i][pick] for i, pick in enumerate(best_assignment)]
        # Greedy: repeatedly take the subgraph that covers the most unassigned fields.
        assignment: list[str | None] = [None] * len(fields)
        while any(a is None for a in assignment):
            self.budget.spend()
            counts: dict[str, int] = {}
            for i, choices in enumerate(options):
                if assignment[i] is None:
                    for target in choices:
                        counts[target] = counts.get(target, 0) + 1
            chosen = max(counts, key=lambda t: (counts[t], exists(t)))
            for i, choices in enumerate(options):
                if assignment[i] is None and chosen in choices:
                    assignment[i] = chosen
        return [a for a in assignment if a is not None]

    def estimate_field(self, type_name: str, item: NormalizedField, subgraph: str) -> int:
        edge = self.graph.field_edge(type_name, subgraph, item.name)
        cost = 1 if edge is not None and edge.requires else 0
        if item.selection is None or edge is None:
            return cost
        return cost + self.estimate(edge.return_named_type, subgraph, item.selection, 0)

    def estimate(
        self, type_name: str, subgraph: str, selection: NormalizedSelection, depth: int
    ) -> int:
        """Fetches a selection needs below a position if resolved from ``subgraph``
        (``INFEASIBLE`` or more when some field cannot be reached from there at all)."""
        cache_key = (id(selection), type_name, subgraph)
        cached = self._estimates.get(cache_key)
        if cached is not None:
            return cached
        self.budget.spend()
        if (
            depth > MAX_ESTIMATE_DEPTH
            or is_abstract(self.supergraph, type_name)
            or self.routes.is_interface_object(type_name, subgraph)
        ):
            return 0
        cost = 0
        remote: dict[str, list[str]] = {}
        for item in selection.fields.values():
            if item.name == TYPENAME:
                continue
            edge = self.graph.field_edge(type_name, subgraph, item.name)
            targets = [
                target
                for target in self.graph.subgraphs_resolving(type_name, item.name)
                if target != subgraph and self.routes.route(type_name, subgraph, target) is not None
            ]
            if edge is not None and not edge.requires:
                if item.selection is not None:
                    below = self.estimate(
                        edge.return_named_type, subgraph, item.selection, depth + 1
                    )
                    if below >= INFEASIBLE and targets:
                        # The walk resolves such a field where its selection can be completed.
                        below = 1 + min(
                            self.estimate_below(type_name, item, target, depth)
                            for target in targets
                        )
                    cost += below
                continue
            if not targets:
                reachable = self.routes.interface_object_route(type_name, subgraph, item.name)
                cost += INFEASIBLE if reachable is None else 1
                continue
            remote[item.name] = targets
            if item.selection is not None:
                cost += min(
                    self.estimate_below(type_name, item, target, depth) for target in targets
                )
        remaining = set(remote)
        while remaining:
            counts: dict[str, int] = {}
            for name in remaining:
                for target in remote[name]:
                    counts[target] = counts.get(target, 0) + 1
            best = max(counts, key=lambda t: (counts[t], -self.subgraph_order(t)))
            remaining = {name for name in remaining if best not in remote[name]}
            cost += 1
        self._estimates[cache_key] = cost
        return cost

    def estimate_below(
        self, type_name: str, item: NormalizedField, subgraph: str, depth: int
    ) -> int:
        edge = self.graph.field_edge(type_name, subgraph, item.name)
        if edge is None or item.selection is None:
            return 0
        return self.estimate(edge.return_named_type, subgraph, item.selection, depth + 1)

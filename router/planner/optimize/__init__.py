"""Optimisation passes over the fetch graph, one module each, run in ``PASSES`` order."""

from __future__ import annotations

from collections.abc import Callable

from router.planner.fetch_graph import FetchGraph
from router.planner.optimize.merge_into_parent import merge_children_into_parents
from router.planner.optimize.merge_paths import merge_entity_fetches_across_paths
from router.planner.optimize.merge_siblings import merge_sibling_fetches
from router.planner.optimize.prune import prune_empty_fetches

Pass = Callable[[FetchGraph, bool], None]  # (graph, is_mutation)

PASSES: tuple[tuple[str, Pass], ...] = (
    ("prune", prune_empty_fetches),
    ("merge-into-parent", merge_children_into_parents),
    ("merge-siblings", merge_sibling_fetches),
    ("merge-paths", merge_entity_fetches_across_paths),
)


def optimize(
    graph: FetchGraph, *, is_mutation: bool, check: Callable[[], None] | None = None
) -> None:
    """Every pass, in order, again until a round changes nothing (a fixed point); ``check``
    runs after each pass (the planning deadline) and raises to stop."""
    while True:
        before = len(graph.groups)
        for _, run in PASSES:
            run(graph, is_mutation)
            if check is not None:
                check()
        if len(graph.groups) == before:
            return


__all__ = ["PASSES", "optimize"]

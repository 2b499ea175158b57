"""Drop fetches that ended up fetching nothing."""

from __future__ import annotations

from router.planner.fetch_graph import FetchGraph


def prune_empty_fetches(graph: FetchGraph, is_mutation: bool) -> None:
    for group in list(graph.groups.values()):
        if group.selection.is_empty() and not graph.dependents(group.id):
            graph.remove(group, replacement=None)

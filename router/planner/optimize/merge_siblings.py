"""Merge fetches to the same subgraph at the same path when neither needs the other.

Fewer fetches beat shallower plans: two entity fetches into one subgraph at one merge path
become one, with the union of their dependencies, unless one (transitively) waits for the
other. Root fetches of a mutation are never merged here: their order is the client's.
"""

from __future__ import annotations

from router.planner.fetch_graph import FetchGraph, FetchGroup, representations_compatible


def merge_sibling_fetches(graph: FetchGraph, is_mutation: bool) -> None:
    changed = True
    while changed:
        changed = False
        groups = list(graph.groups.values())
        for index, keeper in enumerate(groups):
            if keeper.id not in graph.groups:
                continue
            for other in groups[index + 1 :]:
                if other.id not in graph.groups or not _mergeable(keeper, other, is_mutation):
                    continue
                if keeper.id in graph.ancestors(other.id) or other.id in graph.ancestors(keeper.id):
                    continue
                graph.absorb(keeper, other)
                changed = True


def _mergeable(first: FetchGroup, second: FetchGroup, is_mutation: bool) -> bool:
    if first.subgraph != second.subgraph or first.merge_path != second.merge_path:
        return False
    if first.is_entity != second.is_entity:
        return False
    if not representations_compatible(first.requires, second.requires):
        return False
    return first.is_entity or not is_mutation

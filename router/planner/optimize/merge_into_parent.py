"""Fold an entity fetch back into the fetch it jumped from when both query one subgraph.

Such a child only needs its parent's key fields, which the parent selects anyway, so its
selection can be fetched in place at the jump position. Fetches that carry ``@requires``
inputs cannot: their inputs come from other fetches.
"""

from __future__ import annotations

from router.planner.fetch_graph import FetchGraph


def merge_children_into_parents(graph: FetchGraph, is_mutation: bool) -> None:
    for group in list(graph.groups.values()):
        if (
            not group.is_entity
            or group.uses_requires
            or group.context_values
            or not group.jump_points
        ):
            continue
        parents = {point.parent for point in group.jump_points}
        if len(parents) != 1 or group.dependencies != parents:
            continue
        parent = graph.groups.get(next(iter(parents)))
        if parent is None or parent.subgraph != group.subgraph:
            continue
        types = {point.type_name for point in group.jump_points}
        if set(group.selection.fragments) - types or group.selection.fields:
            continue
        for point in group.jump_points:
            point.selection.merge(group.selection.fragment(point.type_name))
        parent.variables |= group.variables
        graph.remove(group, replacement=parent.id)

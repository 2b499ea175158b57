"""Merge entity fetches into one subgraph at different paths into one multi-path fetch.

Two entity fetches into the same subgraph, neither waiting for the other, at the same depth
of the dependency graph (so the merged fetch waits for nothing it would not have waited for
anyway: no sequential step is added), whose representations fit one request and whose
selections do not disagree (one response key, one field and arguments): one ``_entities``
request for the objects at both paths (``Flatten`` with several paths). The selections are
type-conditioned on the entity types, so each object gets what its own path asked for; the
shaper keeps only what the client selected there. Mutations are left alone: an entity fetch
below a later mutation field must not run before it, nor one below an earlier field after it.
"""

from __future__ import annotations

from router.planner.fetch_graph import FetchGraph, FetchGroup, representations_compatible
from router.planner.selection_set import SelectionToFetch


def merge_entity_fetches_across_paths(graph: FetchGraph, is_mutation: bool) -> None:
    if is_mutation:
        return
    changed = True
    while changed:
        changed = False
        depth = _depths(graph)
        groups = sorted(
            (g for g in graph.groups.values() if g.is_entity), key=lambda g: (depth[g.id], g.id)
        )
        for index, keeper in enumerate(groups):
            if keeper.id not in graph.groups:
                continue
            for other in groups[index + 1 :]:
                if other.id not in graph.groups or depth[other.id] != depth[keeper.id]:
                    continue
                if not _mergeable(keeper, other):
                    continue
                if keeper.id in graph.ancestors(other.id) or other.id in graph.ancestors(keeper.id):
                    continue
                graph.absorb(keeper, other)
                changed = True
            if changed:
                break  # depths changed: recompute them


def _mergeable(first: FetchGroup, second: FetchGroup) -> bool:
    return (
        first.subgraph == second.subgraph
        and first.paths != second.paths
        and representations_compatible(first.requires, second.requires)
        and selections_compatible(first.selection, second.selection)
        and first.input_rewrites == second.input_rewrites
        and not first.context_values
        and not second.context_values
    )


def selections_compatible(first: SelectionToFetch, second: SelectionToFetch) -> bool:
    """Whether one selection can hold both: a response key never names two different fields
    (or one field with different arguments)."""
    for key, item in second.fields.items():
        mine = first.fields.get(key)
        if mine is None:
            continue
        if mine.name != item.name or mine.arguments != item.arguments:
            return False
        if (mine.selection is None) != (item.selection is None):
            return False
        if (
            mine.selection is not None
            and item.selection is not None
            and not selections_compatible(mine.selection, item.selection)
        ):
            return False
    for condition, fragment in second.fragments.items():
        existing = first.fragments.get(condition)
        if existing is not None and not selections_compatible(existing, fragment):
            return False
    return True


def _depths(graph: FetchGraph) -> dict[int, int]:
    depth: dict[int, int] = {}

    def of(group_id: int) -> int:
        known = depth.get(group_id)
        if known is None:
            dependencies = graph.groups[group_id].dependencies
            known = 0 if not dependencies else 1 + max(of(d) for d in dependencies)
            depth[group_id] = known
        return known

    for group_id in graph.groups:
        of(group_id)
    return depth

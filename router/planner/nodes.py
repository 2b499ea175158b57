"""Stage 6: plan nodes from the fetch graph.

Every fetch hangs below the dependency that finishes last (its deepest dependency). A fetch's
node is ``Sequence[Fetch, Parallel[children]]``; a fetch whose dependencies are not all on that
chain runs after the whole subtree of their closest common ancestor. Root fetches of a query run
in parallel; a mutation's run in order. A fetch whose every contribution sits under the same
``@skip``/``@include`` variables is wrapped in ``ConditionNode``s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from router.planner.fetch_graph import FetchGraph, FetchGroup
from router.planner.normalize import NO_CONDITIONS, Conditions
from router.planner.plan import (
    ConditionNode,
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    SequenceNode,
)

FetchBuilder = Callable[[FetchGroup], FetchNode]


def build_nodes(
    graph: FetchGraph, root_order: list[int], *, is_mutation: bool, make_fetch: FetchBuilder
) -> PlanNode | None:
    builder = _TreeBuilder(graph, make_fetch)
    return builder.build(root_order, is_mutation)


class _TreeBuilder:
    def __init__(self, graph: FetchGraph, make_fetch: FetchBuilder) -> None:
        self.graph = graph
        self.make_fetch = make_fetch
        self.depth: dict[int, int] = {}
        self.tree_parent: dict[int, int | None] = {}
        self.children: dict[int | None, list[int]] = {}
        self.late: dict[int | None, list[int]] = {}

    def _depth(self, group_id: int) -> int:
        known = self.depth.get(group_id)
        if known is not None:
            return known
        dependencies = self.graph.groups[group_id].dependencies
        value = 0 if not dependencies else 1 + max(self._depth(d) for d in dependencies)
        self.depth[group_id] = value
        return value

    def _chain(self, group_id: int | None) -> list[int]:
        chain: list[int] = []
        while group_id is not None:
            chain.append(group_id)
            group_id = self.tree_parent.get(group_id)
        return chain

    def build(self, root_order: list[int], is_mutation: bool) -> PlanNode | None:
        ordered = sorted(self.graph.groups, key=lambda g: (self._depth(g), g))
        for group_id in ordered:
            dependencies = self.graph.groups[group_id].dependencies
            if not dependencies:
                self.tree_parent[group_id] = None
                continue
            parent = max(dependencies, key=lambda d: (self._depth(d), d))
            self.tree_parent[group_id] = parent
            chain = set(self._chain(parent))
            if dependencies <= chain:
                self.children.setdefault(parent, []).append(group_id)
                continue
            chains = [self._chain(d) for d in dependencies]
            common = set(chains[0]).intersection(*chains[1:])
            anchor = next((g for g in chains[0] if g in common), None)
            self.tree_parent[group_id] = anchor
            self.late.setdefault(anchor, []).append(group_id)
        roots = [g for g in root_order if g in self.graph.groups and g in self.tree_parent]
        roots += [g for g in ordered if self.tree_parent[g] is None and g not in roots]
        roots = [g for g in roots if self.tree_parent[g] is None and not self._is_late(g)]
        top = [self._node(g, NO_CONDITIONS) for g in roots]
        late = [self._node(g, NO_CONDITIONS) for g in self.late.get(None, [])]
        first = _sequence(top) if is_mutation else _parallel(top)
        parts = [n for n in (first, _parallel(late)) if n is not None]
        return _sequence(parts)

    def _is_late(self, group_id: int) -> bool:
        return any(group_id in ids for ids in self.late.values())

    def _node(self, group_id: int, inherited: Conditions) -> PlanNode:
        group = self.graph.groups[group_id]
        conditions = group.conditions or NO_CONDITIONS
        own = conditions - inherited
        below = inherited | conditions
        fetch: PlanNode = self.make_fetch(group)
        if group.is_entity:
            fetch = FlattenNode(group.merge_path, fetch, tuple(group.extra_paths))
        children = [self._node(c, below) for c in self.children.get(group_id, [])]
        late = [self._node(c, below) for c in self.late.get(group_id, [])]
        steps = [fetch]
        for part in (_parallel(children), _parallel(late)):
            if part is not None:
                steps.append(part)
        node = _sequence(steps)
        assert node is not None
        for variable, include in sorted(own, reverse=True):
            node = (
                ConditionNode(variable, if_clause=node)
                if include
                else ConditionNode(variable, else_clause=node)
            )
        return node


def _parallel(nodes: Sequence[PlanNode]) -> PlanNode | None:
    flat: list[PlanNode] = []
    for node in nodes:
        flat.extend(node.nodes if isinstance(node, ParallelNode) else (node,))
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else ParallelNode(tuple(flat))


def _sequence(nodes: Sequence[PlanNode | None]) -> PlanNode | None:
    flat: list[PlanNode] = []
    for node in nodes:
        if node is None:
            continue
        flat.extend(node.nodes if isinstance(node, SequenceNode) else (node,))
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else SequenceNode(tuple(flat))

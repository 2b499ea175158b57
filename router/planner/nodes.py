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
        if not is_mutation:
            split = self._root_phases(roots)
            if split is not None:
                return split
        top = [self._node(g, NO_CONDITIONS) for g in roots]
        first = _sequence(top) if is_mutation else _parallel(top)
        parts = [n for n in (first, self._late_nodes(None, NO_CONDITIONS)) if n is not None]
        return _sequence(parts)

    def _root_phases(self, roots: list[int]) -> PlanNode | None:
        """When the fetches that wait on several root fetches wait on nothing else: the root
        fetches they need, then, all at once, those fetches and the rest of those roots' work
        (so they do not also wait for that rest). Other roots run alongside. None when that
        shape does not apply (conditions on the roots involved, deeper dependencies)."""
        late = self.late.get(None, [])
        if not late:
            return None
        needed = {d for g in late for d in self.graph.groups[g].dependencies}
        if not needed <= set(roots) or any(self.graph.groups[d].conditions for d in needed):
            return None
        fetches: list[PlanNode] = []
        after: list[PlanNode] = []
        others: list[PlanNode] = []
        for group_id in roots:
            if group_id not in needed:
                others.append(self._node(group_id, NO_CONDITIONS))
                continue
            fetch, rest = self._fetch_and_rest(group_id)
            fetches.append(fetch)
            if rest is not None:
                after.append(rest)
        late_nodes = self._late_nodes(None, NO_CONDITIONS)
        second = _parallel([*after, *([late_nodes] if late_nodes is not None else [])])
        phased = _sequence([_parallel(fetches), second])
        return _parallel([*others, *([phased] if phased is not None else [])])

    def _fetch_and_rest(self, group_id: int) -> tuple[PlanNode, PlanNode | None]:
        """A group's own fetch, and what runs after it (its children, then its late fetches)."""
        group = self.graph.groups[group_id]
        below = group.conditions or NO_CONDITIONS
        fetch: PlanNode = self.make_fetch(group)
        if group.is_entity:
            fetch = FlattenNode(group.merge_path, fetch, tuple(group.extra_paths))
        children = [self._node(c, below) for c in self.children.get(group_id, [])]
        rest = _sequence([_parallel(children), self._late_nodes(group_id, below)])
        return fetch, rest

    def _late_nodes(self, anchor: int | None, inherited: Conditions) -> PlanNode | None:
        """The fetches that run after ``anchor``'s subtree. One may need another of them (both
        waiting on several branches): a fetch needing just one of them runs right after it, in
        its sequence; one needing several runs in a later level than all of those."""
        late = self.late.get(anchor, [])
        if not late:
            return None
        members = set(late)
        needs = {g: self.graph.groups[g].dependencies & members for g in late}
        after: dict[int, list[int]] = {}
        level: dict[int, int] = {}

        def level_of(group_id: int) -> int:
            known = level.get(group_id)
            if known is None:
                known = 1 + max((level_of(d) for d in needs[group_id]), default=-1)
                level[group_id] = known
            return known

        tops: list[int] = []
        for group_id in late:
            if len(needs[group_id]) == 1:
                after.setdefault(next(iter(needs[group_id])), []).append(group_id)
            else:
                tops.append(group_id)
        levels: dict[int, list[PlanNode]] = {}
        for group_id in tops:
            node = self._late_chain(group_id, inherited, after)
            levels.setdefault(level_of(group_id), []).append(node)
        return _sequence([_parallel(levels[depth]) for depth in sorted(levels)])

    def _late_chain(
        self, group_id: int, inherited: Conditions, after: dict[int, list[int]]
    ) -> PlanNode:
        node = self._node(group_id, inherited)
        followers = [self._late_chain(f, inherited, after) for f in after.get(group_id, [])]
        return _sequence([node, _parallel(followers)]) or node

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
        node = _sequence([fetch, _parallel(children), self._late_nodes(group_id, below)])
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

"""Stage 6: plan nodes from a fetch graph, and the optimisation passes before it."""

from __future__ import annotations

from router.planner.fetch_graph import FetchGraph, FetchGroup, JumpPoint
from router.planner.nodes import build_nodes
from router.planner.optimize.merge_into_parent import merge_children_into_parents
from router.planner.optimize.merge_siblings import merge_sibling_fetches
from router.planner.plan import FetchNode, FlattenNode, ParallelNode, PlanNode, SequenceNode


def _fetch(group: FetchGroup) -> FetchNode:
    return FetchNode(service_name=group.subgraph, operation="", id=str(group.id))


def _ids(node: PlanNode | None) -> object:
    if isinstance(node, FetchNode):
        return node.id
    if isinstance(node, FlattenNode):
        return _ids(node.node)
    if isinstance(node, SequenceNode):
        return ("seq", *[_ids(n) for n in node.nodes])
    if isinstance(node, ParallelNode):
        return ("par", *[_ids(n) for n in node.nodes])
    return None


def _graph() -> tuple[FetchGraph, list[FetchGroup]]:
    graph = FetchGraph()
    root = graph.new_group("a", (), is_entity=False)
    left = graph.new_group("b", ("x",), is_entity=True, parent=root.id)
    right = graph.new_group("c", ("y",), is_entity=True, parent=root.id)
    left.dependencies.add(root.id)
    right.dependencies.add(root.id)
    for group in (root, left, right):
        group.selection.add_field("f")
    return graph, [root, left, right]


def test_a_fetch_needing_two_branches_runs_after_both() -> None:
    graph, (root, left, right) = _graph()
    joined = graph.new_group("d", ("x",), is_entity=True, parent=left.id)
    joined.dependencies |= {left.id, right.id}
    joined.selection.add_field("g")
    node = build_nodes(graph, [root.id], is_mutation=False, make_fetch=_fetch)
    assert _ids(node) == ("seq", "0", ("par", "1", "2"), "3")


def test_children_hang_below_their_deepest_dependency() -> None:
    graph, (root, left, _right) = _graph()
    below = graph.new_group("d", ("x",), is_entity=True, parent=left.id)
    below.dependencies |= {root.id, left.id}
    below.selection.add_field("g")
    node = build_nodes(graph, [root.id], is_mutation=False, make_fetch=_fetch)
    assert _ids(node) == ("seq", "0", ("par", ("seq", "1", "3"), "2"))


def test_sibling_fetches_to_one_subgraph_at_one_path_merge_unless_dependent() -> None:
    graph, (root, _left, right) = _graph()
    twin = graph.new_group("b", ("x",), is_entity=True, parent=right.id)
    twin.dependencies |= {root.id, right.id}
    twin.selection.add_field("h")
    merge_sibling_fetches(graph, False)
    assert sorted(graph.groups) == [0, 1, 2]
    assert graph.groups[1].dependencies == {root.id, right.id}
    assert set(graph.groups[1].selection.fields) == {"f", "h"}
    # A fetch that waits for the other cannot merge with it.
    waiting = graph.new_group("b", ("x",), is_entity=True, parent=1)
    waiting.dependencies.add(1)
    waiting.selection.add_field("k")
    merge_sibling_fetches(graph, False)
    assert waiting.id in graph.groups


def test_child_fetch_into_the_parents_subgraph_folds_into_the_parent() -> None:
    graph = FetchGraph()
    root = graph.new_group("a", (), is_entity=False)
    jump_from = root.selection.add_field("me", composite=True).selection
    assert jump_from is not None
    child = graph.new_group("a", ("me",), is_entity=True, parent=root.id)
    child.dependencies.add(root.id)
    child.selection.fragment("User").add_field("name")
    child.jump_points.append(JumpPoint(root.id, "User", jump_from))
    grandchild = graph.new_group("b", ("me",), is_entity=True, parent=child.id)
    grandchild.dependencies.add(child.id)
    grandchild.selection.fragment("User").add_field("reviews")
    merge_children_into_parents(graph, False)
    assert sorted(graph.groups) == [root.id, grandchild.id]
    assert root.selection.print() == "{me{name}}"
    assert grandchild.dependencies == {root.id}
    # A fetch carrying @requires inputs must stay a separate fetch.
    requiring = graph.new_group("a", ("me",), is_entity=True, parent=root.id)
    requiring.dependencies.add(root.id)
    requiring.uses_requires = True
    requiring.selection.fragment("User").add_field("score")
    requiring.jump_points.append(JumpPoint(root.id, "User", jump_from))
    merge_children_into_parents(graph, False)
    assert requiring.id in graph.groups

"""Deep merging of subgraph results into response objects."""

from __future__ import annotations

from typing import Any

from router.executor.merge import DeepMerger


def test_objects_merge_key_by_key_and_lists_item_by_item() -> None:
    target: dict[str, Any] = {"a": {"x": 1}, "items": [{"id": 1}, {"id": 2}], "n": None}
    DeepMerger(frozenset()).merge(
        target, {"a": {"y": 2}, "items": [{"v": "a"}, {"v": "b"}], "n": {"k": 1}}
    )
    assert target == {
        "a": {"x": 1, "y": 2},
        "items": [{"id": 1, "v": "a"}, {"id": 2, "v": "b"}],
        "n": {"k": 1},
    }


def test_abstract_typename_never_replaces_a_concrete_one() -> None:
    merger = DeepMerger(frozenset({"Node"}))
    target = {"__typename": "Book", "id": "1"}
    merger.merge(target, {"__typename": "Node", "title": "Dune"})
    assert target == {"__typename": "Book", "id": "1", "title": "Dune"}
    interface_first = {"__typename": "Node", "id": "1"}
    merger.merge(interface_first, {"__typename": "Book"})
    assert interface_first["__typename"] == "Book"


def test_lists_of_different_length_are_replaced() -> None:
    target: dict[str, Any] = {"items": [1, 2]}
    DeepMerger(frozenset()).merge(target, {"items": [3]})
    assert target == {"items": [3]}

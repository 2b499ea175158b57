"""Finding the objects at a Flatten path."""

from __future__ import annotations

from typing import Any

from router.executor.flatten import compile_flatten_path, objects_at
from router.executor.type_conditions import TypeConditions

from .harness import load_supergraph


def paths(data: dict[str, Any], path: tuple[str, ...]) -> list[tuple[str | int, ...]]:
    steps = compile_flatten_path(path, TypeConditions(load_supergraph()))
    return [found_path for _, found_path in objects_at([(data, ())], steps)]


def test_list_items_nested_lists_and_nulls() -> None:
    data = {
        "a": [
            {"b": [[{"id": 1}, None], [{"id": 2}]]},
            None,
            {"b": None},
            {"b": [[{"id": 3}]]},
        ]
    }
    assert paths(data, ("a", "@", "b", "@", "@")) == [
        ("a", 0, "b", 0, 0),
        ("a", 0, "b", 1, 0),
        ("a", 3, "b", 0, 0),
    ]
    # the list markers are optional: keys enter lists
    assert paths(data, ("a", "b")) == paths(data, ("a", "@", "b", "@", "@"))


def test_type_condition_elements_filter_by_runtime_type() -> None:
    data = {"items": [{"__typename": "User"}, {"__typename": "Product"}, {"x": 1}]}
    assert paths(data, ("items", "@", "... on Product")) == [("items", 1)]


def test_missing_path_finds_nothing() -> None:
    assert paths({"a": {"c": {}}}, ("a", "b")) == []
    assert paths({}, ()) == [()]

"""Fields a subgraph would reject as conflicting are aliased in the fetch and renamed back."""

from __future__ import annotations

from pathlib import Path

from graphql import parse, validate

from router.planner import plan_operation
from router.planner.plan import FetchNode, FlattenNode, KeyRenamer, PlanNode, QueryPlan
from router.supergraph import Supergraph, read_supergraph

SUPERGRAPH = (
    Path(__file__).resolve().parents[1]
    / "conformance"
    / "fixtures"
    / "conflicting-field-types"
    / "supergraph.graphql"
)


def _supergraph() -> Supergraph:
    return read_supergraph(SUPERGRAPH.read_text(encoding="utf-8"))


def _fetches(node: PlanNode | None) -> list[FetchNode]:
    if node is None:
        return []
    if isinstance(node, FetchNode):
        return [node]
    if isinstance(node, FlattenNode):
        return _fetches(node.node)
    found: list[FetchNode] = []
    for child in getattr(node, "nodes", ()):
        found.extend(_fetches(child))
    for branch in (getattr(node, "if_clause", None), getattr(node, "else_clause", None)):
        found.extend(_fetches(branch))
    return found


def _plan(query: str) -> QueryPlan:
    supergraph = _supergraph()
    document = parse(query)
    assert validate(supergraph.api_schema, document) == []
    return plan_operation(supergraph, document)


def test_leaves_of_different_nullability_are_aliased_with_a_rename() -> None:
    plan = _plan("{ items { ... on Book { id } ... on Film { id } } }")
    (fetch,) = _fetches(plan.node)
    assert "...on Film{id__alias_0:id}" in fetch.operation
    assert fetch.output_rewrites == (KeyRenamer(("items", "... on Film", "id__alias_0"), "id"),)


def test_composite_fields_that_differ_are_aliased_whole() -> None:
    plan = _plan("{ items { ... on Book { meta { size } } ... on Film { meta { size label } } } }")
    (fetch,) = _fetches(plan.node)
    assert "meta__alias_0:meta{size label}" in fetch.operation
    assert fetch.output_rewrites == (KeyRenamer(("items", "... on Film", "meta__alias_0"), "meta"),)


def test_key_fields_the_planner_adds_are_aliased_in_entity_and_root_fetches() -> None:
    plan = _plan("{ items { ... on Book { rank } ... on Film { rank } } }")
    root, entities = _fetches(plan.node)
    assert root.service_name == "catalog"
    assert KeyRenamer(("items", "... on Film", "ref__alias_0"), "ref") in root.output_rewrites
    assert entities.output_rewrites == ()  # the representations are typed: no conflict


def test_fields_of_one_type_are_left_alone() -> None:
    plan = _plan("{ items { ... on Book { id title } ... on Film { title } } }")
    (fetch,) = _fetches(plan.node)
    assert "__alias_" not in fetch.operation
    assert fetch.output_rewrites == ()

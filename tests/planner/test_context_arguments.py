"""Planning @fromContext arguments: variable names as Apollo's planner gives them, the value's
place relative to the entity, and a clear error when no type above sets the context."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import parse

from router.planner import PlanningError, plan_operation
from router.planner.context_arguments import context_variable_names, levels_between
from router.planner.plan import FetchNode, FlattenNode, PlanNode, SequenceNode
from router.supergraph import Supergraph, read_supergraph

FIXTURES = Path(__file__).resolve().parents[1] / "conformance" / "fixtures"


def _supergraph(name: str, edit: tuple[str, str] | None = None) -> Supergraph:
    sdl = (FIXTURES / name / "supergraph.graphql").read_text(encoding="utf-8")
    if edit is not None:
        assert edit[0] in sdl
        sdl = sdl.replace(edit[0], edit[1])
    return read_supergraph(sdl)


def _fetches(node: PlanNode | None) -> list[FetchNode]:
    if node is None:
        return []
    if isinstance(node, FetchNode):
        return [node]
    if isinstance(node, FlattenNode):
        return _fetches(node.node)
    if isinstance(node, SequenceNode):
        return [f for child in node.nodes for f in _fetches(child)]
    children = getattr(node, "nodes", ())
    return [f for child in children for f in _fetches(child)]


def test_variables_are_numbered_by_subgraph_then_sorted_argument() -> None:
    names = context_variable_names(_supergraph("context-across-subgraphs"))
    assert names == {
        ("orders", "Line", "caption", "locale"): "contextualArgument_2_0",
        ("orders", "Order", "summary", "locale"): "contextualArgument_2_1",
    }


def test_list_markers_do_not_count_as_levels() -> None:
    assert levels_between(("stores", "@"), ("stores", "@", "products", "@")) == 1
    assert levels_between(("me",), ("me",)) == 0


def test_the_value_is_read_one_field_above_the_entities() -> None:
    supergraph = _supergraph("context-arguments")
    plan = plan_operation(supergraph, parse("{ stores { products { label } } }"))
    [_, entity_fetch] = _fetches(plan.node)
    [value] = entity_fetch.context_values
    assert (value.variable, value.type, value.levels_up, value.setter_types) == (
        "contextualArgument_1_0",
        "String",
        1,
        ("Store",),
    )
    assert "label(currency:$contextualArgument_1_0)" in entity_fetch.operation
    assert "$contextualArgument_1_0:String" in entity_fetch.operation
    assert entity_fetch.variable_usages == ()


def test_a_field_below_no_setter_of_its_context_is_a_planning_error() -> None:
    supergraph = _supergraph(
        "context-arguments",
        (
            '  @join__type(graph: PRICING, key: "id")\n  @context(name: "catalog__shop")\n  @context(name: "pricing__market")\n{\n  id: ID!\n  name: String! @join__field(graph: CATALOG)\n  currency: String! @join__field(graph: CATALOG)\n  regionCode',
            '  @join__type(graph: PRICING, key: "id")\n  @context(name: "pricing__market")\n{\n  id: ID!\n  name: String! @join__field(graph: CATALOG)\n  currency: String! @join__field(graph: CATALOG)\n  regionCode',
        ),
    )
    with pytest.raises(PlanningError, match='takes its value from context "shop", which no type'):
        plan_operation(supergraph, parse("{ marketplace { featured { label } } }"))


def _values(query: str) -> list[tuple[str, int, tuple[str, ...], str]]:
    supergraph = _supergraph("context-nested-shapes")
    plan = plan_operation(supergraph, parse(query))
    return [
        (value.variable, value.levels_up, value.setter_types, repr(value.selection))
        for fetch in _fetches(plan.node)
        for value in fetch.context_values
    ]


def test_two_contexts_under_a_list_of_lists_are_read_two_fields_up() -> None:
    assert _values("{ depots { grid { item { place } } } }") == [
        (
            "contextualArgument_2_1",
            2,
            ("Depot",),
            "(FieldSelection(name='zone', selections=(), alias=None),)",
        ),
        (
            "contextualArgument_2_0",
            2,
            ("Depot",),
            "(FieldSelection(name='address', selections=(FieldSelection(name='city', "
            "selections=(), alias=None),), alias=None),)",
        ),
    ]


def test_sibling_type_conditions_plan_one_value_per_nearest_setter() -> None:
    query = (
        "{ depots { racks { ... on Shelf { item { place } } ... on Hook { item { place } } } } }"
    )
    zone = [(v, up, types) for v, up, types, _ in _values(query) if v == "contextualArgument_2_1"]
    # the executor gives each item the nearest of the two its objects have
    assert zone == [
        ("contextualArgument_2_1", 1, ("Shelf",)),
        ("contextualArgument_2_1", 2, ("Depot",)),
    ]

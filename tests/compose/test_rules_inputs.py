"""Input object types merge as the intersection of their fields."""

from __future__ import annotations

from router.supergraph import read_supergraph
from tests.compose.sdl_sets import compose_sdls

FED2 = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])\n'


def test_optional_field_in_one_subgraph_is_dropped() -> None:
    result = compose_sdls(
        a=FED2 + "type Query { a(f: F): Int }\ninput F { x: Int y: Int }\n",
        b=FED2 + "type Query { b(f: F): Int }\ninput F { x: Int }\n",
    )
    assert result.supergraph is not None, result.errors
    assert list(result.supergraph.types["F"].input_fields) == ["x"]
    assert [hint.code for hint in result.hints] == ["INCONSISTENT_INPUT_OBJECT_FIELD"]


def test_required_field_missing_in_some_subgraph() -> None:
    result = compose_sdls(
        a=FED2 + "type Query { a(f: F): Int }\ninput F {\n  x: Int\n  y: Int!\n}\n",
        b=FED2 + "type Query { b(f: F): Int }\ninput F { x: Int }\n",
    )
    [error] = result.errors
    assert error.code == "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH"
    assert (error.subgraph, error.line) == ("a", 5)


def test_input_field_takes_the_non_null_type_and_keeps_each_subgraphs_type() -> None:
    result = compose_sdls(
        a=FED2 + "type Query { a(f: F): Int }\ninput F { x: Int! }\n",
        b=FED2 + "type Query { b(f: F): Int }\ninput F { x: Int }\n",
    )
    assert result.supergraph_sdl is not None, result.errors
    assert 'x: Int! @join__field(graph: A, type: "Int!") @join__field(graph: B, type: "Int")' in (
        result.supergraph_sdl
    )
    value = read_supergraph(result.supergraph_sdl).types["F"].input_fields["x"]
    assert value.graph_types == {"a": "Int!", "b": "Int"}

"""Enums merge by use: output → union, input → intersection, both → identical."""

from __future__ import annotations

from tests.compose.sdl_sets import compose_sdls

FED2 = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])\n'


def test_output_enum_is_the_union_with_per_subgraph_values() -> None:
    result = compose_sdls(
        a=FED2 + "type Query { a: E }\nenum E { X Y }\n",
        b=FED2 + "type Query { b: E }\nenum E { Y Z }\n",
    )
    assert result.supergraph is not None, result.errors
    values = result.supergraph.types["E"].values
    assert {name: value.graphs for name, value in values.items()} == {
        "X": {"a"},
        "Y": {"a", "b"},
        "Z": {"b"},
    }


def test_input_enum_is_the_intersection() -> None:
    result = compose_sdls(
        a=FED2 + "type Query { a(e: E): Int }\nenum E { X Y }\n",
        b=FED2 + "type Query { b(e: E): Int }\nenum E { Y Z }\n",
    )
    assert result.supergraph is not None, result.errors
    assert list(result.supergraph.types["E"].values) == ["Y"]
    assert {hint.code for hint in result.hints} == {"INCONSISTENT_ENUM_VALUE_FOR_INPUT_ENUM"}


def test_empty_intersection() -> None:
    result = compose_sdls(
        a=FED2 + "type Query { a(e: E): Int }\nenum E { X }\n",
        b=FED2 + "type Query { b(e: E): Int }\n\nenum E { Z }\n",
    )
    [error] = result.errors
    assert error.code == "EMPTY_MERGED_ENUM_TYPE"
    assert (error.subgraph, error.line) == ("a", 3)


def test_enum_used_both_ways_must_match() -> None:
    result = compose_sdls(
        a=FED2 + "type Query { a(e: E): E }\nenum E { X Y }\n",
        b=FED2 + "type Query { b: E }\nenum E { X }\n",
    )
    [error] = result.errors
    assert error.code == "ENUM_VALUE_MISMATCH"
    assert error.message == (
        'Enum type "E" is used as both input type (for example, as type of "Query.a(e:)") and '
        'output type (for example, as type of "Query.a"), but value "Y" is not defined in all '
        'the subgraphs defining "E": "Y" is defined in subgraph "a" but not in subgraph "b"'
    )


HIDING = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
    'import: ["@key", "@inaccessible"])\n'
)


def test_an_inaccessible_value_need_not_be_in_every_subgraph_of_an_input_enum() -> None:
    # @apollo/composition: no error, no hint; the value stays, inaccessible, where defined
    for query_a in ("type Query { a(e: E): E }", "type Query { a(e: E): Int }"):
        result = compose_sdls(
            a=HIDING + query_a + "\nenum E { X }\n",
            b=HIDING + "type Query { b(e: E): E }\nenum E { X Y @inaccessible }\n",
        )
        assert result.supergraph is not None, result.errors
        assert not result.hints, result.hints
        values = result.supergraph.types["E"].values
        assert {name: value.graphs for name, value in values.items()} == {
            "X": {"a", "b"},
            "Y": {"b"},
        }
        assert values["Y"].inaccessible


def test_an_inaccessible_value_of_an_output_enum_is_still_hinted() -> None:
    result = compose_sdls(
        a=HIDING + "type Query { a: E }\nenum E { X }\n",
        b=HIDING + "type Query { b: E }\nenum E { X Y @inaccessible }\n",
    )
    assert result.supergraph is not None, result.errors
    assert {hint.code for hint in result.hints} == {"INCONSISTENT_ENUM_VALUE_FOR_OUTPUT_ENUM"}

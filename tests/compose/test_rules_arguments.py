"""Argument merging: the intersection, FIELD_ARGUMENT_TYPE_MISMATCH, defaults and required."""

from __future__ import annotations

from tests.compose.sdl_sets import compose_sdls

FED2 = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
    'import: ["@key", "@shareable"])\n'
)


def test_argument_type_mismatch() -> None:
    result = compose_sdls(
        a=FED2 + "type Query {\n  f(x: Int): Int @shareable\n}\n",
        b=FED2 + "type Query {\n  f(x: String): Int @shareable\n}\n",
    )
    [error] = result.errors
    assert error.code == "FIELD_ARGUMENT_TYPE_MISMATCH"
    assert error.message.startswith('Type of argument "Query.f(x:)" is incompatible')
    assert (error.subgraph, error.line, error.column) == ("a", 3, 5)


def test_required_argument_missing_in_some_subgraph() -> None:
    result = compose_sdls(
        a=FED2 + "type Query {\n  f(x: Int!): Int @shareable\n}\n",
        b=FED2 + "type Query {\n  f: Int @shareable\n}\n",
    )
    [error] = result.errors
    assert error.code == "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH"
    assert error.message == (
        'Argument "Query.f(x:)" is required in some subgraphs but does not appear in all '
        'subgraphs: it is required in subgraph "a" but does not appear in subgraph "b"'
    )
    assert (error.subgraph, error.line) == ("a", 3)


def test_optional_argument_in_one_subgraph_is_dropped_and_input_takes_non_null() -> None:
    result = compose_sdls(
        a=FED2 + "type Query { f(x: Int, y: Int): Int @shareable }\n",
        b=FED2 + "type Query { f(x: Int!): Int @shareable }\n",
    )
    assert result.supergraph is not None, result.errors
    arguments = result.supergraph.types["Query"].fields["f"].arguments
    assert list(arguments) == ["x"]
    assert arguments["x"].type == "Int!"


def test_different_default_values() -> None:
    result = compose_sdls(
        a=FED2 + "type Query { f(x: Int = 1): Int @shareable }\n",
        b=FED2 + "type Query { f(x: Int = 2): Int @shareable }\n",
    )
    [error] = result.errors
    assert error.code == "FIELD_ARGUMENT_DEFAULT_MISMATCH"
    assert 'default value 1 in subgraph "a" but default value 2 in subgraph "b"' in (error.message)


def test_default_in_one_subgraph_only_is_dropped_with_a_hint() -> None:
    result = compose_sdls(
        a=FED2 + "type Query { f(x: Int = 1): Int @shareable }\n",
        b=FED2 + "type Query { f(x: Int): Int @shareable }\n",
    )
    assert result.supergraph is not None, result.errors
    assert result.supergraph.types["Query"].fields["f"].arguments["x"].default_value is None
    assert [hint.code for hint in result.hints] == ["INCONSISTENT_DEFAULT_VALUE_PRESENCE"]

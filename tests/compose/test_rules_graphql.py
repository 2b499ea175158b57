"""INVALID_GRAPHQL: parse and schema errors point at the subgraph and line."""

from __future__ import annotations

from tests.compose.sdl_sets import compose_sdls

FED2 = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])\n'


def test_syntax_error() -> None:
    result = compose_sdls(a=FED2 + "type Query {\n  t: \n")
    [error] = result.errors
    assert error.code == "INVALID_GRAPHQL"
    assert error.subgraph == "a"
    assert error.line == 4
    assert "Syntax Error" in error.message


def test_unknown_type() -> None:
    result = compose_sdls(a=FED2 + "type Query {\n  t: Missing\n}\n")
    [error] = result.errors
    assert error.code == "INVALID_GRAPHQL"
    assert error.message == "[a] Unknown type Missing"
    assert (error.subgraph, error.line, error.column) == ("a", 3, 6)


def test_unknown_directive() -> None:
    result = compose_sdls(a=FED2 + "type Query { t: Int @nope }\n")
    assert [error.code for error in result.errors] == ["INVALID_GRAPHQL"]
    assert "@nope" in result.errors[0].message


def test_object_missing_an_interface_field() -> None:
    result = compose_sdls(
        a=FED2 + "type Query { t: T }\ninterface I { a: Int }\ntype T implements I { b: Int }\n"
    )
    assert [error.code for error in result.errors] == ["INVALID_GRAPHQL"]


def test_extension_without_a_base_type_is_valid_federation() -> None:
    result = compose_sdls(
        a=FED2 + 'extend type Query { t: T }\ntype T @key(fields: "id") { id: ID! }\n'
    )
    assert result.ok, result.errors


def test_no_query_anywhere() -> None:
    result = compose_sdls(a=FED2 + 'type T @key(fields: "id") { id: ID! }\n')
    assert [error.code for error in result.errors] == ["NO_QUERIES"]


def test_unknown_union_member() -> None:
    result = compose_sdls(a=FED2 + "type Query { u: U }\nunion U = Nope\n")
    [error] = result.errors
    assert error.message == "[a] Cannot add unknown type Nope as member of union type U"


def test_one_of_is_not_a_federation_directive() -> None:
    result = compose_sdls(a=FED2 + "type Query { f(x: In): Int }\ninput In @oneOf { a: Int }\n")
    [error] = result.errors
    assert error.message == '[a] Unknown directive "@oneOf".'

"""@requires / @provides validation."""

from __future__ import annotations

from tests.compose.sdl_sets import compose_sdls

FED2 = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
    'import: ["@key", "@external", "@requires", "@provides", "@shareable"])\n'
)


def test_requires_unknown_field() -> None:
    result = compose_sdls(
        a=FED2
        + 'type Query { t: T }\ntype T @key(fields: "id") {\n  id: ID!\n'
        + '  y: Int @requires(fields: "nope")\n}\n',
    )
    [error] = result.errors
    assert error.code == "REQUIRES_INVALID_FIELDS"
    assert error.message.startswith(
        '[a] On field "T.y", for @requires(fields: "nope"): Cannot query field "nope" on type "T"'
    )
    assert (error.subgraph, error.line, error.column) == ("a", 5, 10)


def test_requires_a_local_field() -> None:
    result = compose_sdls(
        a=FED2
        + 'type Query { t: T }\ntype T @key(fields: "id") '
        + '{ id: ID! x: Int y: Int @requires(fields: "x") }\n',
    )
    assert [error.code for error in result.errors] == ["REQUIRES_FIELDS_MISSING_EXTERNAL"]


def test_requires_nested_fields_under_an_external_field() -> None:
    result = compose_sdls(
        a=FED2
        + 'type Query { p: P }\ntype P @key(fields: "id") { id: ID! dims: D @external '
        + 'weight: Int @requires(fields: "dims { w }") }\ntype D @shareable { w: Int }\n',
        b=FED2 + 'type P @key(fields: "id") { id: ID! dims: D }\ntype D @shareable { w: Int }\n',
    )
    assert result.ok, result.errors


def test_provides_unknown_field() -> None:
    result = compose_sdls(
        a=FED2
        + 'type Query {\n  t: T @provides(fields: "nope")\n}\ntype T @key(fields: "id") '
        + "{ id: ID! }\n",
    )
    [error] = result.errors
    assert error.code == "PROVIDES_INVALID_FIELDS"
    assert (error.subgraph, error.line) == ("a", 3)


def test_provides_on_a_scalar_field() -> None:
    result = compose_sdls(a=FED2 + 'type Query { t: Int @provides(fields: "x") }\n')
    assert [error.code for error in result.errors] == ["PROVIDES_ON_NON_OBJECT_FIELD"]


def test_provides_printed_on_the_join_field() -> None:
    result = compose_sdls(
        a=FED2
        + 'type Query { t: T @provides(fields: "name") }\n'
        + 'type T @key(fields: "id") { id: ID! name: String @external }\n',
        b=FED2 + 'type T @key(fields: "id") { id: ID! name: String @shareable }\n',
    )
    assert result.supergraph_sdl is not None, result.errors
    assert 't: T @join__field(graph: A, provides: "name")' in result.supergraph_sdl

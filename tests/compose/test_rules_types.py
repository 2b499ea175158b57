"""Field type merging (FIELD_TYPE_MISMATCH, nullability, subtypes) and TYPE_KIND_MISMATCH."""

from __future__ import annotations

from router.supergraph import read_supergraph
from tests.compose.sdl_sets import compose_sdls

FED2 = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
    'import: ["@key", "@shareable"])\n'
)


def test_incompatible_field_types() -> None:
    result = compose_sdls(
        a=FED2 + "type Query { a: T }\ntype T @shareable {\n  x: Int\n}\n",
        b=FED2 + "type Query { b: T }\ntype T @shareable {\n  x: String\n}\n",
    )
    [error] = result.errors
    assert error.code == "FIELD_TYPE_MISMATCH"
    assert error.message == (
        'Type of field "T.x" is incompatible across subgraphs: it has type "Int" in subgraph "a" '
        'but type "String" in subgraph "b"'
    )
    assert (error.subgraph, error.line) == ("a", 4)


def test_output_field_takes_the_nullable_type_and_records_each_subgraphs_type() -> None:
    result = compose_sdls(
        a=FED2 + "type Query { a: T }\ntype T @shareable { x: Int! }\n",
        b=FED2 + "type Query { b: T }\ntype T @shareable { x: Int }\n",
    )
    assert result.supergraph_sdl is not None
    assert 'x: Int @join__field(graph: A, type: "Int!") @join__field(graph: B, type: "Int")' in (
        result.supergraph_sdl
    )
    field = read_supergraph(result.supergraph_sdl).types["T"].fields["x"]
    assert field.type == "Int"
    assert {g: s.type for g, s in field.sources.items()} == {"a": "Int!", "b": "Int"}


def test_output_field_takes_the_interface_over_an_implementation() -> None:
    interface = "interface I { id: ID! }\ntype Impl implements I @shareable { id: ID! }\n"
    result = compose_sdls(
        a=FED2 + interface + "type Query { a: H }\ntype H @shareable { f: I }\n",
        b=FED2 + interface + "type Query { b: H }\ntype H @shareable { f: Impl }\n",
    )
    assert result.ok, result.errors
    assert result.supergraph is not None
    assert result.supergraph.types["H"].fields["f"].type == "I"


def test_type_kind_mismatch() -> None:
    result = compose_sdls(
        a=FED2 + "type Query { a: T }\ntype T { x: Int }\n",
        b=FED2 + "type Query { b: Int }\ninterface T { x: Int }\n",
    )
    [error] = result.errors
    assert error.code == "TYPE_KIND_MISMATCH"
    assert error.message == (
        'Type "T" has mismatched kind: it is defined as Object Type in subgraph "a" but '
        'Interface Type in subgraph "b"'
    )
    assert (error.subgraph, error.line) == ("a", 3)


def test_interface_field_missing_on_an_implementation_from_another_subgraph() -> None:
    result = compose_sdls(
        a=FED2 + "interface I { id: ID }\ntype A implements I { id: ID }\ntype Query { a: I }\n",
        b=FED2 + "interface I { id: ID y: Int }\ntype B implements I { id: ID y: Int }\n"
        "type Query { b: I }\n",
    )
    [error] = result.errors
    assert error.code == "INTERFACE_FIELD_NO_IMPLEM"
    assert error.message == (
        'Interface field "I.y" is declared in subgraph "b" but type "A", which implements "I" '
        'only in subgraph "a" does not have field "y".'
    )
    assert (error.subgraph, error.line) == ("b", 2)

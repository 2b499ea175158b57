"""The composition contract: results, the printed supergraph read back, roots and links."""

from __future__ import annotations

from router.compose import SubgraphSource, compose
from router.supergraph import read_supergraph
from router.supergraph.printer import print_supergraph
from tests.compose.sdl_sets import compose_sdls

FED2 = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
    'import: ["@key", "@shareable"])\n'
)


def test_supergraph_reads_back_to_the_composed_model() -> None:
    result = compose_sdls(
        users=FED2
        + 'type Query { me: User }\ntype User @key(fields: "id") { id: ID! name: String }\n',
        my_orders=FED2
        + 'type User @key(fields: "id") { id: ID! orders: [Order!]! }\n'
        + "type Order { id: ID! }\n",
    )
    assert result.ok and result.supergraph is not None and result.supergraph_sdl is not None
    assert result.errors == []
    read = read_supergraph(result.supergraph_sdl)
    assert {name: sub.graph_id for name, sub in read.subgraphs.items()} == {
        "users": "USERS",
        "my_orders": "MY_ORDERS",
    }
    assert read.subgraphs["my_orders"].url == "http://my_orders.internal/graphql"
    assert read.join_version == "v0.4"
    assert set(read.types["User"].fields["orders"].sources) == {"my_orders"}
    assert print_supergraph(read) == result.supergraph_sdl
    assert read.api_schema.get_type("Order") is not None


def test_renamed_root_types_become_the_default_names() -> None:
    result = compose_sdls(
        a=FED2 + "schema { query: RootQuery mutation: RootMutation }\n"
        "type RootQuery { a: Int }\ntype RootMutation { setA(a: Int): Int }\n"
    )
    assert result.supergraph is not None, result.errors
    assert result.supergraph.query_type == "Query"
    assert result.supergraph.mutation_type == "Mutation"
    assert "mutation: Mutation" in (result.supergraph_sdl or "")


def test_join_version_follows_the_highest_federation_version() -> None:
    old = FED2.replace("v2.7", "v2.3")
    newer = FED2.replace("v2.7", "v2.9")
    assert "join/v0.3" in (compose_sdls(a=old + "type Query { a: Int }\n").supergraph_sdl or "")
    mixed = compose_sdls(a=old + "type Query { a: Int }\n", b=newer + "type Query { b: Int }\n")
    assert "join/v0.5" in (mixed.supergraph_sdl or "")


def test_every_subgraph_gets_a_query_type() -> None:
    result = compose_sdls(
        a=FED2 + 'type Query { t: T }\ntype T @key(fields: "id") { id: ID! }\n',
        b=FED2 + 'type T @key(fields: "id") { id: ID! x: Int }\n',
    )
    assert result.supergraph is not None, result.errors
    assert list(result.supergraph.types["Query"].graphs) == ["a", "b"]


def test_duplicate_subgraph_names_are_an_error() -> None:
    sdl = FED2 + "type Query { a: Int }\n"
    result = compose([SubgraphSource("a", "http://a", sdl), SubgraphSource("a", "http://b", sdl)])
    assert [error.code for error in result.errors] == ["INVALID_SUBGRAPH_NAME"]
    assert not result.ok


def test_composed_directive_is_defined_linked_and_applied() -> None:
    linked = (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
        'import: ["@key", "@composeDirective"])\n'
        '  @link(url: "https://example.dev/format/v1.0", import: ["@lower"])\n'
        '  @composeDirective(name: "@lower")\n'
        "directive @lower on FIELD_DEFINITION\n"
    )
    result = compose_sdls(a=linked + "type Query { name: String @lower }\n")
    assert result.supergraph_sdl is not None, result.errors
    assert '@link(url: "https://example.dev/format/v1.0", import: ["@lower"])' in (
        result.supergraph_sdl
    )
    assert "directive @lower on FIELD_DEFINITION" in result.supergraph_sdl
    assert "name: String @lower" in result.supergraph_sdl


def test_composed_directive_outside_a_linked_feature_is_an_error() -> None:
    sdl = (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
        'import: ["@composeDirective"]) @composeDirective(name: "@lower")\n'
        "directive @lower on FIELD_DEFINITION\ntype Query { name: String @lower }\n"
    )
    result = compose_sdls(a=sdl)
    assert [error.code for error in result.errors] == ["DIRECTIVE_COMPOSITION_ERROR"]


def test_graph_enum_values_are_valid_and_unique() -> None:
    result = compose_sdls(
        **{
            "1abc": FED2 + "type Query { a: Int }\n",
            "a-b": FED2 + "type Query { b: Int }\n",
            "a_b": FED2 + "type Query { c: Int }\n",
        }
    )
    assert result.supergraph is not None, result.errors
    ids = {name: sub.graph_id for name, sub in result.supergraph.subgraphs.items()}
    assert ids == {"1abc": "_1ABC", "a-b": "A_B_1", "a_b": "A_B_2"}

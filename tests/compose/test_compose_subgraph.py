"""Reading one subgraph: @link names, renamed imports, namespaces, Federation 1 detection."""

from __future__ import annotations

from router.compose.subgraph import SubgraphSchema, parse_subgraph_sdl, read_subgraph


def read(sdl: str) -> SubgraphSchema:
    return read_subgraph("a", "http://a/graphql", parse_subgraph_sdl("a", sdl))


def test_imports_renames_and_namespaced_names() -> None:
    subgraph = read(
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
        'import: [{name: "@key", as: "@primaryKey"}, "@shareable"])\n'
        'type Query { t: T }\ntype T @primaryKey(fields: "id") '
        "{ id: ID! x: Int @federation__external y: Int @shareable }\n"
    )
    assert not subgraph.fed1
    assert subgraph.federation_version == (2, 3)
    assert subgraph.names["key"] == "primaryKey"
    assert subgraph.names["external"] == "federation__external"
    t = subgraph.types["T"]
    assert [key.fields for key in t.keys] == ["id"]
    assert t.fields["x"].external
    assert t.fields["y"].shareable


def test_link_alias_changes_the_namespace() -> None:
    subgraph = read(
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", as: "fed")\n'
        'type Query { t: T }\ntype T @fed__key(fields: "id") { id: ID! }\n'
    )
    assert subgraph.types["T"].keys[0].fields == "id"


def test_federation1_subgraph_is_upgraded() -> None:
    subgraph = read(
        'extend type User @key(fields: "id") { id: ID! @external reviews: [String] }\n'
        "type Money { amount: Int }\n"
    )
    assert subgraph.fed1
    user = subgraph.types["User"]
    assert not user.extension
    assert not user.fields["id"].external
    assert user.fields["id"].shareable
    assert subgraph.types["Money"].fields["amount"].shareable


def test_machinery_is_dropped_and_roots_are_renamed() -> None:
    subgraph = read(
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])\n'
        "schema { query: RootQuery }\n"
        "scalar _Any\nunion _Entity = T\ntype _Service { sdl: String }\n"
        "type RootQuery { _service: _Service! _entities(representations: [_Any!]!): [_Entity]! "
        "t: T }\n"
        'type T @key(fields: "id") { id: ID! }\n'
    )
    assert set(subgraph.types) == {"Query", "T"}
    assert list(subgraph.types["Query"].fields) == ["t"]
    assert subgraph.roots == {"query": "Query"}


def test_federation1_provides_and_requires_keep_only_external_fields() -> None:
    subgraph = read(
        "type Query { r: Review }\n"
        'type Review { p: Product @provides(fields: "upc name price") '
        'q: Product @provides(fields: "name __typename") }\n'
        'extend type Product @key(fields: "upc") { upc: String! @external name: String '
        "price: Int @external dims: Dims @external w: Int @external "
        'ship: Int @requires(fields: "upc dims { x } w") local: Int @requires(fields: "name") }\n'
        "type Dims { x: Int }\n"
    )
    review = subgraph.types["Review"]
    assert review.fields["p"].provides == "price"
    assert review.fields["q"].provides is None
    product = subgraph.types["Product"]
    assert product.fields["ship"].requires == "dims { x } w"
    assert product.fields["local"].requires is None


def test_federation1_unused_externals_are_dropped() -> None:
    subgraph = read(
        "type Leftover { y: Int @external }\ntype Used { y: Int @external }\n"
        'extend type T @key(fields: "id") { id: ID! @external x: Int @external u: Used }\n'
    )
    assert list(subgraph.types["T"].fields) == ["id", "u"]
    assert "Leftover" not in subgraph.types
    assert subgraph.only_unused_external == ["Used"]

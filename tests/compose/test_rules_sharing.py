"""INVALID_FIELD_SHARING and what makes a field shareable."""

from __future__ import annotations

from tests.compose.sdl_sets import compose_sdls

FED2 = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
    'import: ["@key", "@shareable", "@external", "@provides"])\n'
)


def test_value_type_defined_twice_without_shareable_points_at_first_definition() -> None:
    result = compose_sdls(
        a=FED2 + "type Query { a: Money }\ntype Money {\n  amount: Int\n}\n",
        b=FED2 + "type Query { b: Money }\ntype Money {\n  amount: Int\n}\n",
    )
    assert not result.ok
    assert result.supergraph_sdl is None
    [error] = result.errors
    assert error.code == "INVALID_FIELD_SHARING"
    assert error.message == (
        'Non-shareable field "Money.amount" is resolved from multiple subgraphs: it is resolved '
        'from subgraphs "a" and "b" and defined as non-shareable in all of them'
    )
    assert (error.subgraph, error.line, error.column) == ("a", 4, 3)


def test_only_the_non_shareable_subgraphs_are_named() -> None:
    result = compose_sdls(
        a=FED2 + "type Query { a: Money }\ntype Money @shareable { amount: Int }\n",
        b=FED2 + "type Query { b: Money }\ntype Money { amount: Int }\n",
    )
    [error] = result.errors
    assert error.message.endswith('and defined as non-shareable in subgraph "b"')


def test_shareable_value_type_and_key_fields_compose() -> None:
    result = compose_sdls(
        a=FED2
        + 'type Query { a: User }\ntype User @key(fields: "id") { id: ID! m: Money }\n'
        + "type Money @shareable { amount: Int }\n",
        b=FED2
        + 'type User @key(fields: "id") { id: ID! n: Money }\n'
        + "type Money @shareable { amount: Int }\n",
    )
    assert result.ok, result.errors
    assert result.errors == []


def test_provided_external_field_counts_as_a_resolver() -> None:
    result = compose_sdls(
        a=FED2
        + 'type Query { b: B @provides(fields: "y") }\n'
        + 'type B @key(fields: "id") { id: ID! y: Int @external }\n',
        b=FED2 + 'type B @key(fields: "id") { id: ID! y: Int }\n',
    )
    [error] = result.errors
    assert error.code == "INVALID_FIELD_SHARING"
    assert 'defined as non-shareable in subgraph "b"' in error.message


def test_federation1_value_types_are_implicitly_shareable() -> None:
    result = compose_sdls(
        a="type Query { a: Money }\ntype Money { amount: Int }\n",
        b="type Query { b: Money }\ntype Money { amount: Int }\n",
    )
    assert result.ok, result.errors


def test_federation1_fields_resolved_twice_are_shareable() -> None:
    result = compose_sdls(
        a='type Query { a: E }\ntype E @key(fields: "id") { id: ID! x: Int }\n'
        "type Mutation { run: Int }\n",
        b='extend type E @key(fields: "id") { id: ID! @external x: Int }\n'
        "extend type Mutation { run: Int }\n",
    )
    assert result.supergraph is not None, result.errors
    assert set(result.supergraph.types["E"].fields["x"].sources) == {"a", "b"}

"""@key validation: KEY_INVALID_FIELDS, KEY_FIELDS_SELECT_INVALID_TYPE, KEY_FIELDS_HAS_ARGS,
INTERFACE_KEY_NOT_ON_IMPLEMENTATION."""

from __future__ import annotations

from tests.compose.sdl_sets import compose_sdls

FED2 = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
    'import: ["@key", "@shareable", "@interfaceObject"])\n'
)


def test_key_on_unknown_field() -> None:
    result = compose_sdls(a=FED2 + 'type Query { t: T }\ntype T @key(fields: "nope") { id: ID! }\n')
    [error] = result.errors
    assert error.code == "KEY_INVALID_FIELDS"
    assert error.message.startswith(
        '[a] On type "T", for @key(fields: "nope"): Cannot query field "nope" on type "T"'
    )
    assert (error.subgraph, error.line, error.column) == ("a", 3, 8)


def test_key_with_syntax_error() -> None:
    result = compose_sdls(a=FED2 + 'type Query { t: T }\ntype T @key(fields: "id {") { id: ID! }\n')
    assert [error.code for error in result.errors] == ["KEY_INVALID_FIELDS"]


def test_key_selecting_an_interface_field() -> None:
    result = compose_sdls(
        a=FED2
        + "type Query { t: T }\ninterface I { x: Int }\ntype Impl implements I { x: Int }\n"
        + 'type T @key(fields: "i { x }") { i: I }\n'
    )
    [error] = result.errors
    assert error.code == "KEY_FIELDS_SELECT_INVALID_TYPE"
    assert 'field "T.i" is a Interface type which is not allowed in @key' in error.message
    assert (error.subgraph, error.line) == ("a", 5)


def test_key_field_with_arguments() -> None:
    result = compose_sdls(
        a=FED2 + 'type Query { t: T }\ntype T @key(fields: "id") { id(x: Int): ID! }\n'
    )
    assert [error.code for error in result.errors] == ["KEY_FIELDS_HAS_ARGS"]


def test_interface_key_missing_on_implementation() -> None:
    result = compose_sdls(
        a=FED2
        + 'type Query { a: Account }\ninterface Account @key(fields: "id") { id: ID! }\n'
        + 'type User implements Account @key(fields: "id") { id: ID! }\n'
        + "type Bot implements Account { id: ID! }\n"
    )
    [error] = result.errors
    assert error.code == "INTERFACE_KEY_NOT_ON_IMPLEMENTATION"
    assert error.message == (
        '[a] Key @key(fields: "id") on interface type "Account" is missing on implementation '
        'type "Bot".'
    )
    assert (error.subgraph, error.line) == ("a", 5)


def test_multiple_and_non_resolvable_keys_are_printed() -> None:
    result = compose_sdls(
        a=FED2 + 'type Query { t: T }\ntype T @key(fields: "id") @key(fields: "sku") '
        "{ id: ID! sku: String! }\n",
        b=FED2 + 'type T @key(fields: "id", resolvable: false) { id: ID! }\n',
    )
    assert result.supergraph_sdl is not None, result.errors
    assert '@join__type(graph: A, key: "sku")' in result.supergraph_sdl
    assert '@join__type(graph: B, key: "id", resolvable: false)' in result.supergraph_sdl

"""@external: EXTERNAL_UNUSED and EXTERNAL_MISSING_ON_BASE."""

from __future__ import annotations

from tests.compose.sdl_sets import compose_sdls

FED2 = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
    'import: ["@key", "@external", "@requires", "@extends"])\n'
)


def test_unused_external_field() -> None:
    result = compose_sdls(
        a=FED2
        + 'type Query { t: T }\ntype T @key(fields: "id") {\n  id: ID!\n  x: Int @external\n}\n',
        b=FED2 + 'type T @key(fields: "id") { id: ID! x: Int }\n',
    )
    [error] = result.errors
    assert error.code == "EXTERNAL_UNUSED"
    assert error.message.startswith('[a] Field "T.x" is marked @external but is not used')
    assert (error.subgraph, error.line, error.column) == ("a", 5, 10)


def test_external_used_by_requires_is_fine() -> None:
    result = compose_sdls(
        a=FED2
        + 'type Query { t: T }\ntype T @key(fields: "id") '
        + '{ id: ID! x: Int @external y: Int @requires(fields: "x") }\n',
        b=FED2 + 'type T @key(fields: "id") { id: ID! x: Int }\n',
    )
    assert result.ok, result.errors
    assert result.supergraph_sdl is not None
    assert '@join__field(graph: A, requires: "x")' in result.supergraph_sdl
    assert "@join__field(graph: A, external: true) @join__field(graph: B)" in (
        result.supergraph_sdl
    )


def test_external_everywhere_is_missing_on_base() -> None:
    result = compose_sdls(
        a=FED2
        + 'type Query { t: T }\ntype T @key(fields: "id") '
        + '{ id: ID! x: Int @external y: Int @requires(fields: "x") }\n',
        b=FED2
        + 'type T @key(fields: "id") {\n  id: ID!\n  x: Int @external\n'
        + '  z: Int @requires(fields: "x")\n}\n',
    )
    [error] = result.errors
    assert error.code == "EXTERNAL_MISSING_ON_BASE"
    assert error.message == (
        'Field "T.x" is marked @external on all the subgraphs in which it is listed '
        '(subgraphs "a" and "b").'
    )
    assert error.subgraph == "a"


def test_external_key_field_of_an_extension_is_a_plain_field() -> None:
    result = compose_sdls(
        a=FED2 + 'type Query { u: User }\ntype User @key(fields: "id") { id: ID! name: String }\n',
        b=FED2 + 'extend type User @key(fields: "id") { id: ID! @external reviews: [String] }\n',
    )
    assert result.supergraph_sdl is not None, result.errors
    assert '@join__type(graph: B, key: "id", extension: true)' in result.supergraph_sdl
    assert "  id: ID!\n" in result.supergraph_sdl


def test_external_field_must_declare_the_arguments_of_the_real_field() -> None:
    result = compose_sdls(
        a=FED2 + 'type Query { t: T }\ntype T @key(fields: "id") { id: ID! '
        'f(n: Int = 1): Int @external g: Int @external h: Int @requires(fields: "f g") }\n',
        b=FED2 + 'type T @key(fields: "id") { id: ID! f(n: Int = 2): Int g(m: Int!): Int }\n',
    )
    assert sorted((error.code, error.message) for error in result.errors) == [
        (
            "EXTERNAL_ARGUMENT_DEFAULT_MISMATCH",
            'Argument "T.f(n:)" has incompatible defaults across subgraphs (where "T.f" is '
            'marked @external): it has default value 2 in subgraph "b" but default value 1 in '
            'subgraph "a"',
        ),
        (
            "EXTERNAL_ARGUMENT_MISSING",
            'Field "T.g" is missing argument "T.g(m:)" in some subgraphs where it is marked '
            '@external: argument "T.g(m:)" is declared in subgraph "b" but not in subgraph "a" '
            '(where "T.g" is @external).',
        ),
    ]

"""@listSize targets: LIST_SIZE_APPLIED_TO_NON_LIST, LIST_SIZE_INVALID_ASSUMED_SIZE,
LIST_SIZE_INVALID_SLICING_ARGUMENT and LIST_SIZE_INVALID_SIZED_FIELD."""

from __future__ import annotations

from router.compose import CompositionResult, SubgraphSource, compose

FED29 = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", '
    'import: ["@key", "@listSize"])\n'
)


def compose_one(sdl: str) -> CompositionResult:
    return compose([SubgraphSource("a", "http://a.internal/graphql", FED29 + sdl)])


def test_slicing_argument_must_be_an_argument() -> None:
    result = compose_one('type Query { a(n: Int): [Int] @listSize(slicingArguments: ["first"]) }\n')
    [error] = result.errors
    assert error.code == "LIST_SIZE_INVALID_SLICING_ARGUMENT"
    assert error.message == '[a] Slicing argument "first" is not an argument of "Query.a"'
    assert (error.subgraph, error.line) == ("a", 2)


def test_slicing_argument_must_be_an_int() -> None:
    result = compose_one('type Query { a(n: String): [Int] @listSize(slicingArguments: ["n"]) }\n')
    [error] = result.errors
    assert error.code == "LIST_SIZE_INVALID_SLICING_ARGUMENT"
    assert error.message == '[a] Slicing argument "Query.a(n:)" must be Int or Int!'


def test_list_size_on_a_single_value_and_a_negative_assumed_size() -> None:
    result = compose_one("type Query { a: Int @listSize(assumedSize: -2) }\n")
    assert [error.code for error in result.errors] == [
        "LIST_SIZE_APPLIED_TO_NON_LIST",
        "LIST_SIZE_INVALID_ASSUMED_SIZE",
    ]


def test_sized_fields_must_be_list_fields_of_the_returned_type() -> None:
    result = compose_one(
        "type Page { items: [Int], total: Int }\n"
        'type Query { p: Page @listSize(sizedFields: ["items", "total", "gone"]) }\n'
    )
    assert [(error.code, error.message) for error in result.errors] == [
        ("LIST_SIZE_APPLIED_TO_NON_LIST", '[a] Sized field "Page.total" is not a list'),
        ("LIST_SIZE_INVALID_SIZED_FIELD", '[a] Sized field "gone" is not a field on type "Page"'),
    ]


def test_valid_list_size_composes() -> None:
    result = compose_one(
        "type Page { items: [Int] }\n"
        'type Query { a(n: Int!): [Int] @listSize(slicingArguments: ["n"], assumedSize: 0)\n'
        '  p: Page @listSize(sizedFields: ["items"]) }\n'
    )
    assert result.ok, result.errors

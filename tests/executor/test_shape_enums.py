"""Values a subgraph returns that the API schema does not have (an enum value, a runtime type
hidden by @inaccessible): null and an error at the path, with null propagation."""

from __future__ import annotations

from typing import Any

from graphql import OperationDefinitionNode, build_schema, parse

from router.executor import compile_shape, shape_response

SCHEMA = build_schema(
    """
    enum Status { ACTIVE RETIRED }
    type Item { status: Status strict: Status! tags: [Status!] history: [Status]! }
    type Query { item: Item items: [Item!] }
    """
)


def shaped(query: str, data: dict[str, Any]) -> tuple[Any, list[dict[str, Any]]]:
    operation = next(d for d in parse(query).definitions if isinstance(d, OperationDefinitionNode))
    errors: list[dict[str, Any]] = []
    return shape_response(data, compile_shape(SCHEMA, operation, {}), errors), errors


def test_unknown_value_of_a_nullable_field_is_null_with_an_error() -> None:
    data, errors = shaped("{ item { s: status } }", {"item": {"s": "HIDDEN"}})
    assert data == {"item": {"s": None}}
    assert errors == [
        {
            "message": "Invalid value found for field Item.status.",
            "path": ["item", "s"],
            "extensions": {"code": "INVALID_GRAPHQL"},
        }
    ]


def test_unknown_value_of_a_non_null_field_propagates_without_a_second_error() -> None:
    data, errors = shaped(
        "{ items { strict } }", {"items": [{"strict": "ACTIVE"}, {"strict": "HIDDEN"}]}
    )
    assert data == {"items": None}
    assert [e["path"] for e in errors] == [["items", 1, "strict"]]


def test_list_items_are_checked_one_by_one() -> None:
    data, errors = shaped(
        "{ item { tags history } }",
        {"item": {"tags": ["ACTIVE", "HIDDEN"], "history": ["HIDDEN", None, "RETIRED"]}},
    )
    assert data == {"item": {"tags": None, "history": [None, None, "RETIRED"]}}
    assert [(e["message"], e["path"]) for e in errors] == [
        ("Invalid value found for array element of type Status at index 1.", ["item", "tags", 1]),
        (
            "Invalid value found for array element of type Status at index 0.",
            ["item", "history", 0],
        ),
    ]


def test_known_values_pass_through() -> None:
    data, errors = shaped(
        "{ item { status tags } }", {"item": {"status": "RETIRED", "tags": ["ACTIVE"]}}
    )
    assert data == {"item": {"status": "RETIRED", "tags": ["ACTIVE"]}}
    assert errors == []


UNION_SCHEMA = build_schema(
    """
    type Product { name: String }
    type Other { code: String }
    union Found = Product | Other
    type Query { one: Found found: [Found!] maybe: [Found] }
    """
)


def test_runtime_type_the_api_schema_lacks_is_null_with_an_error() -> None:
    query = "{ one { ... on Product { name } } found { __typename } maybe { __typename } }"
    operation = next(d for d in parse(query).definitions if isinstance(d, OperationDefinitionNode))
    errors: list[dict[str, Any]] = []
    hidden = {"__typename": "Secret"}
    product = {"__typename": "Product", "name": "Mug"}
    data = shape_response(
        {"one": hidden, "found": [product, hidden], "maybe": [hidden, product]},
        compile_shape(UNION_SCHEMA, operation, {}),
        errors,
    )
    assert data == {"one": None, "found": None, "maybe": [None, {"__typename": "Product"}]}
    assert [(e["message"], e["path"]) for e in errors] == [
        ("Invalid __typename found for object at field Query.one.", ["one"]),
        (
            "Invalid __typename found for object at array element of type Found at index 1.",
            ["found", 1],
        ),
        (
            "Invalid __typename found for object at array element of type Found at index 0.",
            ["maybe", 0],
        ),
    ]


def test_runtime_type_naming_an_abstract_type_is_not_an_error() -> None:
    operation = next(
        d
        for d in parse("{ one { ... on Product { name } } }").definitions
        if isinstance(d, OperationDefinitionNode)
    )
    errors: list[dict[str, Any]] = []
    data = shape_response(
        {"one": {"__typename": "Found"}}, compile_shape(UNION_SCHEMA, operation, {}), errors
    )
    assert data == {"one": {}}
    assert errors == []

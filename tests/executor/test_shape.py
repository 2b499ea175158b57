"""Shaping merged data to the client's selection: pure functions over a real schema."""

from __future__ import annotations

from typing import Any

from graphql import FragmentDefinitionNode, OperationDefinitionNode, build_schema, parse

from router.executor import compile_shape, condition_variables, shape_response

SCHEMA = build_schema(
    """
    scalar DateTime
    interface Node { id: ID! }
    type Book implements Node { id: ID! title: String! published: DateTime }
    type Movie implements Node { id: ID! title: String! minutes: Int }
    union Media = Book | Movie
    type Shelf { name: String items: [Media!]! maybe: [[Node]] }
    type Query {
      node(id: ID!): Node
      shelf: Shelf
      shelves: [Shelf!]
      strictShelf: Shelf!
      count: Int!
    }
    """
)


def shaped(
    query: str, data: dict[str, Any], variables: dict[str, Any] | None = None
) -> tuple[Any, list[dict[str, Any]]]:
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    shape = compile_shape(SCHEMA, operation, fragments, variables)
    errors: list[dict[str, Any]] = []
    return shape_response(data, shape, errors), errors


BOOK = {"__typename": "Book", "id": "b1", "title": "Dune", "published": "1965-08-01"}
MOVIE = {"__typename": "Movie", "id": "m1", "title": "Alien", "minutes": 117}


def test_fragments_on_abstract_types_apply_by_runtime_type() -> None:
    data, errors = shaped(
        """
        { shelf { items { __typename ... on Book { title published } ...M } } }
        fragment M on Movie { minutes name: title }
        """,
        {"shelf": {"items": [BOOK, {**MOVIE, "name": "Alien"}]}},  # keyed by response keys
    )
    assert errors == []
    assert data == {
        "shelf": {
            "items": [
                {"__typename": "Book", "title": "Dune", "published": "1965-08-01"},
                {"__typename": "Movie", "minutes": 117, "name": "Alien"},
            ]
        }
    }
    assert list(data["shelf"]["items"][1]) == ["__typename", "minutes", "name"]


def test_interface_fragment_inside_union_and_field_merging() -> None:
    data, _ = shaped(
        "{ shelf { items { ... on Node { id } ... on Book { id title } } } }",
        {"shelf": {"items": [BOOK, MOVIE]}},
    )
    assert data == {"shelf": {"items": [{"id": "b1", "title": "Dune"}, {"id": "m1"}]}}


def test_typename_is_the_runtime_type_and_root_typename_is_static() -> None:
    data, _ = shaped('{ __typename node(id: "b1") { kind: __typename id } }', {"node": BOOK})
    assert data == {"__typename": "Query", "node": {"kind": "Book", "id": "b1"}}


def test_skip_and_include_with_variables_and_literals() -> None:
    query = """
      query($withTitle: Boolean!, $noId: Boolean = false) {
        node(id: "b1") {
          id @skip(if: $noId)
          title @include(if: $withTitle)
          ... on Book @include(if: false) { published }
        }
      }
    """
    document = parse(query)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    assert condition_variables(operation, []) == ("noId", "withTitle")
    data, _ = shaped(query, {"node": BOOK}, {"withTitle": False, "noId": False})
    assert data == {"node": {"id": "b1"}}
    data, _ = shaped(query, {"node": BOOK}, {"withTitle": True, "noId": True})
    assert data == {"node": {"title": "Dune"}}


def test_null_in_non_null_field_nulls_nearest_nullable_parent() -> None:
    data, errors = shaped(
        "{ shelf { name items { ... on Book { title } } } count }",
        {
            "shelf": {"name": "s", "items": [BOOK, {"__typename": "Book", "title": None}]},
            "count": 1,
        },
    )
    # Book.title! → items item (Media!) → items [Media!]! → shelf (nullable)
    assert data == {"shelf": None, "count": 1}
    assert errors == [
        {
            "message": "Cannot return null for non-nullable field Book.title.",
            "path": ["shelf", "items", 1, "title"],
            "extensions": {"code": "INVALID_GRAPHQL"},
        }
    ]


def test_null_reaching_the_root_nulls_data() -> None:
    data, errors = shaped("{ count strictShelf { name } }", {"strictShelf": {"name": "x"}})
    assert data is None
    assert errors[0]["path"] == ["count"]


def test_nullable_items_of_nested_lists_become_null_alone() -> None:
    data, errors = shaped(
        "{ shelf { maybe { id } } }",
        {"shelf": {"maybe": [[BOOK, None], None, [{"__typename": "Movie"}]]}},
    )
    assert data == {"shelf": {"maybe": [[{"id": "b1"}, None], None, [None]]}}
    assert errors[0]["path"] == ["shelf", "maybe", 2, 0, "id"]


def test_existing_error_at_the_path_is_not_repeated() -> None:
    document = parse("{ count }")
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    shape = compile_shape(SCHEMA, operation, {})
    errors: list[dict[str, Any]] = [{"message": "boom", "path": ["count"]}]
    assert shape_response({}, shape, errors) is None
    assert errors == [{"message": "boom", "path": ["count"]}]


def test_unknown_runtime_type_keeps_unconditional_fields_only() -> None:
    data, errors = shaped('{ node(id: "x") { id ... on Book { title } } }', {"node": {"id": "x"}})
    assert data == {"node": {"id": "x"}}
    assert errors == []


def test_list_of_objects_with_aliases_and_extra_data_ignored() -> None:
    data, _ = shaped(
        "{ shelves { a: name b: name } }",
        {"shelves": [{"a": "one", "b": "one", "__typename": "Shelf", "zz": 1}]},
    )
    assert data == {"shelves": [{"a": "one", "b": "one"}]}


def test_error_below_the_null_explains_it() -> None:
    # the subgraph nulled the object for an error deeper down: no second error
    document = parse("{ strictShelf { name } }")
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    shape = compile_shape(SCHEMA, operation, {})
    errors: list[dict[str, Any]] = [{"message": "boom", "path": ["strictShelf", "name"]}]
    assert shape_response({}, shape, errors) is None
    assert len(errors) == 1

"""Operation handling: parse and validation errors, operation names, variables."""

from __future__ import annotations

from typing import Any

from graphql import ASTValidationRule, FieldNode, GraphQLError

from router.gateway import Gateway, GatewayOptions, GraphQLRequest
from router.supergraph.model import Supergraph
from tests.executor.subgraphs.recording import RecordingApp


async def run(gateway: Gateway, query: str | None, **kwargs: Any) -> dict[str, Any]:
    return await gateway.execute(GraphQLRequest(query, **kwargs))


async def test_syntax_error_has_location_and_code(gateway: Gateway) -> None:
    result = await run(gateway, "{ items { title }")
    assert "data" not in result
    [error] = result["errors"]
    assert error["message"].startswith("Syntax Error:")
    assert error["locations"] == [{"line": 1, "column": 18}]
    assert error["extensions"] == {"code": "GRAPHQL_PARSE_FAILED"}


async def test_validation_errors_have_locations(
    gateway: Gateway, catalog_app: RecordingApp
) -> None:
    result = await run(gateway, "{\n  items { nope }\n  book { title }\n}")
    assert "data" not in result
    assert [(e["message"], e["locations"]) for e in result["errors"]] == [
        ("Cannot query field 'nope' on type 'Item'.", [{"line": 2, "column": 11}]),
        (
            "Argument 'Query.book(id:)' of type 'ID!' is required, but it was not provided.",
            [{"line": 3, "column": 3}],
        ),
    ]
    assert {e["extensions"]["code"] for e in result["errors"]} == {"GRAPHQL_VALIDATION_FAILED"}
    assert catalog_app.requests == []


async def test_federation_machinery_is_not_queryable(gateway: Gateway) -> None:
    result = await run(gateway, "{ _service { sdl } }")
    assert result["errors"][0]["message"] == "Cannot query field '_service' on type 'Query'."


async def test_extra_validation_rules_from_options(
    catalog_supergraph: Supergraph, options: GatewayOptions
) -> None:
    class NoSearch(ASTValidationRule):
        def enter_field(self, node: FieldNode, *_args: object) -> None:
            if node.name.value == "search":
                self.report_error(GraphQLError("search is off", node))

    options.validation_rules = (NoSearch,)
    gateway = Gateway(catalog_supergraph, options)
    try:
        result = await run(gateway, '{ search(filter: {text: "x"}) { __typename } }')
    finally:
        await gateway.aclose()
    assert result == {
        "errors": [
            {
                "message": "search is off",
                "locations": [{"line": 1, "column": 3}],
                "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
            }
        ]
    }


DOCUMENT = """
query Books { items { title } }
query One { book(id: "b1") { title } }
"""


async def test_operation_name_selects_the_operation(gateway: Gateway) -> None:
    result = await run(gateway, DOCUMENT, operation_name="One")
    assert result == {"data": {"book": {"title": "Dune"}}}


async def test_missing_and_unknown_operation_names(gateway: Gateway) -> None:
    missing = await run(gateway, DOCUMENT)
    assert missing == {
        "errors": [
            {
                "message": "Must provide operation name if query contains multiple operations.",
                "extensions": {"code": "INVALID_GRAPHQL"},
            }
        ]
    }
    unknown = await run(gateway, DOCUMENT, operation_name="Nope")
    assert unknown == {
        "errors": [
            {
                "message": 'Unknown operation named "Nope".',
                "extensions": {"code": "INVALID_GRAPHQL"},
            }
        ]
    }


async def test_operation_type_without_root_type(gateway: Gateway) -> None:
    result = await run(gateway, "subscription { bookAdded { title } }")
    assert result == {
        "errors": [
            {
                "message": 'The schema has no "subscription" root type defined',
                "extensions": {"code": "INVALID_GRAPHQL"},
            }
        ]
    }
    # only the selected operation needs a root type
    document = "subscription Feed { bookAdded { title } }\n" + DOCUMENT
    chosen = await run(gateway, document, operation_name="One")
    assert chosen == {"data": {"book": {"title": "Dune"}}}


async def test_missing_query(gateway: Gateway) -> None:
    result = await run(gateway, None)
    assert result["errors"][0]["message"] == "Must provide query string."


SEARCH = """
query Search($filter: SearchFilter!) {
  search(filter: $filter) { ... on Book { title genre } ... on Movie { title minutes } }
}
"""


async def test_variables_are_coerced_and_forwarded(
    gateway: Gateway, catalog_app: RecordingApp
) -> None:
    result = await run(gateway, SEARCH, variables={"filter": {"text": "dune", "genres": "FICTION"}})
    assert result == {"data": {"search": [{"title": "Dune", "genre": "FICTION"}]}}
    result = await run(gateway, SEARCH, variables={"filter": {"text": "dune"}})
    assert result == {
        "data": {
            "search": [{"title": "Dune", "genre": "FICTION"}, {"title": "Dune", "minutes": 155}]
        }
    }
    assert catalog_app.requests[-1]["variables"] == {"filter": {"text": "dune"}}


async def test_variable_errors_name_the_variable_and_path(gateway: Gateway) -> None:
    missing = await run(gateway, SEARCH)
    assert missing == {
        "errors": [
            {
                "message": 'Variable "$filter" of required type "SearchFilter!" was not provided.',
                "locations": [{"line": 2, "column": 14}],
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ]
    }
    invalid = await run(
        gateway, SEARCH, variables={"filter": {"text": "x", "genres": ["FICTION", "POETRY"]}}
    )
    [error] = invalid["errors"]
    assert error["message"] == (
        'Variable "$filter" got invalid value "POETRY" at "filter.genres[1]";'
        ' Value "POETRY" does not exist in "Genre" enum.'
    )
    not_an_object = await run(gateway, SEARCH, variables=["x"])
    assert not_an_object["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_variable_defaults_are_sent_to_the_subgraph(
    gateway: Gateway, catalog_app: RecordingApp
) -> None:
    result = await run(
        gateway,
        'query($limit: Int! = 1) { search(filter: {text: "dune", limit: $limit}) { __typename } }',
    )
    assert result == {"data": {"search": [{"__typename": "Book"}]}}
    assert catalog_app.requests[-1]["variables"] == {"limit": 1}


async def test_abstract_types_aliases_and_custom_scalars(gateway: Gateway) -> None:
    result = await run(
        gateway,
        """
        {
          items {
            kind: __typename
            ... on Book { name: title published }
            ...MovieFields
          }
        }
        fragment MovieFields on Movie { minutes }
        """,
    )
    assert result == {
        "data": {
            "items": [
                {"kind": "Book", "name": "Dune", "published": "1965-08-01"},
                {"kind": "Book", "name": "Cosmos", "published": None},
                {"kind": "Movie", "minutes": 155},
            ]
        }
    }


async def test_skip_and_include(gateway: Gateway) -> None:
    query = """
      query($full: Boolean!) {
        book(id: "b1") { title author @include(if: $full) genre @skip(if: $full) }
      }
    """
    short = await run(gateway, query, variables={"full": False})
    assert short == {"data": {"book": {"title": "Dune", "genre": "FICTION"}}}
    full = await run(gateway, query, variables={"full": True})
    assert full == {"data": {"book": {"title": "Dune", "author": "Frank Herbert"}}}


async def test_mutation(gateway: Gateway) -> None:
    from .subgraphs.catalog import BOOKS

    count = len(BOOKS)
    try:
        result = await run(gateway, 'mutation { addBook(title: "Solaris") { title author } }')
        assert result == {"data": {"addBook": {"title": "Solaris", "author": None}}}
    finally:
        del BOOKS[count:]


async def test_subgraph_headers_are_sent(gateway: Gateway, catalog_app: RecordingApp) -> None:
    await gateway.execute(
        GraphQLRequest('{ book(id: "b1") { title } }'),
        subgraph_headers={"authorization": "Bearer t0ken"},
    )
    assert catalog_app.headers[-1]["authorization"] == "Bearer t0ken"
    assert catalog_app.headers[-1]["content-type"] == "application/json"

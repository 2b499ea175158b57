"""Introspection from the API schema, mixed operations, the prepared-operation cache."""

from __future__ import annotations

from typing import Any

from graphql import execute_sync, get_introspection_query, parse

from router.gateway import Gateway, GatewayOptions, GraphQLRequest
from router.supergraph.model import Supergraph
from tests.executor.subgraphs.recording import RecordingApp


async def run(gateway: Gateway, query: str, **kwargs: Any) -> dict[str, Any]:
    return await gateway.execute(GraphQLRequest(query, **kwargs))


async def test_introspection_is_answered_without_subgraphs(
    gateway: Gateway, catalog_app: RecordingApp
) -> None:
    result = await run(
        gateway, '{ __schema { queryType { name } } __type(name: "Query") { fields { name } } }'
    )
    assert result == {
        "data": {
            "__schema": {"queryType": {"name": "Query"}},
            "__type": {"fields": [{"name": "items"}, {"name": "search"}, {"name": "book"}]},
        }
    }
    assert catalog_app.requests == []


async def test_introspection_hides_federation_types(gateway: Gateway) -> None:
    result = await run(gateway, "{ __schema { types { name } } }")
    names = {t["name"] for t in result["data"]["__schema"]["types"]}
    assert {"Book", "Movie", "SearchResult", "Date"} <= names
    assert not {"_Entity", "_Service", "_Any", "join__Graph", "link__Purpose"} & names


async def test_full_introspection_query_with_nested_fragments(gateway: Gateway) -> None:
    # GraphiQL's query: `__schema { types { ...FullType } }` and fragments spread in fragments
    query = get_introspection_query(descriptions=True)
    result = await run(gateway, query)
    expected = execute_sync(gateway.supergraph.api_schema, parse(query))
    assert expected.errors is None
    assert result == {"data": expected.data}
    types = {t["name"]: t for t in result["data"]["__schema"]["types"]}
    assert [f["name"] for f in types["Query"]["fields"]] == ["items", "search", "book"]


async def test_mixed_introspection_and_data_in_client_order(
    gateway: Gateway, catalog_app: RecordingApp
) -> None:
    result = await run(
        gateway,
        """
        query($type: String!) {
          book(id: "b2") { title }
          genre: __type(name: $type) { enumValues { name } }
          __typename
          ...More
        }
        fragment More on Query { __schema { mutationType { name } } }
        """,
        variables={"type": "Genre"},
    )
    assert result == {
        "data": {
            "book": {"title": "Cosmos"},
            "genre": {"enumValues": [{"name": "FICTION"}, {"name": "SCIENCE"}]},
            "__typename": "Query",
            "__schema": {"mutationType": {"name": "Mutation"}},
        }
    }
    assert list(result["data"]) == ["book", "genre", "__typename", "__schema"]
    [sent] = catalog_app.requests
    assert "__schema" not in sent["query"] and "__type(" not in sent["query"]


async def test_root_typename_alone_needs_no_subgraph(
    gateway: Gateway, catalog_app: RecordingApp
) -> None:
    assert await run(gateway, "{ __typename }") == {"data": {"__typename": "Query"}}
    assert catalog_app.requests == []


async def test_introspection_can_be_disabled(
    catalog_supergraph: Supergraph, options: GatewayOptions
) -> None:
    options.introspection = False
    gateway = Gateway(catalog_supergraph, options)
    try:
        result = await run(gateway, "{ __schema { queryType { name } } }")
        typename = await run(gateway, "{ __typename }")
    finally:
        await gateway.aclose()
    assert result == {
        "errors": [
            {
                "message": "Introspection is disabled.",
                "extensions": {"code": "INTROSPECTION_DISABLED"},
            }
        ]
    }
    assert typename == {"data": {"__typename": "Query"}}


async def test_repeated_operation_is_a_cache_hit(gateway: Gateway) -> None:
    query = '{ book(id: "b1") { title } }'
    first = gateway.prepare(query, None)
    assert gateway.prepare(query, None) is first
    hits = gateway.cache.hits
    for _ in range(3):
        assert await run(gateway, query) == {"data": {"book": {"title": "Dune"}}}
    assert gateway.cache.hits == hits + 3
    assert len(gateway.cache) == 1


async def test_cache_is_per_operation_name_and_bounded(
    catalog_supergraph: Supergraph, options: GatewayOptions
) -> None:
    options.plan_cache_size = 2
    gateway = Gateway(catalog_supergraph, options)
    try:
        document = 'query A { items { title } } query B { book(id: "b1") { title } }'
        a = gateway.prepare(document, "A")
        b = gateway.prepare(document, "B")
        assert a is not b and a.operation_name == "A" and b.operation_name == "B"
        gateway.prepare("{ __typename }", None)
        assert len(gateway.cache) == 2
        assert gateway.prepare(document, "A") is not a  # evicted, prepared again
    finally:
        await gateway.aclose()


async def test_invalid_operations_are_cached_too(gateway: Gateway) -> None:
    first = gateway.prepare("{ nope }", None)
    assert first.errors is not None
    assert gateway.prepare("{ nope }", None) is first


async def test_plan_in_extensions_only_when_exposed(
    catalog_supergraph: Supergraph, options: GatewayOptions
) -> None:
    query = '{ book(id: "b1") { title } }'
    hidden = Gateway(catalog_supergraph, options)
    options.expose_query_plan = True
    shown = Gateway(catalog_supergraph, options)
    try:
        without = await hidden.execute(GraphQLRequest(query), include_plan=True)
        with_plan = await shown.execute(GraphQLRequest(query), include_plan=True)
        not_asked = await shown.execute(GraphQLRequest(query))
        assert "extensions" not in without and "extensions" not in not_asked
        text = with_plan["extensions"]["queryPlan"]["text"]
        assert isinstance(text, str) and "catalog" in text
        assert shown.prepare("{ __typename }", None).plan_text == "QueryPlan {}"
    finally:
        await hidden.aclose()
        await shown.aclose()


async def test_a_response_changed_in_place_leaves_cached_answers_alone(gateway: Gateway) -> None:
    # an on_response hook may change the response it is given; the next request must not see it
    for query in ("{ nope }", '{ __type(name: "Book") { name } }', "{ __typename }"):
        first = await run(gateway, query)
        expected = repr(first)
        for error in first.get("errors", ()):
            error["message"] = "masked"
            error.setdefault("extensions", {})["traceId"] = "abc"
        first.setdefault("errors", []).append({"message": "added by a hook"})
        if first.get("data"):
            first["data"].clear()
        assert repr(await run(gateway, query)) == expected


async def test_introspection_with_data_changed_in_place_leaves_the_cache_alone(
    gateway: Gateway,
) -> None:
    query = '{ book(id: "b1") { title } __type(name: "Book") { name fields { name } } }'
    first = await run(gateway, query)
    expected = repr(first)
    first["data"]["__type"]["fields"].clear()
    first["data"]["__type"]["name"] = "Changed"
    assert repr(await run(gateway, query)) == expected

"""GraphQL over HTTP: POST and GET, content negotiation, status codes, batching."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.server.stack import CROSS_SUBGRAPH_QUERY, router_stack

JSON = {"content-type": "application/json"}
GRAPHQL_RESPONSE = "application/graphql-response+json"
PREFLIGHT = {"apollo-require-preflight": "true"}


@pytest.fixture
async def client(tmp_path: Path, supergraph_sdl: str) -> AsyncIterator[httpx.AsyncClient]:
    async with router_stack(tmp_path, supergraph_sdl) as (client, _app):
        yield client


async def test_post_runs_a_cross_subgraph_query(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": CROSS_SUBGRAPH_QUERY})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert "errors" not in body
    nodes = [edge["node"] for edge in body["data"]["users"]["edges"]]
    assert len(nodes) == 2
    assert all(isinstance(node["name"], str) and node["orderCount"] >= 0 for node in nodes)
    assert any(node["orderCount"] > 0 for node in nodes)
    [product] = body["data"]["topProducts"]
    assert isinstance(product["name"], str) and product["name"]
    assert product["shippingEstimate"]["currency"] == "USD"


async def test_variables_and_operation_name(client: httpx.AsyncClient) -> None:
    document = (
        "query One($first: Int!) { users(first: $first) { edges { node { name } } } } "
        "query Two { __typename }"
    )
    response = await client.post(
        "/graphql",
        json={"query": document, "operationName": "One", "variables": {"first": 1}},
    )
    assert response.status_code == 200
    assert len(response.json()["data"]["users"]["edges"]) == 1


async def test_graphql_response_json_is_chosen_when_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers={"accept": f"{GRAPHQL_RESPONSE}, application/json;q=0.9"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    assert response.json() == {"data": {"__typename": "Query"}}
    assert response.headers["vary"].lower() == "accept"


async def test_request_errors_are_400_with_graphql_response_json(
    client: httpx.AsyncClient,
) -> None:
    for query in ("{ users(", "{ noSuchField }"):
        response = await client.post(
            "/graphql", json={"query": query}, headers={"accept": GRAPHQL_RESPONSE}
        )
        assert response.status_code == 400, query
        body = response.json()
        assert "data" not in body and body["errors"]


async def test_request_errors_are_200_with_application_json(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", json={"query": "{ noSuchField }"}, headers={"accept": "application/json"}
    )
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_unacceptable_accept_is_406(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"accept": "application/xml"}
    )
    assert response.status_code == 406
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_ACCEPTABLE"


async def test_body_that_is_not_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", content=b"{not json", headers=JSON)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_body_with_wrong_field_types_is_400(client: httpx.AsyncClient) -> None:
    for body in ({"query": 3}, {"query": "{ __typename }", "variables": [1]}, {}, "text"):
        response = await client.post("/graphql", json=body)
        assert response.status_code == 400, body


async def test_unsupported_content_type_is_415(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql",
        content=b"{ __typename }",
        headers={"content-type": "application/graphql", **PREFLIGHT},
    )
    assert response.status_code == 415


async def test_get_runs_queries(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/graphql",
        params={
            "query": "query Q($first: Int!) { users(first: $first) { edges { node { name } } } }",
            "variables": '{"first": 1}',
        },
        headers=PREFLIGHT,
    )
    assert response.status_code == 200
    assert len(response.json()["data"]["users"]["edges"]) == 1


async def test_get_refuses_mutations_with_405(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/graphql",
        params={"query": "mutation { restock(productId: 1, quantity: 1) { id } }"},
        headers=PREFLIGHT,
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


async def test_get_with_invalid_variables_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/graphql", params={"query": "{ __typename }", "variables": "{"}, headers=PREFLIGHT
    )
    assert response.status_code == 400


async def test_mutation_over_post(client: httpx.AsyncClient) -> None:
    # createUser needs no credential (restock, say, needs an admin's)
    response = await client.post(
        "/graphql",
        json={
            "query": 'mutation { createUser(input: {email: "post@example.com", name: "Post"}) '
            "{ id email } }"
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    created = body["data"]["createUser"]
    assert created["email"] == "post@example.com"
    read_back = await client.post(
        "/graphql", json={"query": f'{{ user(id: "{created["id"]}") {{ name }} }}'}
    )
    assert read_back.json()["data"]["user"] == {"name": "Post"}


async def test_batch_answers_in_order(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql",
        json=[
            {"query": "{ __typename }"},
            {"query": "{ users(first: 1) { edges { node { name } } } }"},
            {"query": "{ noSuchField }"},
        ],
    )
    assert response.status_code == 200
    first, second, third = response.json()
    assert first == {"data": {"__typename": "Query"}}
    assert len(second["data"]["users"]["edges"]) == 1
    assert third["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_batch_larger_than_max_size_is_400(tmp_path: Path, supergraph_sdl: str) -> None:
    async with router_stack(tmp_path, supergraph_sdl, {"FEDRA_BATCHING__MAX_SIZE": "2"}) as (
        client,
        _app,
    ):
        response = await client.post("/graphql", json=[{"query": "{ __typename }"}] * 3)
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "BATCH_LIMIT_EXCEEDED"
        assert "max_size" in error["message"]
        ok = await client.post("/graphql", json=[{"query": "{ __typename }"}] * 2)
        assert ok.status_code == 200 and len(ok.json()) == 2


async def test_batching_can_be_disabled(tmp_path: Path, supergraph_sdl: str) -> None:
    async with router_stack(tmp_path, supergraph_sdl, {"FEDRA_BATCHING__ENABLED": "false"}) as (
        client,
        _app,
    ):
        response = await client.post("/graphql", json=[{"query": "{ __typename }"}])
        assert response.status_code == 400
        assert response.json()["errors"][0]["extensions"]["code"] == "BATCHING_NOT_ENABLED"


async def test_introspection_can_be_disabled(tmp_path: Path, supergraph_sdl: str) -> None:
    query = {"query": "{ __schema { queryType { name } } }"}
    async with router_stack(tmp_path, supergraph_sdl) as (client, _app):
        allowed = await client.post("/graphql", json=query)
        assert allowed.json()["data"]["__schema"]["queryType"]["name"] == "Query"
    async with router_stack(tmp_path, supergraph_sdl, {"FEDRA_SERVER__INTROSPECTION": "false"}) as (
        client,
        _app,
    ):
        refused = await client.post("/graphql", json=query)
        assert "data" not in refused.json()
        assert refused.json()["errors"]

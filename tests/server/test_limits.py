"""Operation limits (depth, aliases, root fields), body size, subgraph and request timeouts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from graphql import parse, validate

from router.config.model import LimitsConfig
from router.server.operation_limits import (
    max_aliases_rule,
    max_depth_rule,
    max_root_fields_rule,
)
from tests.server.stack import router_stack

GRAPHQL_RESPONSE = {"accept": "application/graphql-response+json"}


def limit_errors(supergraph_sdl: str, rule: object, query: str) -> list[str]:
    from router.supergraph import read_supergraph

    schema = read_supergraph(supergraph_sdl).api_schema
    return [error.message for error in validate(schema, parse(query), [rule])]  # type: ignore[list-item]


def test_depth_counts_through_fragments(supergraph_sdl: str) -> None:
    query = """
      query { users(first: 1) { ...E } }
      fragment E on UserConnection { edges { node { orders(first: 1) { id } } } }
    """
    # users > edges > node > orders > id
    assert limit_errors(supergraph_sdl, max_depth_rule(5), query) == []
    errors = limit_errors(supergraph_sdl, max_depth_rule(4), query)
    assert errors == ["Operation exceeds the max_depth limit: 5 > 4"]


def test_aliases_and_root_fields_are_counted(supergraph_sdl: str) -> None:
    query = "{ a: me { id } b: me { n: name } ... on Query { c: me { id } } }"
    assert limit_errors(supergraph_sdl, max_aliases_rule(4), query) == []
    assert limit_errors(supergraph_sdl, max_aliases_rule(3), query) == [
        "Operation exceeds the max_aliases limit: 4 > 3"
    ]
    assert limit_errors(supergraph_sdl, max_root_fields_rule(3), query) == []
    assert limit_errors(supergraph_sdl, max_root_fields_rule(2), query) == [
        "Operation exceeds the max_root_fields limit: 3 > 2"
    ]


def test_recursive_fragments_do_not_loop(supergraph_sdl: str) -> None:
    query = "query { me { ...A } } fragment A on User { id ...A }"
    from router.supergraph import read_supergraph

    schema = read_supergraph(supergraph_sdl).api_schema
    errors = validate(schema, parse(query), [max_depth_rule(10)])
    assert all("max_depth" not in error.message for error in errors)


@pytest.mark.parametrize(
    ("setting", "query", "code"),
    [
        (
            {"FEDRA_LIMITS__MAX_DEPTH": "3"},
            "{ users(first: 1) { edges { node { name } } } }",
            "MAX_DEPTH_EXCEEDED",
        ),
        (
            {"FEDRA_LIMITS__MAX_ALIASES": "1"},
            "{ a: me { id } b: me { id } }",
            "MAX_ALIASES_EXCEEDED",
        ),
        (
            {"FEDRA_LIMITS__MAX_ROOT_FIELDS": "1"},
            "{ me { id } users(first: 1) { edges { node { id } } } }",
            "MAX_ROOT_FIELDS_EXCEEDED",
        ),
    ],
)
async def test_limits_reach_the_client_as_request_errors(
    tmp_path: Path, supergraph_sdl: str, setting: dict[str, str], query: str, code: str
) -> None:
    async with router_stack(tmp_path, supergraph_sdl, setting) as (client, _app):
        response = await client.post("/graphql", json={"query": query}, headers=GRAPHQL_RESPONSE)
        assert response.status_code == 400
        body = response.json()
        assert "data" not in body
        assert [error["extensions"]["code"] for error in body["errors"]] == [code]
        limit = code.removesuffix("_EXCEEDED").lower()
        assert limit in body["errors"][0]["message"]


async def test_default_limits_let_graphiql_introspection_through(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    from graphql import get_introspection_query

    async with router_stack(tmp_path, supergraph_sdl) as (client, _app):
        response = await client.post("/graphql", json={"query": get_introspection_query()})
        body = response.json()
        assert "errors" not in body
        schema = body["data"]["__schema"]
        assert schema["queryType"]["name"] == "Query"
        # GraphiQL's schema explorer needs the full type descriptions (fragment FullType).
        types = {entry["name"]: entry for entry in schema["types"]}
        assert "User" in types and "Product" in types
        assert "orders" in {field["name"] for field in types["User"]["fields"]}
    assert LimitsConfig().max_depth is not None


async def test_body_over_max_body_bytes_is_413(tmp_path: Path, supergraph_sdl: str) -> None:
    async with router_stack(tmp_path, supergraph_sdl, {"FEDRA_LIMITS__MAX_BODY_BYTES": "100"}) as (
        client,
        _app,
    ):
        small = await client.post("/graphql", json={"query": "{ __typename }"})
        assert small.status_code == 200
        large = await client.post("/graphql", json={"query": "{ __typename }" + " " * 200})
        assert large.status_code == 413
        error = large.json()["errors"][0]
        assert error["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
        assert "max_body_bytes" in error["message"]

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(10):
                yield b" " * 50

        streamed = await client.post(
            "/graphql", content=chunks(), headers={"content-type": "application/json"}
        )
        assert streamed.status_code == 413


class SlowSubgraphHook:
    """Delays every users fetch (a hook from this module, loaded by dotted path)."""

    delay = 0.5

    async def on_subgraph_request(
        self, context: object, subgraph: str, headers: dict[str, str]
    ) -> None:
        if subgraph == "users":
            await asyncio.sleep(self.delay)


async def test_subgraph_timeout_gives_partial_error(tmp_path: Path, supergraph_sdl: str) -> None:
    settings = {
        "FEDRA_HOOKS": "[tests.server.test_limits:SlowSubgraphHook]",
        "FEDRA_SUBGRAPHS__USERS__TIMEOUT": "0.1",
    }
    async with router_stack(tmp_path, supergraph_sdl, settings) as (client, _app):
        response = await client.post(
            "/graphql", json={"query": '{ user(id: "1") { id } product(id: "1") { name } }'}
        )
        assert response.status_code == 200
        body = response.json()
        assert body["data"]["product"]["name"]
        assert body["data"]["user"] is None
        codes = {error["extensions"]["code"] for error in body["errors"]}
        assert "SUBREQUEST_TIMEOUT" in codes


async def test_request_timeout_is_504(tmp_path: Path, supergraph_sdl: str) -> None:
    settings = {
        "FEDRA_HOOKS": "[tests.server.test_limits:SlowSubgraphHook]",
        "FEDRA_LIMITS__REQUEST_TIMEOUT": "0.2",
    }
    async with router_stack(tmp_path, supergraph_sdl, settings) as (client, _app):
        response = await client.post("/graphql", json={"query": '{ user(id: "1") { id } }'})
        assert response.status_code == 504
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "REQUEST_TIMEOUT"
        assert "request_timeout" in error["message"]
        fast = await client.post("/graphql", json={"query": '{ product(id: "1") { id } }'})
        assert fast.status_code == 200


def fanned_out_fragments(levels: int) -> str:
    """Each fragment spreads the next one twice: 2**levels paths through ~60 bytes a level."""
    fragments = [f"fragment F{i} on User {{ id ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    fragments.append(f"fragment F{levels} on User {{ me: id }}")
    return "query { me { ...F0 } }\n" + "\n".join(fragments)


@pytest.mark.timeout(10)
def test_fragment_fan_out_is_measured_in_linear_time(supergraph_sdl: str) -> None:
    query = fanned_out_fragments(60)
    assert limit_errors(supergraph_sdl, max_depth_rule(5), query) == []
    assert limit_errors(supergraph_sdl, max_root_fields_rule(1), query) == []
    assert limit_errors(supergraph_sdl, max_aliases_rule(30), query) == [
        f"Operation exceeds the max_aliases limit: {2**60} > 30"
    ]


@pytest.mark.timeout(20)
async def test_fragment_fan_out_is_answered_not_hung(tmp_path: Path, supergraph_sdl: str) -> None:
    query = (
        fanned_out_fragments(60)
        .replace("query { me {", 'query { product(id: "1") {')
        .replace("on User", "on Product")
        .replace("me: id", "name")
    )
    async with router_stack(tmp_path, supergraph_sdl) as (client, _app):
        response = await client.post("/graphql", json={"query": query})
        assert response.status_code == 200
        body = response.json()
        assert "errors" not in body
        assert set(body["data"]["product"]) == {"id", "name"}


async def test_max_parser_tokens_refuses_large_documents_unparsed(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    query = "{ " + "a: __typename " * 30 + "}"
    async with router_stack(
        tmp_path, supergraph_sdl, {"FEDRA_LIMITS__MAX_PARSER_TOKENS": "50"}
    ) as (client, _app):
        refused = await client.post("/graphql", json={"query": query}, headers=GRAPHQL_RESPONSE)
        assert refused.status_code == 400
        [error] = refused.json()["errors"]
        assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
        assert "more than 50 tokens" in error["message"]
        small = await client.post("/graphql", json={"query": "{ __typename }"})
        assert small.json() == {"data": {"__typename": "Query"}}


async def test_the_planning_budget_is_configured(tmp_path: Path, supergraph_sdl: str) -> None:
    query = "{ users(first: 1) { edges { node { name orderCount } } } }"
    async with router_stack(tmp_path, supergraph_sdl) as (client, _app):
        answer = (await client.post("/graphql", json={"query": query})).json()
        assert "errors" not in answer, answer
    tight = {"FEDRA_PLANNING__MAX_OPTIONS": "2"}
    async with router_stack(tmp_path, supergraph_sdl, tight) as (client, _app):
        response = await client.post("/graphql", json={"query": query})
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "QUERY_PLANNING_FAILED", error
        assert "budget of 2 explored options" in error["message"]

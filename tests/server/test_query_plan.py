"""Query plan exposure through a request header, when the configuration allows it."""

from __future__ import annotations

from pathlib import Path

from tests.server.stack import CROSS_SUBGRAPH_QUERY, router_stack

PLAN_HEADER = {"x-fedra-query-plan": "true"}


async def test_plan_in_extensions_when_enabled_and_asked(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    async with router_stack(tmp_path, supergraph_sdl, {"FEDRA_QUERY_PLAN__ENABLED": "true"}) as (
        client,
        _app,
    ):
        asked = await client.post(
            "/graphql", json={"query": CROSS_SUBGRAPH_QUERY}, headers=PLAN_HEADER
        )
        plan = asked.json()["extensions"]["queryPlan"]["text"]
        assert plan.startswith("QueryPlan {")
        assert 'Fetch(service: "users")' in plan and 'Fetch(service: "orders")' in plan
        not_asked = await client.post("/graphql", json={"query": CROSS_SUBGRAPH_QUERY})
        assert "extensions" not in not_asked.json()


async def test_no_plan_when_disabled(tmp_path: Path, supergraph_sdl: str) -> None:
    async with router_stack(tmp_path, supergraph_sdl) as (client, _app):
        response = await client.post(
            "/graphql", json={"query": CROSS_SUBGRAPH_QUERY}, headers=PLAN_HEADER
        )
        assert response.status_code == 200
        assert "extensions" not in response.json()
        assert response.json()["data"]["users"]["edges"]


async def test_plan_header_name_is_configurable(tmp_path: Path, supergraph_sdl: str) -> None:
    settings = {"FEDRA_QUERY_PLAN__ENABLED": "true", "FEDRA_QUERY_PLAN__HEADER": "x-plan"}
    async with router_stack(tmp_path, supergraph_sdl, settings) as (client, _app):
        response = await client.post(
            "/graphql", json={"query": "{ me { id } }"}, headers={"x-plan": "1"}
        )
        assert "queryPlan" in response.json()["extensions"]

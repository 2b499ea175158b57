"""Operation usage: the router counts each operation (hash of the normalised document, name,
count, last seen, field coordinates) and POSTs batches to a registry keeping the API contract;
memory stays bounded and batches the registry refuses are dropped after retries."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import pytest
from graphql import parse

from router.gateway.operation_usage import field_coordinates, operation_signature
from tests.server.fake_registry import REPORT_TOKEN, fake_registry
from tests.server.test_registry_source import registry_router, until

PRODUCT_NAMES = "query ProductNames { topProducts(first: 2) { name price { amount } } }"
# the same operation, spaced and commented otherwise: the same hash
PRODUCT_NAMES_AGAIN = """
query ProductNames {
  # names and prices
  topProducts(first: 2) { name   price { amount } }
}
"""
USER_ORDERS = (
    "query UserCount { users(first: 1) { edges { node { ...U } } } } "
    "fragment U on User { name orderCount }"
)


def usage_environ(**extra: str) -> dict[str, str]:
    return {
        "FEDRA_USAGE_REPORTING__ENABLED": "true",
        "FEDRA_USAGE_REPORTING__INTERVAL_SECONDS": "0.2",
        "FEDRA_USAGE_REPORTING__TOKEN": REPORT_TOKEN,
        **extra,
    }


async def test_operations_are_reported_with_counts_names_and_coordinates(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    async with (
        fake_registry(supergraph_sdl) as registry,
        registry_router(tmp_path, registry, usage_environ()) as (client, app),
    ):
        for query in (PRODUCT_NAMES, PRODUCT_NAMES_AGAIN, PRODUCT_NAMES, USER_ORDERS):
            answer = (await client.post("/graphql", json={"query": query})).json()
            assert "errors" not in answer, answer
        # an operation that does not validate is not usage
        await client.post("/graphql", json={"query": "{ nope }"})

        async def reported() -> bool:
            operations = registry.operations()
            return sum(op["count"] for op in operations.values()) == 4

        await until(reported)
        by_name = {op["name"]: op for op in registry.operations().values()}
        assert set(by_name) == {"ProductNames", "UserCount"}
        assert by_name["ProductNames"]["count"] == 3
        assert by_name["ProductNames"]["coordinates"] == [
            "Money.amount",
            "Product.name",
            "Product.price",
            "Query.topProducts",
        ]
        assert by_name["UserCount"]["coordinates"] == [
            "Query.users",
            "User.name",
            "User.orderCount",
            "UserConnection.edges",
            "UserEdge.node",
        ]
        assert len(by_name["ProductNames"]["hash"]) == 64
        datetime.fromisoformat(by_name["UserCount"]["last_seen"])
        router_ids = {report["router_id"] for report in registry.usage}
        assert len(router_ids) == 1
        reporter = app.state.usage_reporter

        async def counted() -> bool:
            # the registry has the batch before the reporter has read its answer
            return bool(reporter.sent_batches >= 1)

        await until(counted)
        assert reporter.dropped_batches == 0


async def test_batches_are_capped_and_the_recorder_is_bounded(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    settings = usage_environ(
        FEDRA_USAGE_REPORTING__MAX_BATCH="1",
        FEDRA_USAGE_REPORTING__MAX_OPERATIONS="2",
        FEDRA_USAGE_REPORTING__INTERVAL_SECONDS="5",
    )
    async with (
        fake_registry(supergraph_sdl) as registry,
        registry_router(tmp_path, registry, settings) as (client, app),
    ):
        for n in range(4):
            query = f"query Top{n} {{ topProducts(first: {n + 1}) {{ name }} }}"
            assert "errors" not in (await client.post("/graphql", json={"query": query})).json()
        recorder = app.state.services.usage
        assert len(recorder) == 2 and recorder.dropped == 2
        await app.state.usage_reporter.flush()
        assert [len(report["operations"]) for report in registry.usage] == [1, 1]
        assert {report["operations"][0]["name"] for report in registry.usage} == {"Top0", "Top1"}
        assert len(recorder) == 0


async def test_a_refusing_registry_costs_dropped_batches_not_memory(
    tmp_path: Path, supergraph_sdl: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = usage_environ(FEDRA_USAGE_REPORTING__RETRIES="1")
    async with (
        fake_registry(supergraph_sdl) as registry,
        registry_router(tmp_path, registry, settings) as (client, app),
    ):
        registry.tokens.pop(REPORT_TOKEN)  # 401 from now on
        await client.post("/graphql", json={"query": PRODUCT_NAMES})
        reporter = app.state.usage_reporter

        async def dropped() -> bool:
            return reporter.dropped_batches >= 1

        await until(dropped)
        assert len(app.state.services.usage) == 0
        assert "usage report dropped after 2 attempts" in caplog.text
        metrics = (await client.get("/metrics")).text
        assert 'fedra_usage_reports_total{outcome="dropped"}' in metrics
        # the router kept serving meanwhile
        answer = (await client.post("/graphql", json={"query": PRODUCT_NAMES})).json()
        assert "errors" not in answer
        await asyncio.sleep(0)


def test_coordinates_name_the_type_a_field_is_selected_on(supergraph_sdl: str) -> None:
    from router.supergraph import read_supergraph

    schema = read_supergraph(supergraph_sdl).api_schema
    document = parse(USER_ORDERS)
    assert field_coordinates(schema, document) == {
        "Query.users",
        "UserConnection.edges",
        "UserEdge.node",
        "User.name",
        "User.orderCount",
    }
    operation, fragment = document.definitions
    signature = operation_signature(schema, operation, {"U": fragment})  # type: ignore[arg-type, dict-item]
    assert signature.name == "UserCount"
    spaced = parse(USER_ORDERS.replace(" ", "  "))
    again = operation_signature(schema, spaced.definitions[0], {"U": spaced.definitions[1]})  # type: ignore[arg-type, dict-item]
    assert again.hash == signature.hash

"""The gateway with the router's planner over four real subgraphs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from router.gateway import Gateway, GatewayOptions, GraphQLRequest
from tests.executor.harness import load_supergraph, make_apps
from tests.executor.subgraphs.failing import FailingApp
from tests.executor.subgraphs.recording import RecordingApp


@pytest.fixture
def apps() -> dict[str, Any]:
    return dict(make_apps())


@pytest.fixture
async def gateway(apps: dict[str, Any]) -> AsyncIterator[Gateway]:
    options = GatewayOptions(
        subgraph_transports={name: httpx.ASGITransport(app) for name, app in apps.items()},
        subgraph_timeouts={"inventory": 0.5},
        expose_query_plan=True,
    )
    gateway = Gateway(load_supergraph(), options)
    yield gateway
    await gateway.aclose()


async def run(gateway: Gateway, query: str, **kwargs: Any) -> dict[str, Any]:
    return await gateway.execute(GraphQLRequest(query, **kwargs))


async def test_nested_entities_across_three_subgraphs(
    gateway: Gateway, apps: dict[str, RecordingApp]
) -> None:
    result = await run(gateway, "{ topProducts(first: 2) { name reviews { author { name } } } }")
    assert result == {
        "data": {
            "topProducts": [
                {
                    "name": "Table",
                    "reviews": [
                        {"author": {"name": "Ada Lovelace"}},
                        {"author": {"name": "Alan Turing"}},
                    ],
                },
                {"name": "Couch", "reviews": [{"author": {"name": "Alan Turing"}}]},
            ]
        }
    }
    [accounts_request] = apps["accounts"].requests
    assert accounts_request["variables"]["representations"] == [
        {"__typename": "User", "id": "1"},
        {"__typename": "User", "id": "2"},
    ]


async def test_requires_through_the_planner(gateway: Gateway) -> None:
    result = await run(gateway, "{ latestReviews { product { name shippingEstimate } } }")
    assert [r["product"] for r in result["data"]["latestReviews"]] == [
        {"name": "Table", "shippingEstimate": 50},
        {"name": "Chair", "shippingEstimate": 25},
        {"name": "Couch", "shippingEstimate": 0},
        {"name": "Table", "shippingEstimate": 50},
    ]
    assert "errors" not in result


async def test_include_condition_and_repeated_requests(
    gateway: Gateway, apps: dict[str, RecordingApp]
) -> None:
    query = "query($r: Boolean!) { me { name reviews @include(if: $r) { body } } }"
    without = await run(gateway, query, variables={"r": False})
    assert without == {"data": {"me": {"name": "Ada Lovelace"}}}
    assert apps["reviews"].requests == []
    for _ in range(2):
        with_reviews = await run(gateway, query, variables={"r": True})
        assert with_reviews["data"]["me"]["reviews"] == [
            {"body": "Love it!"},
            {"body": "Could be better."},
        ]
    assert len(gateway.cache) == 1


async def test_subgraph_error_path_and_partial_data(gateway: Gateway) -> None:
    result = await run(gateway, '{ me { name } user(id: "3") { name reviews { body } } }')
    assert result["data"] == {"me": {"name": "Ada Lovelace"}, "user": None}
    [error] = result["errors"]
    assert error["path"] == ["user", "reviews"]
    assert error["extensions"]["serviceName"] == "reviews"


async def test_failing_subgraph_yields_partial_data(apps: dict[str, Any]) -> None:
    apps["inventory"] = FailingApp("timeout")
    options = GatewayOptions(
        subgraph_transports={name: httpx.ASGITransport(app) for name, app in apps.items()},
        subgraph_timeouts={"inventory": 0.2},
    )
    gateway = Gateway(load_supergraph(), options)
    try:
        result = await run(gateway, "{ topProducts(first: 1) { name shippingEstimate } }")
    finally:
        await gateway.aclose()
    assert result["data"] == {"topProducts": [{"name": "Table", "shippingEstimate": None}]}
    assert result["errors"][0]["extensions"] == {
        "code": "SUBREQUEST_TIMEOUT",
        "serviceName": "inventory",
    }


async def test_mutation_then_query(gateway: Gateway) -> None:
    from tests.executor.subgraphs.products import PRODUCTS

    try:
        result = await run(
            gateway,
            'mutation { setPrice(upc: "p2", price: 1500) { name price shippingEstimate } }',
        )
        assert result == {
            "data": {"setPrice": {"name": "Couch", "price": 1500, "shippingEstimate": 0}}
        }
    finally:
        PRODUCTS["p2"]["price"] = 1299


async def test_plan_text_and_mixed_introspection(gateway: Gateway) -> None:
    result = await gateway.execute(
        GraphQLRequest('{ __type(name: "User") { name } product(upc: "p1") { name } }'),
        include_plan=True,
    )
    assert result["data"] == {"__type": {"name": "User"}, "product": {"name": "Table"}}
    text = result["extensions"]["queryPlan"]["text"]
    assert text.startswith("QueryPlan {") and 'Fetch(service: "products")' in text

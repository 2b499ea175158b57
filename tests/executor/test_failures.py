"""Failing subgraphs yield partial data and errors, never an exception."""

from __future__ import annotations

import socket
from typing import cast

import pytest

from router.planner.plan import ParallelNode, SequenceNode

from .harness import Harness, entity_fetch, flatten, root_fetch
from .subgraphs.failing import FailingApp, FailureMode
from .subgraphs.recording import RecordingApp

SHIPPING = SequenceNode(
    (
        root_fetch("products", "{topProducts{__typename upc name price weight}}"),
        flatten(
            "topProducts.@",
            entity_fetch("inventory", "Product", ("upc", "price", "weight"), "shippingEstimate"),
        ),
    )
)
QUERY = "{ topProducts { name shippingEstimate } }"
PARTIAL = {
    "topProducts": [
        {"name": "Table", "shippingEstimate": None},
        {"name": "Couch", "shippingEstimate": None},
        {"name": "Chair", "shippingEstimate": None},
    ]
}


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/graphql"


@pytest.mark.parametrize(
    ("mode", "code", "message", "extra"),
    [
        (
            "http500",
            "SUBREQUEST_HTTP_ERROR",
            "HTTP fetch failed from 'inventory': 500",
            {"http": {"status": 500}},
        ),
        ("invalid_json", "SUBREQUEST_MALFORMED_RESPONSE", "invalid JSON", {}),
        ("no_entities", "SUBREQUEST_MALFORMED_RESPONSE", "no _entities", {}),
        ("timeout", "SUBREQUEST_TIMEOUT", "timed out after 0.2s", {}),
    ],
)
async def test_a_failing_entity_fetch_leaves_partial_data(
    harness: Harness, mode: FailureMode, code: str, message: str, extra: dict[str, object]
) -> None:
    harness.apps["inventory"] = FailingApp(mode)
    harness.timeouts["inventory"] = 0.2
    result = await harness.run(QUERY, SHIPPING)
    assert result["data"] == PARTIAL
    [error] = result["errors"]
    assert message in error["message"]
    assert error["extensions"] == {"code": code, "serviceName": "inventory", **extra}


async def test_graphql_errors_of_a_subgraph_are_reported_with_its_name(
    harness: Harness,
) -> None:
    harness.apps["inventory"] = FailingApp("graphql_errors")
    result = await harness.run(QUERY, SHIPPING)
    assert result["data"] == PARTIAL
    assert result["errors"] == [
        {
            "message": "database is down",
            "extensions": {"code": "INTERNAL", "serviceName": "inventory"},
        }
    ]


async def test_connection_refused(harness: Harness) -> None:
    del harness.apps["inventory"]
    harness.urls["inventory"] = closed_port_url()
    result = await harness.run(QUERY, SHIPPING)
    assert result["data"] == PARTIAL
    [error] = result["errors"]
    assert error["message"].startswith(
        f"HTTP fetch failed from 'inventory': cannot connect to {harness.urls['inventory']}"
    )
    assert error["extensions"] == {"code": "SUBREQUEST_HTTP_ERROR", "serviceName": "inventory"}


async def test_failed_root_fetch_nulls_up_to_the_root_with_errors(harness: Harness) -> None:
    harness.apps["products"] = FailingApp("http500")
    result = await harness.run(QUERY, SHIPPING)
    assert result["data"] is None
    assert [e.get("extensions", {}).get("serviceName") for e in result["errors"]] == ["products"]
    assert result["extensions"]["valueCompletion"] == [
        {
            "message": "Cannot return null for non-nullable field Query.topProducts.",
            "path": ["topProducts"],
            "extensions": {"code": "INVALID_GRAPHQL"},
        }
    ]
    # nothing to represent: the dependent fetch is skipped
    assert cast(RecordingApp, harness.apps["inventory"]).requests == []


async def test_dependent_fetch_of_a_failed_fetch_is_skipped(harness: Harness) -> None:
    plan = SequenceNode(
        (
            root_fetch("reviews", "{latestReviews{body product{__typename upc}}}"),
            flatten(
                "latestReviews.@.product",
                entity_fetch("products", "Product", ("upc",), "name price weight"),
            ),
            flatten(
                "latestReviews.@.product",
                entity_fetch(
                    "inventory", "Product", ("upc", "price", "weight"), "shippingEstimate"
                ),
            ),
        )
    )
    harness.apps["products"] = FailingApp("http500")
    result = await harness.run("{ latestReviews { body product { name shippingEstimate } } }", plan)
    assert result["data"]["latestReviews"][0] == {
        "body": "Prefer something else.",
        "product": {"name": None, "shippingEstimate": None},
    }
    assert len(result["errors"]) == 1
    assert cast(RecordingApp, harness.apps["inventory"]).requests == []


async def test_one_failing_branch_of_a_parallel_node_keeps_the_other(harness: Harness) -> None:
    harness.apps["inventory"] = FailingApp("http500")
    plan = ParallelNode(
        (
            root_fetch("inventory", "{warehouseCount}"),
            root_fetch("accounts", "{me{name}}"),
        )
    )
    result = await harness.run("{ me { name } warehouseCount }", plan)
    # warehouseCount is Int!: its null reaches the root
    assert result["data"] is None
    result = await harness.run("{ me { name } }", ParallelNode(plan.nodes))
    assert result["data"] == {"me": {"name": "Ada Lovelace"}}
    assert result["errors"][0]["extensions"]["serviceName"] == "inventory"

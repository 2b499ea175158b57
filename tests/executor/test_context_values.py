"""@fromContext values at execution: read per entity from the setter above it, entities
grouped by the values they need, several groups answered by one subgraph request."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from graphql import parse

from router.executor.context_values import (
    batched_operation,
    context_variables,
    group_by_context,
    split_batched_response,
)
from router.planner import plan_operation
from router.planner.plan import ContextValue, FieldSelection, InlineFragment
from router.supergraph import read_supergraph
from tests.conformance.fixture import Fixture
from tests.conformance.runtime import subgraph_app

from .harness import Harness
from .subgraphs.recording import RecordingApp

FIXTURES = Path(__file__).resolve().parents[1] / "conformance" / "fixtures"

CURRENCY = ContextValue(
    "contextualArgument_1_0", "String", 1, ("Store",), (FieldSelection("currency"),)
)


def _stores() -> dict[str, Any]:
    return {
        "stores": [
            {"__typename": "Store", "currency": "EUR", "products": [{"id": "p1"}, {"id": "p2"}]},
            {"__typename": "Store", "currency": "USD", "products": [{"id": "p2"}]},
        ]
    }


def test_a_value_is_read_from_the_setter_the_given_levels_up() -> None:
    data = _stores()
    path = ("stores", 1, "products", 0)
    assert context_variables(data, path, (CURRENCY,)) == {"contextualArgument_1_0": "USD"}


def test_entities_are_grouped_by_their_values_in_first_seen_order() -> None:
    data = _stores()
    targets = [
        (data["stores"][0]["products"][0], ("stores", 0, "products", 0)),
        (data["stores"][0]["products"][1], ("stores", 0, "products", 1)),
        (data["stores"][1]["products"][0], ("stores", 1, "products", 0)),
    ]
    groups = group_by_context(data, targets, (CURRENCY,))
    assert [(values, [path for _, path in part]) for values, part in groups] == [
        (
            {"contextualArgument_1_0": "EUR"},
            [("stores", 0, "products", 0), ("stores", 0, "products", 1)],
        ),
        ({"contextualArgument_1_0": "USD"}, [("stores", 1, "products", 0)]),
    ]


def test_type_conditions_and_sub_selections_pick_the_value() -> None:
    by_type = (
        ContextValue("v", "String", 0, ("Store",), (FieldSelection("region"),)),
        ContextValue("v", "String", 0, ("Marketplace",), (FieldSelection("regionCode"),)),
    )
    data = {"m": {"__typename": "Marketplace", "regionCode": "uk"}}
    assert context_variables(data, ("m",), by_type) == {"v": "uk"}
    nested = ContextValue(
        "w",
        "AddressInput",
        0,
        ("Store",),
        (InlineFragment("Store", (FieldSelection("address", (FieldSelection("city"),)),)),),
    )
    data = {"s": {"__typename": "Store", "address": {"city": "Berlin", "zip": "10115"}}}
    assert context_variables(data, ("s",), (nested,)) == {"w": {"city": "Berlin"}}


def test_a_missing_setter_gives_null() -> None:
    data = {"stores": [None]}
    assert context_variables(data, ("stores", 0, "products", 0), (CURRENCY,)) == {
        "contextualArgument_1_0": None
    }


def test_the_batched_operation_aliases_one_entities_field_per_group() -> None:
    operation = (
        "query Prices__pricing__1($representations:[_Any!]!,$n:Int!,"
        "$contextualArgument_2_0:String){_entities(representations:$representations)"
        "{...on Product{price(quantity:$n,region:$contextualArgument_2_0)}}}"
    )
    batched = batched_operation(operation, 2)
    assert batched.text == (
        "query Prices__pricing__1($n:Int!,$representations_0:[_Any!]!,"
        "$contextualArgument_2_0_0:String,$representations_1:[_Any!]!,"
        "$contextualArgument_2_0_1:String){"
        "_0:_entities(representations:$representations_0)"
        "{...on Product{price(quantity:$n,region:$contextualArgument_2_0_0)}} "
        "_1:_entities(representations:$representations_1)"
        "{...on Product{price(quantity:$n,region:$contextualArgument_2_0_1)}}}"
    )
    parse(batched.text)  # valid GraphQL


def test_a_batched_answer_is_split_back_with_error_paths_per_group() -> None:
    response = {
        "data": {"_0": [{"price": 1}], "_1": [None, {"price": 3}]},
        "errors": [
            {"message": "no price", "path": ["_1", 0, "price"]},
            {"message": "somewhere"},
        ],
    }
    first, second = split_batched_response(response, 2)
    assert first == ({"_entities": [{"price": 1}]}, [{"message": "somewhere"}])
    assert second == (
        {"_entities": [None, {"price": 3}]},
        [{"message": "no price", "path": ["_entities", 0, "price"]}],
    )


async def test_entities_needing_different_values_cost_one_request() -> None:
    fixture = Fixture(FIXTURES / "context-arguments")
    supergraph = read_supergraph(fixture.supergraph_path.read_text(encoding="utf-8"))
    apps = {spec.name: RecordingApp(subgraph_app(spec)) for spec in fixture.subgraphs()}
    harness = Harness(supergraph, dict(apps))
    query = "{ stores { name products { id price } } }"
    plan = plan_operation(supergraph, parse(query))
    assert plan.node is not None
    result = await harness.run(query, plan.node)
    assert result == {
        "data": {
            "stores": [
                {
                    "name": "Berlin",
                    "products": [{"id": "p1", "price": 4398}, {"id": "p2", "price": 6048}],
                },
                {
                    "name": "Boston",
                    "products": [{"id": "p2", "price": 5499}, {"id": "p3", "price": 299}],
                },
            ]
        }
    }
    pricing = cast(RecordingApp, harness.apps["pricing"])
    [request] = pricing.requests
    variables = request["variables"]
    assert variables["contextualArgument_2_0_0"] == "eu"
    assert variables["contextualArgument_2_0_1"] == "us"
    # p2 is under both stores: one representation in each group, with its own value
    assert variables["representations_0"] == [
        {"__typename": "Product", "id": "p1"},
        {"__typename": "Product", "id": "p2"},
    ]
    assert variables["representations_1"] == [
        {"__typename": "Product", "id": "p2"},
        {"__typename": "Product", "id": "p3"},
    ]


async def test_one_value_for_every_entity_sends_the_planned_operation() -> None:
    fixture = Fixture(FIXTURES / "context-across-subgraphs")
    supergraph = read_supergraph(fixture.supergraph_path.read_text(encoding="utf-8"))
    apps = {spec.name: RecordingApp(subgraph_app(spec)) for spec in fixture.subgraphs()}
    harness = Harness(supergraph, dict(apps))
    query = "{ me { orders { summary } } }"
    plan = plan_operation(supergraph, parse(query))
    assert plan.node is not None
    result = await harness.run(query, plan.node)
    assert result == {
        "data": {"me": {"orders": [{"summary": "Order o1: 1200"}, {"summary": "Order o2: 450"}]}}
    }
    [request] = cast(RecordingApp, harness.apps["orders"]).requests
    assert request["variables"] == {
        "representations": [{"__typename": "User", "id": "u1"}],
        "contextualArgument_2_1": "en",
    }

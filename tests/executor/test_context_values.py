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
from router.executor.flatten import Target
from router.planner import plan_operation
from router.planner.plan import ContextValue, FieldSelection, InlineFragment, Selection
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
        "String",
        0,
        ("Store",),
        (InlineFragment("Store", (FieldSelection("address", (FieldSelection("city"),)),)),),
    )
    data = {"s": {"__typename": "Store", "address": {"city": "Berlin", "zip": "10115"}}}
    assert context_variables(data, ("s",), (nested,)) == {"w": "Berlin"}


def _read(selection: tuple[Selection, ...], setter: dict[str, Any]) -> Any:
    value = ContextValue("v", "String", 0, ("Store", "Kiosk"), selection)
    return context_variables({"s": setter}, ("s",), (value,))["v"]


def test_a_nested_selection_reads_the_leaf_not_an_object() -> None:
    # composition types `{ address { city } }` as city's type: the value is the leaf
    address = (FieldSelection("address", (FieldSelection("city"),)),)
    store = {"__typename": "Store", "address": {"city": "Berlin", "zip": "10115"}}
    assert _read(address, store) == "Berlin"
    deeper = (FieldSelection("owner", (FieldSelection("address", (FieldSelection("city"),)),)),)
    assert _read(deeper, {"owner": {"address": {"city": "Lyon"}}}) == "Lyon"


def test_of_several_fields_the_first_one_there_gives_the_value() -> None:
    both = (FieldSelection("address", (FieldSelection("city"), FieldSelection("town"))),)
    assert _read(both, {"address": {"city": "Berlin", "town": "Mitte"}}) == "Berlin"
    assert _read(both, {"address": {"town": "Mitte"}}) == "Mitte"
    # a null in the data is a value; a null object on the way is not
    assert _read(both, {"address": {"city": None, "town": "Mitte"}}) is None
    assert _read(both, {"address": None}) is None


def test_type_conditions_pick_each_setter_types_own_path() -> None:
    by_type = (
        InlineFragment("Store", (FieldSelection("address", (FieldSelection("city"),)),)),
        InlineFragment("Kiosk", (FieldSelection("spot"),)),
    )
    assert _read(by_type, {"__typename": "Kiosk", "spot": "Gate 4"}) == "Gate 4"
    assert _read(by_type, {"__typename": "Store", "address": {"city": "Rome"}}) == "Rome"
    assert _read(by_type, {"__typename": "Store", "spot": "Gate 4"}) is None


def test_through_lists_the_value_is_a_list_of_leaves() -> None:
    cities = (FieldSelection("addresses", (FieldSelection("city"),)),)
    setter = {"addresses": [{"city": "Oslo"}, None, {"city": "Bergen"}]}
    assert _read(cities, setter) == ["Oslo", None, "Bergen"]
    grid = (FieldSelection("rows", (FieldSelection("cells", (FieldSelection("code"),)),)),)
    rows = {"rows": [{"cells": [{"code": "a1"}, {"code": "a2"}]}, {"cells": []}]}
    assert _read(grid, rows) == [["a1", "a2"], []]
    assert _read((FieldSelection("tags"),), {"tags": [["x"], ["y", "z"]]}) == [["x"], ["y", "z"]]


CATEGORY = (FieldSelection("category"),)
NEAR = ContextValue("v", "String", 1, ("Shelf",), CATEGORY)  # set by the entity's parent
FAR = ContextValue("v", "String", 2, ("Aisle",), (FieldSelection("zone"),))  # one above


def _aisle() -> dict[str, Any]:
    return {
        "aisle": {
            "__typename": "Aisle",
            "zone": "Z9",
            "racks": [
                {"__typename": "Shelf", "category": "tools", "item": {"id": "i1"}},
                {"__typename": "Hook", "item": {"id": "i2"}},
                {"__typename": "Shelf", "category": "garden", "item": {"id": "i3"}},
            ],
        }
    }


def test_each_entity_takes_the_value_of_its_own_nearest_setter() -> None:
    data = _aisle()
    for values in ((NEAR, FAR), (FAR, NEAR)):  # the planned order does not matter
        found = [
            context_variables(data, ("aisle", "racks", index, "item"), values)["v"]
            for index in range(3)
        ]
        assert found == ["tools", "Z9", "garden"]


def test_entities_of_mixed_setter_types_are_grouped_by_their_own_values() -> None:
    data = _aisle()
    racks = data["aisle"]["racks"]
    targets: list[Target] = [(racks[i]["item"], ("aisle", "racks", i, "item")) for i in range(3)]
    groups = group_by_context(data, targets, (NEAR, FAR))
    assert [(values["v"], [path[2] for _, path in part]) for values, part in groups] == [
        ("tools", [0]),
        ("Z9", [1]),
        ("garden", [2]),
    ]


def test_setters_of_one_type_giving_the_value_from_different_fields() -> None:
    shelf = ContextValue("v", "String", 1, ("Shelf",), CATEGORY)
    hook = ContextValue("v", "String", 1, ("Hook",), (FieldSelection("label"),))
    data = {
        "racks": [
            {"__typename": "Shelf", "category": "tools", "item": {}},
            {"__typename": "Hook", "label": "H-1", "item": {}},
            {"__typename": "Bin", "item": {}},
        ]
    }
    found = [context_variables(data, ("racks", i, "item"), (shelf, hook))["v"] for i in range(3)]
    assert found == ["tools", "H-1", None]


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

"""Subscription plans: the primary fetch to the subgraph owning the root field, the rest of
the plan run on each event; compared with text snapshots in ``snapshots/subscriptions``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from graphql import parse

from router.compose import SubgraphSource, compose
from router.planner import PlanningError, plan_operation, print_plan
from router.planner.plan import SubscriptionNode
from router.supergraph import Supergraph, read_supergraph

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = Path(__file__).parent / "snapshots" / "subscriptions"
UPDATE = os.environ.get("FEDRA_UPDATE_SNAPSHOTS") == "1"
SUBSCRIPTION_TYPE = """
type Subscription {
  orderUpdated(orderId: ID!): Order @authenticated
  myOrderUpdates: Order @authenticated
}
"""

OPERATIONS = {
    "cross-subgraph-fields": (
        "subscription Updates($id: ID!) { orderUpdated(orderId: $id) { id status "
        "items { quantity product { name price { amount } } } user { name } } }"
    ),
    "primary-only": "subscription Mine { myOrderUpdates { id status total { amount } } }",
    "requires-on-event": (
        "subscription Shipping($id: ID!) { orderUpdated(orderId: $id) "
        "{ items { product { shippingEstimate { amount } } } } }"
    ),
}


@pytest.fixture(scope="module")
def supergraph() -> Supergraph:
    sdls = {n: (ROOT / "schema" / f"{n}.graphql").read_text() for n in ("users", "products")}
    orders = (ROOT / "schema" / "orders.graphql").read_text()
    if "type Subscription" not in orders:
        orders = orders.replace(
            "  mutation: Mutation\n", "  mutation: Mutation\n  subscription: Subscription\n"
        )
        orders += SUBSCRIPTION_TYPE
    sdls["orders"] = orders
    result = compose([SubgraphSource(n, f"http://{n}.test/graphql", s) for n, s in sdls.items()])
    assert result.supergraph_sdl is not None and not result.errors, result.errors
    return read_supergraph(result.supergraph_sdl)


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_subscription_plan_snapshot(supergraph: Supergraph, name: str) -> None:
    plan = plan_operation(supergraph, parse(OPERATIONS[name]), None)
    assert isinstance(plan.node, SubscriptionNode)
    assert plan.node.primary.service_name == "orders"
    assert plan.node.primary.operation.startswith("subscription ")
    text = print_plan(plan) + "\n"
    snapshot = SNAPSHOTS / f"{name}.plan.txt"
    if UPDATE:
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        snapshot.write_text(text)
    assert snapshot.exists(), f"no snapshot {snapshot.name}: run with FEDRA_UPDATE_SNAPSHOTS=1"
    assert text == snapshot.read_text()


def test_rest_fetches_are_entity_fetches(supergraph: Supergraph) -> None:
    plan = plan_operation(supergraph, parse(OPERATIONS["primary-only"]), None)
    assert isinstance(plan.node, SubscriptionNode) and plan.node.rest is None
    plan = plan_operation(supergraph, parse(OPERATIONS["cross-subgraph-fields"]), None)
    assert isinstance(plan.node, SubscriptionNode) and plan.node.rest is not None


def test_a_conditional_root_field_is_refused(supergraph: Supergraph) -> None:
    operation = "subscription ($on: Boolean!) { myOrderUpdates @include(if: $on) { id } }"
    with pytest.raises(PlanningError, match="single root fetch"):
        plan_operation(supergraph, parse(operation), None)

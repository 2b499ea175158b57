"""Subscription operations count as operation usage, as queries and mutations do: a schema
check must see that a client subscribes to a field before it is removed."""

from __future__ import annotations

from router.gateway import Gateway
from router.gateway.options import GatewayOptions
from router.gateway.prepared import PreparedOperation
from router.gateway.request import GraphQLRequest
from router.supergraph.reader import read_supergraph
from tests.subscriptions.harness import supergraph_for

URLS = {name: f"http://127.0.0.1:9/{name}" for name in ("users", "products", "feed")}
SUBSCRIPTION = "subscription Watch($id: ID!) { orderUpdated(orderId: $id) { id status } }"


async def test_a_subscription_is_recorded_like_any_operation() -> None:
    recorded: list[PreparedOperation] = []
    options = GatewayOptions(usage_recorder=recorded.append)
    gateway = Gateway(read_supergraph(supergraph_for(URLS)), options)
    try:
        # a missing variable stops it before any subgraph is reached; it was asked for, though
        response = await gateway.subscribe(GraphQLRequest(query=SUBSCRIPTION, variables={}))
        assert isinstance(response, dict) and response["errors"], response
        [prepared] = recorded
        signature = prepared.signature()
        assert signature is not None and signature.name == "Watch"
        assert "Subscription.orderUpdated" in signature.coordinates
    finally:
        await gateway.aclose()

"""Our router over real HTTP to live subgraphs: the counterpart of apollo_gateway.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from router.gateway import Gateway, GatewayOptions, GraphQLRequest
from router.supergraph.reader import read_supergraph

from .identity import principal
from .operations import Operation


async def run_fedra_gateway(
    supergraph_sdl: str, urls: dict[str, str], operations: Sequence[Operation]
) -> list[dict[str, Any]]:
    """Each operation's response from one Gateway, in order, headers sent to every subgraph."""
    # @apollo/gateway enforces no @authenticated / @requiresScopes (the subgraphs refuse
    # instead); the comparison is of federated execution, so fedra's enforcement is off here
    # (tests/e2e/test_identity.py covers it through the router).
    options = GatewayOptions(url_overrides=urls, authorization=False)
    gateway = Gateway(read_supergraph(supergraph_sdl), options)
    try:
        return [
            await gateway.execute(
                GraphQLRequest(operation.query, operation.operation_name, operation.variables),
                subgraph_headers=operation.headers,
                principal=principal(operation.headers),
            )
            for operation in operations
        ]
    finally:
        await gateway.aclose()

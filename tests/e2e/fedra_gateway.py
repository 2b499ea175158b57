"""Our router over real HTTP to live subgraphs: the counterpart of apollo_gateway.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from router.gateway import Gateway, GatewayOptions, GraphQLRequest
from router.supergraph.reader import read_supergraph

from .operations import Operation


async def run_fedra_gateway(
    supergraph_sdl: str, urls: dict[str, str], operations: Sequence[Operation]
) -> list[dict[str, Any]]:
    """Each operation's response from one Gateway, in order, headers sent to every subgraph."""
    gateway = Gateway(read_supergraph(supergraph_sdl), GatewayOptions(url_overrides=urls))
    try:
        return [
            await gateway.execute(
                GraphQLRequest(operation.query, operation.operation_name, operation.variables),
                subgraph_headers=operation.headers,
            )
            for operation in operations
        ]
    finally:
        await gateway.aclose()

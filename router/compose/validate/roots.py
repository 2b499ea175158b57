"""NO_QUERIES: at least one subgraph must define a query root type with fields."""

from __future__ import annotations

from router.compose.errors import Diagnostics
from router.compose.subgraph import SubgraphSchema


def validate_roots(subgraphs: list[SubgraphSchema], diagnostics: Diagnostics) -> None:
    if not any(
        "query" in subgraph.roots and subgraph.types[subgraph.roots["query"]].fields
        for subgraph in subgraphs
    ):
        diagnostics.error(
            "NO_QUERIES",
            "No queries found in any subgraph: a supergraph must have a query root type.",
        )

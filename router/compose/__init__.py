"""Composition: subgraph SDLs → supergraph."""

from router.compose.api import (
    CompositionResult,
    SubgraphSource,
    compose,
    compose_supergraph,
)
from router.compose.errors import CompositionError
from router.compose.fetch import SubgraphFetchError, fetch_subgraph_sdl

__all__ = [
    "CompositionError",
    "CompositionResult",
    "SubgraphFetchError",
    "SubgraphSource",
    "compose",
    "compose_supergraph",
    "fetch_subgraph_sdl",
]

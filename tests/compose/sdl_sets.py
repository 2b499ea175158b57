"""Composing inline subgraph SDLs in unit tests: one keyword argument per subgraph."""

from __future__ import annotations

from router.compose import CompositionResult, SubgraphSource, compose


def compose_sdls(**sdls: str) -> CompositionResult:
    return compose(
        [SubgraphSource(name, f"http://{name}.internal/graphql", sdl) for name, sdl in sdls.items()]
    )

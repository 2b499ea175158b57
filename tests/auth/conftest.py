"""The router server fixtures (the composed supergraph, in-process or network subgraphs)."""

from tests.server.conftest import network, supergraph_sdl

__all__ = ["network", "supergraph_sdl"]

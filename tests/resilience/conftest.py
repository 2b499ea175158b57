"""Fixtures shared with the server tests: the composed supergraph of our subgraphs."""

from tests.server.conftest import supergraph_sdl

__all__ = ["supergraph_sdl"]

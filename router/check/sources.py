"""Turn a supergraph config into subgraph SDL sources: read files, ask running subgraphs."""

from __future__ import annotations

import asyncio

from router.check.config import ConfigError, SubgraphConfig, SupergraphConfig
from router.compose import SubgraphSource, fetch_subgraph_sdl
from router.compose.fetch import SubgraphFetchError


async def _load_one(subgraph: SubgraphConfig) -> SubgraphSource:
    if subgraph.file is not None:
        try:
            sdl = subgraph.file.read_text(encoding="utf-8")
        except OSError as error:
            raise ConfigError(
                f"subgraph {subgraph.name}: cannot read {subgraph.file}: {error.strerror}"
            ) from error
        return SubgraphSource(subgraph.name, subgraph.routing_url, sdl, str(subgraph.file))
    assert subgraph.subgraph_url is not None
    try:
        sdl = await fetch_subgraph_sdl(subgraph.subgraph_url, subgraph.introspection_headers)
    except SubgraphFetchError as error:
        raise ConfigError(f"subgraph {subgraph.name}: {error}") from error
    return SubgraphSource(subgraph.name, subgraph.routing_url, sdl, subgraph.subgraph_url)


async def load_sources(config: SupergraphConfig) -> list[SubgraphSource]:
    return list(await asyncio.gather(*(_load_one(s) for s in config.subgraphs)))


def load_sources_sync(config: SupergraphConfig) -> list[SubgraphSource]:
    return asyncio.run(load_sources(config))

"""The entity cache of a router process: its store, options and metrics, from the config."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

from router.config.entity_cache import EntityCacheConfig, EntityCacheSubgraph
from router.executor.entity_cache import (
    EntityCacheOptions,
    EntityStore,
    MemoryEntityStore,
    SubgraphCacheOptions,
)
from router.executor.entity_cache.cache import EntityCacheStats
from router.executor.entity_cache.redis_store import RedisEntityStore
from router.server.fetch_observer import current_call


@dataclass(slots=True)
class EntityCacheSetup:
    """One store and one set of counters for the process, kept across supergraph reloads."""

    store: EntityStore
    options: EntityCacheOptions
    stats: EntityCacheStats

    @classmethod
    def from_config(cls, config: EntityCacheConfig) -> EntityCacheSetup | None:
        if not config.enabled:
            return None
        store: EntityStore = (
            RedisEntityStore(config.redis.url, prefix=config.redis.prefix)
            if config.redis is not None
            else MemoryEntityStore(config.max_entries)
        )
        default = _subgraph_options(config.all, None, config.ttl_seconds)
        options = EntityCacheOptions(
            default=default,
            subgraphs={
                name: _subgraph_options(sub, default, config.ttl_seconds)
                for name, sub in config.subgraphs.items()
            },
        )
        return cls(store, options, EntityCacheStats())


def forwarded_headers(subgraph: str) -> Mapping[str, str]:
    """The headers the current client request forwards to ``subgraph`` (propagation rules)."""
    call = current_call.get()
    return call.headers_for(subgraph) if call is not None else {}


def _subgraph_options(
    sub: EntityCacheSubgraph, base: SubgraphCacheOptions | None, ttl: float
) -> SubgraphCacheOptions:
    enabled = sub.enabled if sub.enabled is not None else (base.enabled if base else True)
    default_ttl = sub.ttl_seconds or (base.ttl if base else ttl)
    types = {**(base.type_ttls if base else {}), **sub.types}
    return SubgraphCacheOptions(enabled=enabled, ttl=default_ttl, type_ttls=types)


class EntityCacheCollector(Collector):
    def __init__(self, stats: EntityCacheStats) -> None:
        self._stats = stats

    def collect(self) -> Iterator[CounterMetricFamily]:
        hits = CounterMetricFamily(
            "fedra_entity_cache_hits",
            "Entities answered from the entity cache",
            labels=["subgraph", "type"],
        )
        misses = CounterMetricFamily(
            "fedra_entity_cache_misses",
            "Entities fetched from their subgraph on a cache miss",
            labels=["subgraph", "type"],
        )
        for (subgraph, typename), (hit, miss) in sorted(self._stats.counts.items()):
            hits.add_metric([subgraph, typename], hit)
            misses.add_metric([subgraph, typename], miss)
        yield hits
        yield misses

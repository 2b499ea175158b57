"""The entity cache: ``_entities`` answers kept per subgraph, type and representation."""

from router.executor.entity_cache.cache import EntityCache, EntityCacheOptions, SubgraphCacheOptions
from router.executor.entity_cache.cache_control import CachePolicy, parse_cache_control
from router.executor.entity_cache.stores import EntityStore, MemoryEntityStore, StoredEntity

__all__ = [
    "CachePolicy",
    "EntityCache",
    "EntityCacheOptions",
    "EntityStore",
    "MemoryEntityStore",
    "StoredEntity",
    "SubgraphCacheOptions",
    "parse_cache_control",
]

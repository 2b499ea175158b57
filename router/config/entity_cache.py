"""The ``entity_cache`` section: which subgraphs' entities the router keeps, and for how long."""

from __future__ import annotations

from pydantic import Field, field_validator

from router.config.sections import Section


class EntityCacheRedis(Section):
    url: str
    prefix: str = "fedra:entity:"


class EntityCacheSubgraph(Section):
    enabled: bool | None = None  # None: as `all`
    ttl_seconds: float | None = Field(default=None, gt=0)
    types: dict[str, float] = {}  # per-type lifetimes in seconds

    @field_validator("types")
    @classmethod
    def _positive(cls, value: dict[str, float]) -> dict[str, float]:
        for name, seconds in value.items():
            if seconds <= 0:
                raise ValueError(f"the lifetime of {name} must be positive")
        return value


class EntityCacheInvalidation(Section):
    enabled: bool = False
    path: str = "/invalidation"
    secret_env: str = "FEDRA_INVALIDATION_SECRET"  # the env variable holding the shared secret

    @field_validator("path")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("must start with '/'")
        return value


class EntityCacheConfig(Section):
    enabled: bool = False
    ttl_seconds: float = Field(default=60.0, gt=0)  # when a subgraph sends no shorter max-age
    max_entries: int = Field(default=10_000, ge=1)  # in-memory store
    redis: EntityCacheRedis | None = None  # shared by router replicas; else in memory
    all: EntityCacheSubgraph = EntityCacheSubgraph(enabled=True)
    subgraphs: dict[str, EntityCacheSubgraph] = {}
    invalidation: EntityCacheInvalidation = EntityCacheInvalidation()

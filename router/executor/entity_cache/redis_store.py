"""Cached entities in Redis, shared by router replicas.

Each entry is a string with a TTL; each tag is a set of the keys carrying it (expiring with the
longest-lived of them), so invalidation by type or by entity key deletes just those entries.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from redis.asyncio import Redis

from router.executor.entity_cache.stores import StoredEntity


class RedisEntityStore:
    def __init__(self, url: str, *, prefix: str = "fedra:entity:") -> None:
        self._redis: Redis = Redis.from_url(url)
        self._prefix = prefix

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys:
            return []
        values = await self._redis.mget([self._prefix + key for key in keys])
        return [value if isinstance(value, bytes) else None for value in values]

    async def set_many(self, entries: Sequence[StoredEntity]) -> None:
        if not entries:
            return
        prefix = self._prefix
        async with self._redis.pipeline(transaction=False) as pipe:
            for entry in entries:
                seconds = max(1, math.ceil(entry.ttl))
                pipe.set(prefix + entry.key, entry.value, ex=seconds)
                for tag in entry.tags:
                    tag_key = f"{prefix}tag:{tag}"
                    pipe.sadd(tag_key, entry.key)
                    pipe.expire(tag_key, seconds, gt=True)
                    pipe.expire(tag_key, seconds, nx=True)
            await pipe.execute()

    async def invalidate(self, tag: str) -> int:
        tag_key = f"{self._prefix}tag:{tag}"
        members = await self._redis.smembers(tag_key)
        keys = [self._prefix + (m.decode() if isinstance(m, bytes) else str(m)) for m in members]
        dropped = int(await self._redis.delete(*keys)) if keys else 0
        await self._redis.delete(tag_key)
        return dropped

    async def aclose(self) -> None:
        await self._redis.aclose()

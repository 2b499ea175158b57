"""Automatic persisted queries (``extensions.persistedQuery {version: 1, sha256Hash}``).

A request with only the hash is answered from the store or with ``PERSISTED_QUERY_NOT_FOUND``;
a request with the hash and the query is checked (the hash must be the query's SHA-256) and the
query is stored. Stores: a bounded in-memory LRU, or Redis shared by every router instance.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any, Protocol

from router.server.errors import RequestError

NOT_FOUND = "PersistedQueryNotFound"
NOT_SUPPORTED = "PersistedQueryNotSupported"


class PersistedQueryStore(Protocol):
    async def get(self, sha256_hash: str) -> str | None: ...

    async def put(self, sha256_hash: str, query: str) -> None: ...

    async def aclose(self) -> None: ...


DEFAULT_MAX_CHARS = 50_000_000


class MemoryQueryStore:
    """An LRU of query texts keyed by hash, bounded in entries and in total characters (so
    large queries cannot hold ``max_entries`` times the largest request body)."""

    def __init__(self, max_entries: int, max_chars: int = DEFAULT_MAX_CHARS) -> None:
        self._max_entries = max_entries
        self._max_chars = max_chars
        self._chars = 0
        self._queries: OrderedDict[str, str] = OrderedDict()

    def __len__(self) -> int:
        return len(self._queries)

    async def get(self, sha256_hash: str) -> str | None:
        query = self._queries.get(sha256_hash)
        if query is not None:
            self._queries.move_to_end(sha256_hash)
        return query

    async def put(self, sha256_hash: str, query: str) -> None:
        if len(query) > self._max_chars:
            return
        previous = self._queries.pop(sha256_hash, None)
        if previous is not None:
            self._chars -= len(previous)
        self._queries[sha256_hash] = query
        self._chars += len(query)
        while len(self._queries) > self._max_entries or self._chars > self._max_chars:
            _, evicted = self._queries.popitem(last=False)
            self._chars -= len(evicted)

    async def aclose(self) -> None:
        self._queries.clear()
        self._chars = 0


class RedisQueryStore:
    """Query texts in Redis under ``prefix + hash``, with an optional time to live."""

    def __init__(self, url: str, *, prefix: str, ttl_seconds: int | None) -> None:
        import redis.asyncio

        self._client: Any = redis.asyncio.Redis.from_url(url, decode_responses=True)
        self._prefix = prefix
        self._ttl = ttl_seconds

    async def get(self, sha256_hash: str) -> str | None:
        value = await self._client.get(self._prefix + sha256_hash)
        return value if isinstance(value, str) else None

    async def put(self, sha256_hash: str, query: str) -> None:
        await self._client.set(self._prefix + sha256_hash, query, ex=self._ttl)

    async def aclose(self) -> None:
        await self._client.aclose()


def persisted_query_hash(extensions: dict[str, Any] | None) -> str | None:
    """The requested hash, or None when the request does not use persisted queries."""
    if not extensions or "persistedQuery" not in extensions:
        return None
    persisted = extensions["persistedQuery"]
    if not isinstance(persisted, dict):
        raise RequestError(400, "extensions.persistedQuery must be an object", "BAD_REQUEST")
    if persisted.get("version") != 1:
        raise RequestError(
            400, "Unsupported persisted query version; only version 1 is known", "BAD_REQUEST"
        )
    sha256_hash = persisted.get("sha256Hash")
    if not isinstance(sha256_hash, str) or not sha256_hash:
        raise RequestError(
            400, "extensions.persistedQuery.sha256Hash must be a string", "BAD_REQUEST"
        )
    return sha256_hash.lower()


async def resolve_persisted_query(
    store: PersistedQueryStore | None, query: str | None, extensions: dict[str, Any] | None
) -> str | None:
    """The query text to run: from the request, or from the store for a hash-only request.

    Raises ``RequestError`` for a hash mismatch or an unknown hash. Answers with status 200,
    as Apollo clients expect, so they retry with the full query.
    """
    sha256_hash = persisted_query_hash(extensions)
    if sha256_hash is None:
        return query
    if store is None:
        raise RequestError(200, NOT_SUPPORTED, "PERSISTED_QUERY_NOT_SUPPORTED")
    if query is None:
        stored = await store.get(sha256_hash)
        if stored is None:
            raise RequestError(200, NOT_FOUND, "PERSISTED_QUERY_NOT_FOUND")
        return stored
    if hashlib.sha256(query.encode("utf-8")).hexdigest() != sha256_hash:
        raise RequestError(
            400, "provided sha does not match query", "PERSISTED_QUERY_HASH_MISMATCH"
        )
    await store.put(sha256_hash, query)
    return query

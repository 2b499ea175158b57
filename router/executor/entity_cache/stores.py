"""Where cached entities live: in this process (bounded LRU with expiry) or in Redis."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class StoredEntity:
    """One entity answer to keep: its cache key, its JSON, how long, and its index entries
    (the ``(subgraph, type)`` and ``(subgraph, type, key)`` tags invalidation finds it by)."""

    key: str
    value: bytes
    ttl: float
    tags: tuple[str, ...]


class EntityStore(Protocol):
    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]: ...

    async def set_many(self, entries: Sequence[StoredEntity]) -> None: ...

    async def invalidate(self, tag: str) -> int:
        """Drops every entry carrying ``tag``; returns how many were dropped."""
        ...

    async def aclose(self) -> None: ...


class MemoryEntityStore:
    """A bounded LRU of entries with expiry times; tags index the keys for invalidation."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[bytes, float, tuple[str, ...]]] = OrderedDict()
        self._tagged: dict[str, set[str]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        now = time.monotonic()
        entries = self._entries
        found: list[bytes | None] = []
        for key in keys:
            entry = entries.get(key)
            if entry is None:
                found.append(None)
            elif entry[1] <= now:
                self._drop(key)
                found.append(None)
            else:
                entries.move_to_end(key)
                found.append(entry[0])
        return found

    async def set_many(self, entries: Sequence[StoredEntity]) -> None:
        now = time.monotonic()
        for entry in entries:
            if entry.key in self._entries:
                self._drop(entry.key)
            self._entries[entry.key] = (entry.value, now + entry.ttl, entry.tags)
            for tag in entry.tags:
                self._tagged.setdefault(tag, set()).add(entry.key)
        while len(self._entries) > self.max_entries:
            self._drop(next(iter(self._entries)))

    async def invalidate(self, tag: str) -> int:
        keys = self._tagged.pop(tag, set())
        for key in keys:
            self._drop(key)
        return len(keys)

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        for tag in entry[2]:
            keys = self._tagged.get(tag)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._tagged[tag]

    async def aclose(self) -> None:
        self._entries.clear()
        self._tagged.clear()

"""Typed DataLoader helpers: one SQL query per batch of keys."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from typing import Generic, TypeVar, cast

from aiodataloader import DataLoader
from sqlalchemy.ext.asyncio import AsyncSession

from .request_session import RequestSession

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

FetchRows = Callable[[AsyncSession, list[K]], Awaitable[Iterable[V]]]

MAX_BATCH_SIZE = 5000


class BatchLoader(Generic[K, V]):
    """A typed face on aiodataloader's DataLoader."""

    def __init__(self, batch: Callable[[list[K]], Awaitable[list[V]]]) -> None:
        async def batch_load(keys: list[K]) -> list[V]:
            return await batch(list(keys))

        self._loader = DataLoader(batch_load_fn=batch_load, max_batch_size=MAX_BATCH_SIZE)

    def load(self, key: K) -> Awaitable[V]:
        return cast(Awaitable[V], self._loader.load(key))

    def load_many(self, keys: Sequence[K]) -> Awaitable[list[V]]:
        return cast(Awaitable[list[V]], self._loader.load_many(list(keys)))

    def prime(self, key: K, value: V) -> None:
        self._loader.prime(key, value)

    def clear(self, key: K) -> None:
        self._loader.clear(key)


def one_per_key(
    session: RequestSession, fetch: FetchRows[K, V], key_of: Callable[[V], K]
) -> BatchLoader[K, V | None]:
    """Loads at most one row per key (an entity by id); missing keys give None."""

    async def batch(keys: list[K]) -> list[V | None]:
        async with session.use() as db:
            rows = await fetch(db, keys)
        by_key = {key_of(row): row for row in rows}
        return [by_key.get(key) for key in keys]

    return BatchLoader(batch)


def many_per_key(
    session: RequestSession, fetch: FetchRows[K, V], key_of: Callable[[V], K]
) -> BatchLoader[K, list[V]]:
    """Loads a list of rows per key (a relation), keeping the order the query returns."""

    async def batch(keys: list[K]) -> list[list[V]]:
        async with session.use() as db:
            rows = await fetch(db, keys)
        grouped: defaultdict[K, list[V]] = defaultdict(list)
        for row in rows:
            grouped[key_of(row)].append(row)
        return [grouped.get(key, []) for key in keys]

    return BatchLoader(batch)


def value_per_key(
    session: RequestSession,
    fetch: Callable[[AsyncSession, list[K]], Awaitable[Iterable[tuple[K, V]]]],
    default: V,
) -> BatchLoader[K, V]:
    """Loads one computed value per key (an aggregate), `default` where the query has none."""

    async def batch(keys: list[K]) -> list[V]:
        async with session.use() as db:
            pairs = await fetch(db, keys)
        by_key = dict(pairs)
        return [by_key.get(key, default) for key in keys]

    return BatchLoader(batch)

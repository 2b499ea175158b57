"""In-flight deduplication: identical requests sent at the same time share one answer.

The first caller of a key (the leader) runs the request; callers of the same key meanwhile
wait for its outcome instead of sending their own. A leader that is cancelled hands nothing
on: its waiters run the request themselves. A leader alone costs one dictionary entry (no
future is made until someone waits).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class _LeaderGone(Exception):
    """The leader was cancelled before it had an outcome."""


class InFlight(Generic[T]):
    __slots__ = ("_running",)

    def __init__(self) -> None:
        # key -> the futures of the callers waiting for its leader
        self._running: dict[Hashable, list[asyncio.Future[T]]] = {}

    def __len__(self) -> int:
        return len(self._running)

    async def run(self, key: Hashable, send: Callable[[], Awaitable[T]]) -> tuple[T, bool]:
        """The outcome of ``send`` for ``key``, and whether it was shared from a leader."""
        running = self._running
        while True:
            waiters = running.get(key)
            if waiters is None:
                break
            waiter: asyncio.Future[T] = asyncio.get_running_loop().create_future()
            waiters.append(waiter)
            try:
                return await waiter, True
            except _LeaderGone:
                continue  # run it ourselves (or follow the next leader)
        waiters = []
        running[key] = waiters
        try:
            outcome = await send()
        except BaseException as error:
            if running.get(key) is waiters:
                del running[key]
            handed = _LeaderGone() if isinstance(error, asyncio.CancelledError) else error
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_exception(handed)
            raise
        if running.get(key) is waiters:
            del running[key]
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(outcome)
        return outcome, False

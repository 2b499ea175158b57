"""In-flight deduplication: identical requests sent at the same time share one answer.

The first caller of a key (the leader) runs the request; callers of the same key meanwhile
wait for its outcome instead of sending their own. A leader that is cancelled hands nothing
on: its waiters run the request themselves. One dictionary lookup per request.
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
        self._running: dict[Hashable, asyncio.Future[T]] = {}

    def __len__(self) -> int:
        return len(self._running)

    async def run(self, key: Hashable, send: Callable[[], Awaitable[T]]) -> tuple[T, bool]:
        """The outcome of ``send`` for ``key``, and whether it was shared with a leader."""
        while True:
            running = self._running.get(key)
            if running is None:
                break
            try:
                return await asyncio.shield(running), True
            except _LeaderGone:
                continue  # run it ourselves (or follow the next leader)
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._running[key] = future
        try:
            outcome = await send()
        except BaseException as error:
            if not future.done():
                future.set_exception(
                    _LeaderGone() if isinstance(error, asyncio.CancelledError) else error
                )
                future.exception()  # retrieved: no warning when nobody waited
            raise
        else:
            future.set_result(outcome)
            return outcome, False
        finally:
            if self._running.get(key) is future:
                del self._running[key]

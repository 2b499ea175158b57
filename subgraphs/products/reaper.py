"""Returns the stock of expired, unconfirmed reservations, every few seconds, in the background.

`STOCK_REAPER_INTERVAL_SECONDS` (default 15) is how often it looks; 0 turns it off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os

from subgraphs.shared.db import Database

from .stock import reap_expired

logger = logging.getLogger(__name__)

INTERVAL_ENV = "STOCK_REAPER_INTERVAL_SECONDS"
DEFAULT_INTERVAL_SECONDS = 15.0


def reaper_interval_from_env() -> float:
    raw = os.environ.get(INTERVAL_ENV)
    interval = float(raw) if raw else DEFAULT_INTERVAL_SECONDS
    if interval < 0:
        raise ValueError(f"{INTERVAL_ENV} must not be negative, got {raw!r}")
    return interval


async def reap_once(database: Database) -> int:
    """Releases every expired reservation now; how many were released."""
    total = 0
    while True:
        async with database.session() as db:
            released = await reap_expired(db)
        total += released
        if released == 0:
            return total


class StockReaper:
    """Runs `reap_once` every `interval` seconds between `start()` and `stop()`."""

    def __init__(self, database: Database, interval: float) -> None:
        self._database = database
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._interval > 0 and self._task is None:
            self._task = asyncio.create_task(self._run(), name="stock-reaper")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                released = await reap_once(self._database)
            except Exception:
                logger.exception("Reaping expired stock reservations failed")
                continue
            if released:
                logger.info("Released %d expired stock reservations", released)

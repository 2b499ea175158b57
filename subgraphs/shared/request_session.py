"""The one AsyncSession a request uses, shared safely by its resolvers and loaders."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession


class RequestSession:
    """Wraps one AsyncSession; `use()` serialises access, as a session is not concurrent.

    DataLoaders of different types may dispatch in the same event-loop tick; the lock makes
    them take turns on the session instead of failing.
    """

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def use(self) -> AsyncIterator[AsyncSession]:
        async with self._lock:
            yield self._session

    async def close(self) -> None:
        async with self._lock:
            await self._session.close()

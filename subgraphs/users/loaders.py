"""Per-request DataLoaders of the users subgraph."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.shared.context import Identity, SubgraphContext
from subgraphs.shared.loaders import one_per_key
from subgraphs.shared.request_session import RequestSession

from .models import UserRow


async def fetch_users_by_id(db: AsyncSession, ids: list[int]) -> Sequence[UserRow]:
    return (await db.scalars(select(UserRow).where(UserRow.id.in_(ids)))).all()


class UsersContext(SubgraphContext):
    def __init__(self, session: RequestSession, identity: Identity) -> None:
        super().__init__(session, identity)
        self.user_by_id = one_per_key(session, fetch_users_by_id, lambda row: row.id)

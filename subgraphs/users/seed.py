"""Seeds the users database from the shared generator."""

from __future__ import annotations

from subgraphs.shared.db import Database
from subgraphs.shared.seed import seed_data
from subgraphs.shared.seeding import seed_if_empty, table_of

from .models import UserRow


async def seed_users(database: Database) -> bool:
    rows = [
        {
            "id": user.id,
            "email": user.email,
            "name": user.name,
            "created_at": user.created_at,
            "order_count": user.order_count,
        }
        for user in seed_data().users
    ]
    table = table_of(UserRow)
    return await seed_if_empty(database, table, [(table, rows)])

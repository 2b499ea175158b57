"""Seeds the users database from the shared generator, with the demo sign-in passwords."""

from __future__ import annotations

from sqlalchemy import select

from subgraphs.shared.db import Database
from subgraphs.shared.seed import seed_data
from subgraphs.shared.seeding import seed_if_empty, table_of

from .models import UserRow
from .passwords import Passwords
from .personal_data import PersonalData

DEMO_PASSWORD = "fedra-demo"
ADMIN_PASSWORD = "fedra-admin"


async def seed_users(database: Database, passwords: Passwords, personal: PersonalData) -> bool:
    table = table_of(UserRow)
    async with database.engine.connect() as connection:
        # hashing and encrypting are not free: skip them when the seed is already there
        if await connection.scalar(select(table.c.id).limit(1)) is not None:
            return False
    # One argon2 hash shared by every demo customer: hashing 300 passwords would make each
    # start of an empty database take seconds, and the demo accounts share one password anyway.
    demo_hash = passwords.hash(DEMO_PASSWORD)
    admin_hash = passwords.hash(ADMIN_PASSWORD)
    rows = [
        {
            "id": user.id,
            "email_encrypted": personal.encrypt(user.email),
            "email_lookup": personal.email_lookup(user.email),
            "name": user.name,
            "created_at": user.created_at,
            "order_count": user.order_count,
            "password_hash": admin_hash if user.is_admin else demo_hash,
            "is_admin": user.is_admin,
        }
        for user in seed_data().users
    ]
    return await seed_if_empty(database, table, [(table, rows)])

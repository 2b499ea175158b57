"""Re-encrypting stored personal data under the newest data key (and recomputing lookups)."""

from __future__ import annotations

from sqlalchemy import select, update

from subgraphs.shared.db import Database

from .models import UserRow
from .personal_data import PersonalData

BATCH_SIZE = 500


async def reencrypt_users(database: Database, personal: PersonalData) -> int:
    """Re-encrypts every user's email with the first data key, batch by batch (one
    transaction each), and recomputes `email_lookup` with the current lookup key. Returns the
    number of rows rewritten. Safe to run again after an interruption."""
    rewritten = 0
    last_id = 0
    while True:
        async with database.engine.begin() as connection:
            rows = (
                await connection.execute(
                    select(UserRow.id, UserRow.email_encrypted)
                    .where(UserRow.id > last_id)
                    .order_by(UserRow.id)
                    .limit(BATCH_SIZE)
                )
            ).all()
            for user_id, ciphertext in rows:
                email = personal.decrypt(ciphertext)
                await connection.execute(
                    update(UserRow)
                    .where(UserRow.id == user_id)
                    .values(
                        email_encrypted=personal.reencrypt(ciphertext),
                        email_lookup=personal.email_lookup(email),
                    )
                )
        if not rows:
            return rewritten
        rewritten += len(rows)
        last_id = rows[-1][0]

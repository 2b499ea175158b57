"""`python -m subgraphs.users.keys <command>`: key rotation for the users service.

rotate        add a signing key; the current one retires (published until its tokens expire)
prune         delete retired signing keys whose tokens have all expired
show          list the signing keys
data-key      a new data encryption key: printed (to put first in FEDRA_USERS_DATA_KEYS), or,
              without that variable, added first to the development key file
rotate-data   re-encrypt every stored email with the newest data key (DATABASE_URL's database)
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from cryptography.fernet import Fernet
from sqlalchemy.exc import SQLAlchemyError

from subgraphs.shared.db import Database, resolve_database_url

from .data_rotation import reencrypt_users
from .keys import KeyStore
from .models import metadata
from .personal_data import PersonalData, PersonalDataError, add_dev_data_key
from .settings import UsersSettings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m subgraphs.users.keys", description=__doc__)
    parser.add_argument("command", choices=["rotate", "prune", "show", "data-key", "rotate-data"])
    parser.add_argument("--database-url", help="the users database (default: DATABASE_URL)")
    args = parser.parse_args(argv)
    settings = UsersSettings.from_env()
    store = KeyStore(settings.keys_dir, retention=settings.key_lifetime_after_retirement)
    if args.command == "rotate":
        store.ensure()
        print(f"signing with {store.rotate().kid}")
    elif args.command == "prune":
        pruned = store.prune()
        print(f"pruned {', '.join(pruned) if pruned else 'nothing'}")
    elif args.command == "show":
        current = store.signing_key().kid
        for stored in store.stored_keys():
            state = "signing" if stored.key.kid == current else "active"
            if stored.retired_at is not None:
                state = f"retired {_when(stored.retired_at)}"
            print(f"{stored.key.kid}  created {_when(stored.created_at)}  {state}")
    elif args.command == "data-key":
        if settings.data_keys:
            print(Fernet.generate_key().decode())
            print("put it first in FEDRA_USERS_DATA_KEYS, then run rotate-data", file=sys.stderr)
        else:
            add_dev_data_key(settings.keys_dir)
            print(f"added a data key to {settings.keys_dir}; now run rotate-data", file=sys.stderr)
    else:
        try:
            count = asyncio.run(_rotate_data(settings, args.database_url))
        except (SQLAlchemyError, PersonalDataError) as error:
            print(f"rotate-data failed: {error.__class__.__name__}: {error}", file=sys.stderr)
            return 1
        print(f"re-encrypted {count} users")
    return 0


async def _rotate_data(settings: UsersSettings, database_url: str | None) -> int:
    database = Database(resolve_database_url("users", database_url), metadata)
    try:
        return await reencrypt_users(database, PersonalData.from_settings(settings))
    finally:
        await database.dispose()


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")

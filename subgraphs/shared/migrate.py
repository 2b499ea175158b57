"""`python -m subgraphs.shared.migrate <subgraph> [upgrade|downgrade|status|revision] [revision]`.

Runs a subgraph's Alembic migrations on `DATABASE_URL` (the containers run `upgrade` before the
subgraph serves: an init service in compose, an initContainer in Kubernetes). `upgrade` waits up
to `--wait` seconds for the database to accept connections. `status` exits 1 unless the database
is at the head revision. `revision -m MESSAGE` writes the next revision file from the difference
between the models and `DATABASE_URL`'s database (upgrade it to head first).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from .db import resolve_database_url
from .migrations import SUBGRAPH_NAMES, downgrade, new_revision, schema_status, upgrade


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m subgraphs.shared.migrate", description=__doc__.splitlines()[0]
    )
    parser.add_argument("subgraph", choices=SUBGRAPH_NAMES)
    parser.add_argument(
        "action",
        nargs="?",
        default="upgrade",
        choices=("upgrade", "downgrade", "status", "revision"),
    )
    parser.add_argument(
        "revision", nargs="?", default=None, help="upgrade: head (default); downgrade: base"
    )
    parser.add_argument("-m", "--message", default="schema change", help="revision: its title")
    parser.add_argument(
        "--wait",
        type=float,
        default=60.0,
        help="seconds to wait for the database to accept connections (default 60)",
    )
    return parser


async def wait_for_database(url: str, seconds: float) -> None:
    """Return once `url` accepts a connection; raise the last error after `seconds`."""
    deadline = time.monotonic() + seconds
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        while True:
            try:
                async with engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
                return
            except (OSError, OperationalError, DBAPIError):
                if time.monotonic() >= deadline:
                    raise
                await asyncio.sleep(1.0)
    finally:
        await engine.dispose()


async def print_status(subgraph: str, url: str) -> int:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        status = await schema_status(engine, subgraph)
    finally:
        await engine.dispose()
    print(f"{subgraph}: {status.state.value} ({status.describe()})")
    return 0 if status.serving else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    url = resolve_database_url(args.subgraph, None)
    try:
        asyncio.run(wait_for_database(url, args.wait))
        if args.action == "status":
            return asyncio.run(print_status(args.subgraph, url))
        if args.action == "revision":
            print(
                f"migrate {args.subgraph}: wrote {new_revision(args.subgraph, url, args.message)}"
            )
            return 0
        if args.action == "downgrade":
            downgrade(args.subgraph, url, args.revision or "base")
        else:
            upgrade(args.subgraph, url, args.revision or "head")
    except (OSError, OperationalError, DBAPIError) as error:
        print(f"migrate {args.subgraph}: database unreachable: {error}", file=sys.stderr)
        return 1
    print(f"migrate {args.subgraph}: {args.action} done")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

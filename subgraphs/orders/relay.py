"""Outbox relay alone: `python -m subgraphs.orders.relay` (needs `BROKER_URL`).

Publishes the orders database's outbox (`DATABASE_URL`) to the broker. Workers relay too
unless started with `--no-relay`; several relays may run (each leases its batch).
"""

from __future__ import annotations

import asyncio
import logging

from subgraphs.shared.db import Database, resolve_database_url

from .broker import OutboxRelay, topology_from_env
from .models import metadata
from .worker import NAME, broker_url, wait_for_signal


async def run() -> None:
    database = Database(resolve_database_url(NAME, None), metadata)
    await database.create_tables()
    relay = OutboxRelay(database, broker_url(), topology_from_env())
    try:
        await relay.start()
        await wait_for_signal()
    finally:
        await relay.stop()
        await database.dispose()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(run())


if __name__ == "__main__":
    main()

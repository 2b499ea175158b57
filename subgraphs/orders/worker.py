"""Fulfilment worker: `python -m subgraphs.orders.worker` (needs `BROKER_URL`).

Consumes the fulfilment queue and drives orders through their states with the orders
service's own code, on the orders database (`DATABASE_URL`), calling products at
`PRODUCTS_URL` with the service credential (`USERS_TOKEN_URL`, `ORDERS_CLIENT_SECRET`...).
It also relays the outbox to the broker unless `--no-relay` is given (then run
`python -m subgraphs.orders.relay` somewhere). Start as many as needed: they share the queue.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
from collections.abc import Awaitable

from subgraphs.shared.db import Database, resolve_database_url

from .broker import FulfilmentConsumer, OutboxRelay, topology_from_env
from .fulfilment import Fulfilment
from .models import metadata
from .products_client import ProductsClient, products_url_from_env
from .service_token import ClientCredentialsTokenSource

NAME = "orders"
SHUTDOWN_STEP_SECONDS = 10.0


def broker_url() -> str:
    url = os.environ.get("BROKER_URL")
    if not url:
        raise SystemExit("BROKER_URL is not set: without a broker the orders app runs the handlers")
    return url


async def wait_for_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()


async def run(*, relay: bool) -> None:
    url = broker_url()
    database = Database(resolve_database_url(NAME, None), metadata)
    await database.create_tables()
    products = ProductsClient(
        products_url_from_env(), tokens=ClientCredentialsTokenSource.from_env()
    )
    await products.start()
    topology = topology_from_env()
    consumer = FulfilmentConsumer(url, topology, Fulfilment(database, products))
    relayer = OutboxRelay(database, url, topology) if relay else None
    try:
        await consumer.start()
        if relayer is not None:
            await relayer.start()
        logging.getLogger(__name__).info("Orders worker consuming %s", topology.work_queue)
        await wait_for_signal()
    finally:
        if relayer is not None:
            await bounded(relayer.stop())
        await bounded(consumer.stop())
        await products.aclose()
        await database.dispose()


async def bounded(step: Awaitable[None]) -> None:
    """A shutdown step that may not hang the exit (closing a connection to a broker that is
    gone); unacknowledged messages are delivered again anyway."""
    try:
        await asyncio.wait_for(step, SHUTDOWN_STEP_SECONDS)
    except TimeoutError:
        logging.getLogger(__name__).warning("A shutdown step timed out")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m subgraphs.orders.worker")
    parser.add_argument("--no-relay", action="store_true", help="do not relay the outbox")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(run(relay=not args.no_relay))


if __name__ == "__main__":
    main()

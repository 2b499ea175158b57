"""A RabbitMQ node of a test's own (`.ci/rabbitmq.sh` with its own directory, node name and
port), so the test can stop and restart it on its data; and queue helpers."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import aio_pika

from subgraphs.orders.broker import Topology, declare
from tests.conftest import REQUIRE_RABBITMQ, require

SCRIPT = Path(__file__).resolve().parents[3] / ".ci" / "rabbitmq.sh"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class RabbitNode:
    """The node keeps its data in a fresh directory under the system temporary directory:
    Debian's broker runs as the rabbitmq user, who cannot enter pytest's private tmp_path."""

    def __init__(self) -> None:
        require(
            REQUIRE_RABBITMQ,
            None if shutil.which("rabbitmq-server") else "rabbitmq-server is not installed",
        )
        self.directory = Path(tempfile.mkdtemp(prefix="fedra-rabbitmq-"))
        self.directory.chmod(0o755)  # the rabbitmq user enters it
        self.env = {
            **os.environ,
            "RABBITMQ_DIR": str(self.directory / "node"),
            "FEDRA_RABBITMQ_NODE": f"fedra-{uuid.uuid4().hex[:8]}@localhost",
            "FEDRA_RABBITMQ_PORT": str(free_port()),
        }
        self.url = f"amqp://guest:guest@127.0.0.1:{self.env['FEDRA_RABBITMQ_PORT']}/"

    async def start(self) -> None:
        process = await asyncio.create_subprocess_exec(
            "bash", str(SCRIPT), env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        out, err = await process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"rabbitmq did not start: {err.decode()}")
        assert out.decode().strip() == self.url

    async def stop(self) -> None:
        process = await asyncio.create_subprocess_exec(
            "bash", str(SCRIPT), "stop", env=self.env, stdout=subprocess.DEVNULL
        )
        await process.wait()

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


async def drain(url: str, queue_name: str) -> list[aio_pika.abc.AbstractIncomingMessage]:
    """Takes every message off `queue_name` (acknowledged)."""
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel()
        queue = await channel.declare_queue(queue_name, durable=True, passive=True)
        taken = []
        while (message := await queue.get(fail=False)) is not None:
            await message.ack()
            taken.append(message)
        return taken
    finally:
        await connection.close()


async def publish_raw(url: str, exchange_name: str, routing_key: str, body: bytes) -> None:
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.declare_exchange(
            exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        await exchange.publish(
            aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
            routing_key=routing_key,
        )
    finally:
        await connection.close()


async def delete_queues(url: str, names: list[str]) -> None:
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel()
        for name in names:
            await channel.queue_delete(name)
    finally:
        await connection.close()


async def declare_topology(url: str, topology: Topology) -> None:
    """The exchange and queues as the workers declare them, so that nothing published before
    the first worker is up is dropped unrouted."""
    connection = await aio_pika.connect(url)
    try:
        await declare(await connection.channel(), topology)
    finally:
        await connection.close()

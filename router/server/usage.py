"""Operation usage: counted per request, sent to the registry in batches.

The recorder keeps, per operation (hash of the normalised document), its name, count, last
time seen and the field coordinates it selects; at most ``max_operations`` of them between two
sends (more are counted as dropped). Every ``interval_seconds`` the reporter takes what was
recorded and POSTs it to ``/api/v1/usage`` in batches of ``max_batch``; a batch the registry
does not take after ``retries`` more tries is dropped with a log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from router.config.model import UsageReportingConfig
from router.gateway.prepared import PreparedOperation
from router.server.metrics import RouterMetrics
from router.server.registry_client import RegistryClient, RegistryError

logger = logging.getLogger("fedra.server.usage")


@dataclass(slots=True)
class OperationUsage:
    hash: str
    name: str | None
    coordinates: tuple[str, ...]
    count: int = 0
    last_seen: float = 0.0  # time.time()

    def as_json(self) -> dict[str, object]:
        return {
            "hash": self.hash,
            "name": self.name,
            "count": self.count,
            "last_seen": datetime.fromtimestamp(self.last_seen, UTC).isoformat(),
            "coordinates": list(self.coordinates),
        }


class UsageRecorder:
    """Counts operations as they run; bounded between two drains."""

    def __init__(self, max_operations: int) -> None:
        self._max = max_operations
        self._usage: dict[str, OperationUsage] = {}
        self.dropped = 0  # operations not recorded: the recorder was full

    def record(self, prepared: PreparedOperation) -> None:
        signature = prepared.signature()
        if signature is None:
            return
        usage = self._usage.get(signature.hash)
        if usage is None:
            if len(self._usage) >= self._max:
                self.dropped += 1
                return
            usage = self._usage[signature.hash] = OperationUsage(
                signature.hash, signature.name, signature.coordinates
            )
        usage.count += 1
        usage.last_seen = time.time()

    def drain(self) -> list[OperationUsage]:
        usage, self._usage = self._usage, {}
        return list(usage.values())

    def __len__(self) -> int:
        return len(self._usage)


def router_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class UsageReporter:
    def __init__(
        self,
        config: UsageReportingConfig,
        recorder: UsageRecorder,
        client: RegistryClient,
        metrics: RouterMetrics | None = None,
        *,
        reporter_id: str | None = None,
    ) -> None:
        self.config = config
        self.recorder = recorder
        self.client = client
        self._metrics = metrics
        self.router_id = reporter_id or router_id()
        self.sent_batches = 0
        self.dropped_batches = 0

    async def flush(self) -> None:
        """Send what was recorded since the last flush."""
        usage = self.recorder.drain()
        size = self.config.max_batch
        for start in range(0, len(usage), size):
            await self._send(usage[start : start + size])

    async def _send(self, batch: list[OperationUsage]) -> None:
        body = orjson.dumps(
            {"router_id": self.router_id, "operations": [u.as_json() for u in batch]}
        )
        error: Exception | None = None
        for attempt in range(self.config.retries + 1):
            if attempt:
                await asyncio.sleep(min(5.0, 0.5 * 2 ** (attempt - 1)))
            try:
                async with asyncio.timeout(self.config.timeout):
                    await self.client.report_usage(body)
            except (RegistryError, TimeoutError) as failed:
                error = failed
                continue
            self.sent_batches += 1
            self._count("sent")
            return
        self.dropped_batches += 1
        self._count("dropped")
        logger.warning(
            "usage report dropped after %d attempts: %s",
            self.config.retries + 1,
            error,
            extra={"operations": len(batch)},
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Flush every ``interval_seconds`` until ``stop``; then once more."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.config.interval_seconds)
            try:
                await self.flush()
            except Exception:  # never let reporting take the router down
                logger.exception("usage reporting failed")

    def _count(self, outcome: str) -> None:
        if self._metrics is not None:
            self._metrics.usage_reports.labels(outcome).inc()

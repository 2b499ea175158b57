"""The registry's own checks of the instances, after Consul's model: an instance that stops
heartbeating past ``instance_ttl_seconds`` is dropped; each is asked ``GET <origin>/health``
every ``health_check.interval_seconds``, a failure marks it unhealthy (routers skip it) and
``failures_before_drop`` failures in a row drop it."""

from __future__ import annotations

import asyncio
import logging
import time
from urllib.parse import urlsplit

import httpx

from router.registry.config import RegistryConfig
from router.registry.store import InstanceRecord, RegistryStore

logger = logging.getLogger("fedra.registry.health")


def health_url(routing_url: str, path: str) -> str:
    """``http://host:4002/graphql`` → ``http://host:4002/health``."""
    parts = urlsplit(routing_url)
    return f"{parts.scheme}://{parts.netloc}{path}"


class HealthChecker:
    def __init__(
        self,
        config: RegistryConfig,
        store: RegistryStore,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self._client = httpx.AsyncClient(
            transport=transport, timeout=config.health_check.timeout_seconds
        )
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="registry-health-checks")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._client.aclose()

    async def _run(self) -> None:
        next_prune = 0.0
        while True:
            try:
                if time.monotonic() >= next_prune:
                    await self.prune_usage()
                    next_prune = time.monotonic() + 3600
                await self.check_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("health checks failed")
            await asyncio.sleep(self.config.health_check.interval_seconds)

    async def prune_usage(self) -> None:
        days = max(self.config.usage_retention_days, self.config.usage_window_days)
        await self.store.prune_usage(time.time() - days * 86_400)

    async def check_once(self) -> None:
        """Drop silent instances, then check every other one (concurrently)."""
        for dropped in await self.store.drop_silent(time.time() - self.config.instance_ttl_seconds):
            logger.warning(
                "dropped %s/%s: no heartbeat for %.0f s",
                dropped.subgraph,
                dropped.instance_id,
                self.config.instance_ttl_seconds,
            )
        await asyncio.gather(*(self._check(i) for i in await self.store.instances()))

    async def _check(self, instance: InstanceRecord) -> None:
        url = health_url(instance.url, self.config.health_check.path)
        try:
            response = await self._client.get(url)
            passed = response.status_code == 200
            output = f"HTTP {response.status_code}"
        except httpx.HTTPError as error:
            passed = False
            output = f"{type(error).__name__}: {error}"[:500]
        outcome = await self.store.record_health(
            instance, passed, output, self.config.health_check.failures_before_drop
        )
        if outcome != "kept":
            logger.warning(
                "%s/%s %s: %s",
                instance.subgraph,
                instance.instance_id,
                "dropped" if outcome == "dropped" else ("healthy" if passed else "unhealthy"),
                output,
            )

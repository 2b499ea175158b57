"""Following a schema registry: the supergraph and every subgraph's instances come from it.

The router long-polls ``GET /api/v1/router/state`` with the last ``ETag``; a new supergraph is
parsed off the event loop and installed through the ``SchemaHolder`` (requests in flight finish
on the previous one), a new instance list goes to the ``InstanceDirectory``. When the registry
is down, answers an error or something that is not a state, the router keeps serving what it
has, logs, and polls again after a growing pause; ``/metrics`` shows the age of the last
successful poll. The last good state can be kept in a file (``cache_path``), so a router
started while the registry is down serves it until the registry answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import random
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from router.config.model import RegistrySourceConfig
from router.executor.instances import InstanceDirectory
from router.server.metrics import RouterMetrics
from router.server.registry_client import (
    RegistryClient,
    RouterState,
    parse_state,
    resolve_token,
    state_json,
)
from router.server.schema_holder import SchemaHolder
from router.server.supergraph_source import parse_supergraph

logger = logging.getLogger("fedra.server")


class RegistrySource:
    def __init__(
        self,
        config: RegistrySourceConfig,
        holder: SchemaHolder,
        directory: InstanceDirectory,
        metrics: RouterMetrics | None = None,
        *,
        static_instances: frozenset[str] = frozenset(),
        on_installed: Callable[[], None] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        """``static_instances``: subgraphs whose instances the configuration lists (the
        registry's list for them is ignored)."""
        self.config = config
        self.client = RegistryClient(
            config.url,
            resolve_token(config.token, config.token_env, environ),
            timeout=config.timeout,
        )
        self._holder = holder
        self._directory = directory
        self._metrics = metrics
        self._static = static_instances
        self._on_installed = on_installed
        self._cache = Path(config.cache_path) if config.cache_path else None
        self.etag: str | None = None
        self.version: int | None = None
        self.last_success: float | None = None  # time.monotonic() of the last good answer
        self.failures = 0  # polls failed in a row
        if metrics is not None:
            metrics.set_registry_poll_age(self.last_success_age)

    def last_success_age(self) -> float | None:
        if self.last_success is None:
            return None
        return time.monotonic() - self.last_success

    async def start(self) -> None:
        """The first state, before the router serves: from the registry when it answers within
        ``startup_timeout``, else from the cache file; without either the router starts
        unready and keeps polling."""
        try:
            async with asyncio.timeout(self.config.startup_timeout):
                while True:
                    if await self.poll(wait=0.0) != "failed":
                        return
                    await asyncio.sleep(min(self.config.backoff_seconds, 0.5))
        except TimeoutError:
            pass
        state = self._read_cache()
        if state is None:
            logger.error(
                "the registry did not answer and no cached state is kept: not ready until it does",
                extra={"registry": self.config.url},
            )
            return
        logger.warning(
            "the registry did not answer: serving the cached state until it does",
            extra={"registry": self.config.url, "version": state.version},
        )
        await self._apply(state, persist=False)

    async def poll(self, wait: float | None = None) -> str:
        """One poll: "changed", "unchanged" or "failed" (logged; what is served stays)."""
        wait = self.config.wait_seconds if wait is None else wait
        try:
            state = await self.client.state(self.etag if self._holder.ready else None, wait)
            if state is not None:
                await self._apply(state, persist=True)
        except Exception as error:  # a registry or a state that fails: keep serving
            self.failures += 1
            self._count("failed")
            logger.error(
                "registry poll failed (%s: %s); what is served stays",
                type(error).__name__,
                error,
                extra={
                    "registry": self.config.url,
                    "error": f"{type(error).__name__}: {error}",
                    "failures": self.failures,
                },
            )
            return "failed"
        self.failures = 0
        self.last_success = time.monotonic()
        outcome = "unchanged" if state is None else "changed"
        self._count(outcome)
        return outcome

    async def follow(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set, pausing after failures (doubling, with jitter)."""
        while not stop.is_set():
            poll = asyncio.ensure_future(self.poll())
            stopped = asyncio.ensure_future(stop.wait())
            await asyncio.wait({poll, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if not poll.done():
                poll.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await poll
                stopped.cancel()
                return
            stopped.cancel()
            pause = 0.0
            if poll.result() == "failed":
                pause = self.backoff()
            elif self.config.wait_seconds == 0:
                pause = self.config.backoff_seconds  # no long poll: do not spin
            if pause > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), pause)

    def backoff(self) -> float:
        """Seconds to wait after ``failures`` failed polls in a row."""
        config = self.config
        base: float = config.backoff_seconds * 2.0 ** max(0, self.failures - 1)
        return min(config.max_backoff_seconds, base) * random.uniform(0.5, 1.0)

    async def _apply(self, state: RouterState, *, persist: bool) -> None:
        for name, subgraph in state.subgraphs.items():
            if name not in self._static:
                self._directory.set_instances(name, subgraph.instances)
        digest = hashlib.sha256(state.supergraph_sdl.encode("utf-8")).hexdigest()
        current = self._holder.current
        if current is None or current.digest != digest:
            supergraph = await asyncio.to_thread(parse_supergraph, state.supergraph_sdl)
            loaded = self._holder.install(supergraph, digest)
            if self._metrics is not None:
                self._metrics.reloads.labels("loaded").inc()
            if self._on_installed is not None:
                self._on_installed()
            logger.info(
                "supergraph loaded from the registry",
                extra={
                    "registry": self.config.url,
                    "version": state.version,
                    "generation": loaded.generation,
                    "subgraphs": sorted(loaded.supergraph.subgraphs),
                    "digest": digest[:12],
                },
            )
        self.etag = state.etag
        self.version = state.version
        if self._metrics is not None:
            self._metrics.registry_version.set(state.version)
        if persist and self._cache is not None:
            await asyncio.to_thread(self._write_cache, state)

    def _count(self, outcome: str) -> None:
        if self._metrics is not None:
            self._metrics.registry_polls.labels(outcome).inc()

    def _write_cache(self, state: RouterState) -> None:
        assert self._cache is not None
        try:
            self._cache.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=self._cache.parent, prefix=".registry-state-")
            with os.fdopen(fd, "wb") as output:
                output.write(state_json(state))
            os.replace(temporary, self._cache)
        except OSError as error:
            logger.warning("cannot keep the registry state in %s: %s", self._cache, error)

    def _read_cache(self) -> RouterState | None:
        if self._cache is None or not self._cache.exists():
            return None
        try:
            body = self._cache.read_bytes()
            state = parse_state(body)
            parse_supergraph(state.supergraph_sdl)
        except Exception as error:  # unreadable, not a state, or a broken supergraph
            logger.error("the cached registry state in %s is unusable: %s", self._cache, error)
            return None
        # the ETag is not reused: the first answer from the registry replaces this state
        return RouterState(state.version, state.supergraph_sdl, state.subgraphs, None)

    async def aclose(self) -> None:
        await self.client.aclose()

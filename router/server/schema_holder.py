"""The supergraph being served and its gateway, swapped atomically on reload.

A request takes the current ``LoadedSchema`` for its whole life; a reload installs a new one for
the requests that start afterwards. The replaced gateway is closed once its last in-flight
request has finished.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from router.gateway import Gateway
from router.gateway.subscription import SUBSCRIPTION_SCHEMA_RELOAD
from router.supergraph import Supergraph

logger = logging.getLogger("fedra.server")

GatewayFactory = Callable[[Supergraph], Gateway]


@dataclass(slots=True)
class LoadedSchema:
    supergraph: Supergraph
    gateway: Gateway
    digest: str
    generation: int
    in_flight: int = 0
    retired: bool = False


class SchemaHolder:
    def __init__(
        self,
        build_gateway: GatewayFactory,
        *,
        on_retired_closed: Callable[[], None] | None = None,
    ) -> None:
        """``on_retired_closed`` runs once a replaced gateway has been closed."""
        self._build_gateway = build_gateway
        self._on_retired_closed = on_retired_closed
        self._current: LoadedSchema | None = None
        self._generation = 0
        self._closing: set[asyncio.Task[None]] = set()

    @property
    def current(self) -> LoadedSchema | None:
        return self._current

    @property
    def ready(self) -> bool:
        return self._current is not None

    def install(self, supergraph: Supergraph, digest: str) -> LoadedSchema:
        """Serve ``supergraph`` from now on. Raises (keeping the old one) if it cannot be served."""
        supergraph.api_schema  # noqa: B018 - build it now so a broken schema fails here
        gateway = self._build_gateway(supergraph)
        self._generation += 1
        loaded = LoadedSchema(supergraph, gateway, digest, self._generation)
        previous, self._current = self._current, loaded
        if previous is not None:
            previous.retired = True
            # live subscriptions end with a clear error rather than silently
            previous.gateway.end_subscriptions(
                "The supergraph was reloaded: subscribe again.", SUBSCRIPTION_SCHEMA_RELOAD
            )
            if previous.in_flight == 0:
                self._close_later(previous)
        return loaded

    @asynccontextmanager
    async def use(self) -> AsyncIterator[LoadedSchema | None]:
        loaded = self._current
        if loaded is None:
            yield None
            return
        async with self.keep(loaded):
            yield loaded

    @asynccontextmanager
    async def keep(self, loaded: LoadedSchema) -> AsyncIterator[LoadedSchema]:
        """Keep ``loaded`` open while in use (a response still streaming after ``use``)."""
        loaded.in_flight += 1
        try:
            yield loaded
        finally:
            loaded.in_flight -= 1
            if loaded.retired and loaded.in_flight == 0:
                self._close_later(loaded)

    def _close_later(self, loaded: LoadedSchema) -> None:
        task = asyncio.get_running_loop().create_task(self._close(loaded))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _close(self, loaded: LoadedSchema) -> None:
        try:
            await loaded.gateway.aclose()
        except Exception:
            logger.exception("closing the gateway of generation %d failed", loaded.generation)
        else:
            logger.info(
                "retired supergraph generation closed", extra={"generation": loaded.generation}
            )
        if self._on_retired_closed is not None:
            self._on_retired_closed()

    async def aclose(self) -> None:
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
        current, self._current = self._current, None
        if current is not None:
            await current.gateway.aclose()

"""Loading the supergraph file, and watching it to reload on change.

A change is read, parsed and turned into a gateway before it is installed; a file that does not
read, parse or build is rejected and logged, and the previous supergraph keeps serving.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

from watchfiles import awatch

from router.server.metrics import RouterMetrics
from router.server.schema_holder import SchemaHolder
from router.supergraph import Supergraph, SupergraphError, read_supergraph
from router.supergraph.features import unsupported_features_message

logger = logging.getLogger("fedra.server")


class SupergraphFile:
    def __init__(
        self,
        path: str | Path,
        holder: SchemaHolder,
        metrics: RouterMetrics | None = None,
        *,
        on_installed: Callable[[], None] | None = None,
    ) -> None:
        """``on_installed`` runs after each supergraph is installed (first load and reloads)."""
        self.path = Path(path).absolute()  # symlinks stay: Kubernetes swaps them on update
        self._holder = holder
        self._metrics = metrics
        self._on_installed = on_installed

    def load(self) -> bool:
        """Read the file and install it; True when a new supergraph is now served.

        Raises for the first load (nothing to fall back to); later failures are logged.
        """
        first = not self._holder.ready
        try:
            sdl, digest = self._read()
            if self._unchanged(digest):
                return False
            supergraph = parse_supergraph(sdl)
            return self._install(supergraph, digest)
        except Exception as error:
            if first:
                raise
            self._reject(error)
            return False

    async def reload(self) -> bool:
        """Like ``load``, with reading and parsing off the event loop so requests keep flowing."""
        try:
            sdl, digest = await asyncio.to_thread(self._read)
            if self._unchanged(digest):
                return False
            supergraph = await asyncio.to_thread(parse_supergraph, sdl)
            return self._install(supergraph, digest)
        except Exception as error:
            self._reject(error)
            return False

    def _read(self) -> tuple[str, str]:
        sdl = self.path.read_text(encoding="utf-8")
        return sdl, hashlib.sha256(sdl.encode("utf-8")).hexdigest()

    def _unchanged(self, digest: str) -> bool:
        current = self._holder.current
        return current is not None and current.digest == digest

    def _install(self, supergraph: Supergraph, digest: str) -> bool:
        loaded = self._holder.install(supergraph, digest)
        self._count("loaded")
        if self._on_installed is not None:
            self._on_installed()
        logger.info(
            "supergraph loaded",
            extra={
                "path": str(self.path),
                "generation": loaded.generation,
                "subgraphs": sorted(loaded.supergraph.subgraphs),
                "digest": loaded.digest[:12],
            },
        )
        return True

    def _reject(self, error: Exception) -> None:
        self._count("rejected")
        logger.error(
            "supergraph change rejected; the previous supergraph keeps serving",
            extra={"path": str(self.path), "error": f"{type(error).__name__}: {error}"},
        )

    def _count(self, outcome: str) -> None:
        if self._metrics is not None:
            self._metrics.reloads.labels(outcome).inc()

    async def watch(self, stop: asyncio.Event, *, force_polling: bool | None = None) -> None:
        """Reload on changes until ``stop`` is set.

        The directory is watched, not the file: editors that save by renaming, and Kubernetes
        ConfigMap volumes that swap a ``..data`` symlink, never touch the file's own inode.
        Unchanged content (same digest) is not reloaded.
        """
        async for _changes in awatch(
            self.path.parent,
            stop_event=stop,
            debounce=200,
            step=50,
            force_polling=force_polling,
            recursive=False,
        ):
            if self.path.exists():
                await self.reload()


def parse_supergraph(sdl: str) -> Supergraph:
    """The supergraph, its API schema and its query graph, all built here so that a broken
    file (a key or @requires field set that does not read) fails here, not on every request,
    and the first requests do not pay for building them."""
    supergraph = read_supergraph(sdl)
    refused = unsupported_features_message(supergraph.links)
    if refused is not None:
        raise SupergraphError(refused)
    supergraph.api_schema  # noqa: B018 - a cached property: build it now
    supergraph.authorization  # noqa: B018 - reads the access requirements, may refuse
    supergraph.query_planner.query_graph()
    return supergraph

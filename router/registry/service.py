"""What the registry does, over its store: accept or reject a publish, register instances,
record usage. The HTTP API and the health checker call it."""

from __future__ import annotations

import asyncio
import difflib
import logging
import time
from dataclasses import dataclass
from typing import Any

from router.registry.checks import CheckResult, RecordedOperation, check_publish, sources_with
from router.registry.config import RegistryConfig
from router.registry.store import (
    DAY_SECONDS,
    RegistryStore,
    SubgraphRecord,
    VersionRecord,
    iso,
)

logger = logging.getLogger("fedra.registry")


@dataclass(frozen=True, slots=True)
class PublishRequest:
    subgraph: str
    sdl: str
    routing_url: str
    instance_id: str | None = None
    version_label: str | None = None
    author: str | None = None


@dataclass(frozen=True, slots=True)
class PublishOutcome:
    accepted: bool
    changed: bool
    supergraph_version: int
    check: dict[str, Any]


def sdl_diff(old: str, new: str, old_label: str, new_label: str) -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=old_label,
            tofile=new_label,
        )
    )


class RegistryService:
    def __init__(self, config: RegistryConfig, store: RegistryStore) -> None:
        self.config = config
        self.store = store

    async def publish(self, request: PublishRequest) -> PublishOutcome:
        """Check and (when it passes) accept a subgraph's SDL, in one transaction holding the
        registry's write lock: concurrent publishes from any replica get versions in order."""
        async with self.store.locked() as connection:
            current_version = await self.store.current_version(connection)
            registered = {s.name: s for s in await self.store.subgraphs(connection)}
            previous = registered.get(request.subgraph)
            if previous is not None and previous.sdl == request.sdl:
                changed_instances = False
                if previous.routing_url != request.routing_url:
                    await self.store.save_subgraph(connection, _record(request, time.time()))
                    changed_instances = True
                if request.instance_id is not None:
                    changed_instances |= await self.store.upsert_instance(
                        connection,
                        request.subgraph,
                        request.instance_id,
                        request.routing_url,
                        request.version_label,
                    )
                if changed_instances:
                    await self.store.bump_generation(connection)
                check = {"subgraph": request.subgraph, "accepted": True, "summary": "unchanged"}
                return PublishOutcome(True, False, current_version, check)
            current = await self.store.version(None, connection)
            since = time.time() - self.config.usage_window_days * DAY_SECONDS
            used = [
                RecordedOperation(u.hash, u.name, u.count, iso(u.last_seen) or "", u.coordinates)
                for u in await self.store.usage_since(since, connection)
            ]
            sources = sources_with(
                {n: (s.sdl, s.routing_url) for n, s in registered.items()},
                request.subgraph,
                request.sdl,
                request.routing_url,
            )
            result: CheckResult = await asyncio.to_thread(
                check_publish,
                request.subgraph,
                sources,
                current.sdl if current is not None else None,
                used,
                reject_unused_breaking_changes=self.config.reject_unused_breaking_changes,
            )
            check = result.as_dict()
            if not result.accepted or result.supergraph_sdl is None:
                await self.store.add_check(
                    connection,
                    subgraph=request.subgraph,
                    author=request.author,
                    accepted=False,
                    supergraph_version=current_version or None,
                    result=check,
                )
                logger.info("rejected %s: %s", request.subgraph, result.summary())
                return PublishOutcome(False, False, current_version, check)
            now = time.time()
            await self.store.save_subgraph(connection, _record(request, now))
            if request.instance_id is not None:
                await self.store.upsert_instance(
                    connection,
                    request.subgraph,
                    request.instance_id,
                    request.routing_url,
                    request.version_label,
                )
            changed = current is None or current.sdl != result.supergraph_sdl
            version = current_version
            if changed:
                version = current_version + 1
                await self.store.add_version(
                    connection,
                    VersionRecord(
                        version=version,
                        sdl=result.supergraph_sdl,
                        created_at=now,
                        author=request.author,
                        subgraph=request.subgraph,
                        summary=result.summary(),
                        changes=[
                            *(
                                {"severity": "breaking", **c.as_dict()}
                                for c in result.breaking_changes
                            ),
                            *(c.as_dict() for c in result.other_changes),
                        ],
                        sdl_diff=sdl_diff(
                            current.sdl if current is not None else "",
                            result.supergraph_sdl,
                            f"v{current_version}",
                            f"v{version}",
                        ),
                    ),
                )
            else:
                await self.store.bump_generation(connection)
            await self.store.add_check(
                connection,
                subgraph=request.subgraph,
                author=request.author,
                accepted=True,
                supergraph_version=version,
                result=check,
            )
            logger.info("accepted %s: version %d (%s)", request.subgraph, version, result.summary())
            return PublishOutcome(True, changed, version, check)


def _record(request: PublishRequest, now: float) -> SubgraphRecord:
    return SubgraphRecord(
        name=request.subgraph,
        sdl=request.sdl,
        routing_url=request.routing_url,
        version_label=request.version_label,
        author=request.author,
        updated_at=now,
    )

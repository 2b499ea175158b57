"""A subgraph's registration with the schema registry: publish its SDL on startup, heartbeat,
deregister on shutdown. Off unless ``FEDRA_REGISTRY_URL`` is set.

Environment: ``FEDRA_REGISTRY_URL``, ``FEDRA_REGISTRY_TOKEN`` (a ``registry:publish`` token),
``FEDRA_SUBGRAPH_ROUTING_URL`` (the URL this instance advertises), ``FEDRA_INSTANCE_ID``
(default ``<host>-<pid>``), ``FEDRA_REGISTRY_HEARTBEAT_SECONDS`` (default 5),
``FEDRA_REGISTRY_TIMEOUT_SECONDS`` (per request, default 10), ``FEDRA_REGISTRY_MAX_BACKOFF_SECONDS``
(default 30), ``FEDRA_SUBGRAPH_VERSION`` (a version label, optional).

A registry that is down never stops the subgraph: publishing is retried with exponential backoff
in the background, and a heartbeat the registry does not know (it dropped the instance, or lost
its state) publishes again.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import httpx

logger = logging.getLogger("fedra.registration")

SdlProvider = Callable[[], Awaitable[str]]


class RegistrationConfigError(Exception):
    """Registration is asked for (FEDRA_REGISTRY_URL) but cannot be set up."""


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    text = environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise RegistrationConfigError(f"{name} must be a number of seconds, not {text!r}") from None
    if value <= 0:
        raise RegistrationConfigError(f"{name} must be positive")
    return value


@dataclass(frozen=True, slots=True)
class RegistrationSettings:
    registry_url: str
    token: str | None
    routing_url: str
    instance_id: str
    heartbeat_seconds: float = 5.0
    timeout_seconds: float = 10.0
    max_backoff_seconds: float = 30.0
    version: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RegistrationSettings | None:
        """None when ``FEDRA_REGISTRY_URL`` is unset (registration off)."""
        env = os.environ if environ is None else environ
        registry_url = env.get("FEDRA_REGISTRY_URL", "").strip()
        if not registry_url:
            return None
        routing_url = env.get("FEDRA_SUBGRAPH_ROUTING_URL", "").strip()
        if not routing_url.startswith(("http://", "https://")):
            raise RegistrationConfigError(
                "FEDRA_REGISTRY_URL is set: FEDRA_SUBGRAPH_ROUTING_URL must be the http(s) URL "
                "routers reach this instance at"
            )
        return cls(
            registry_url=registry_url.rstrip("/"),
            token=env.get("FEDRA_REGISTRY_TOKEN") or None,
            routing_url=routing_url,
            instance_id=env.get("FEDRA_INSTANCE_ID") or f"{socket.gethostname()}-{os.getpid()}",
            heartbeat_seconds=_seconds(env, "FEDRA_REGISTRY_HEARTBEAT_SECONDS", 5.0),
            timeout_seconds=_seconds(env, "FEDRA_REGISTRY_TIMEOUT_SECONDS", 10.0),
            max_backoff_seconds=_seconds(env, "FEDRA_REGISTRY_MAX_BACKOFF_SECONDS", 30.0),
            version=env.get("FEDRA_SUBGRAPH_VERSION") or None,
        )


class Registration:
    """Runs in the subgraph's event loop between ``start()`` and ``stop()``."""

    def __init__(
        self,
        name: str,
        sdl: SdlProvider,
        settings: RegistrationSettings,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.name = name
        self.settings = settings
        self._sdl = sdl
        headers = {"authorization": f"Bearer {settings.token}"} if settings.token else {}
        self._client = httpx.AsyncClient(
            base_url=settings.registry_url,
            headers=headers,
            timeout=settings.timeout_seconds,
            transport=transport,
        )
        self._task: asyncio.Task[None] | None = None
        self.published = asyncio.Event()
        self.rejected: dict[str, object] | None = None  # the registry's check, when rejected

    @property
    def _instance_path(self) -> str:
        return f"/api/v1/subgraphs/{self.name}/instances/{self.settings.instance_id}"

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"registration-{self.name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self.published.is_set():
            try:
                await self._client.delete(self._instance_path)
            except httpx.HTTPError as error:
                logger.warning("%s: could not deregister from the registry: %s", self.name, error)
        await self._client.aclose()

    async def _run(self) -> None:
        while True:
            if not await self._publish_with_backoff():
                return  # rejected: serving goes on, the registry keeps the last good supergraph
            await self._heartbeat_until_unknown()

    async def _publish_with_backoff(self) -> bool:
        delay = min(0.5, self.settings.max_backoff_seconds)
        sdl = await self._sdl()
        while True:
            try:
                response = await self._client.post(
                    f"/api/v1/subgraphs/{self.name}/publish",
                    json={
                        "sdl": sdl,
                        "routing_url": self.settings.routing_url,
                        "instance_id": self.settings.instance_id,
                        "version": self.settings.version,
                        "author": f"{self.name}/{self.settings.instance_id}",
                    },
                )
                if response.status_code == 200:
                    body = response.json()
                    logger.info(
                        "%s: published to the registry (supergraph version %s)",
                        self.name,
                        body.get("supergraph_version"),
                    )
                    self.published.set()
                    return True
                if response.status_code == 409:
                    self.rejected = response.json().get("check")
                    summary = (self.rejected or {}).get("summary")
                    if not _may_compose_later(self.rejected):
                        logger.error(
                            "%s: the registry rejected this schema: %s", self.name, summary
                        )
                        return False
                    # It may compose once the subgraphs it builds on have published: retry.
                    logger.warning(
                        "%s: the registry cannot compose this schema yet: %s; retrying",
                        self.name,
                        summary,
                    )
                logger.warning(
                    "%s: publishing failed: HTTP %d %s",
                    self.name,
                    response.status_code,
                    response.text[:300],
                )
            except httpx.HTTPError as error:
                logger.warning("%s: registry unreachable (%s); retrying", self.name, error)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.settings.max_backoff_seconds)

    async def _heartbeat_until_unknown(self) -> None:
        """Heartbeat until the registry no longer knows the subgraph (then publish again)."""
        while True:
            await asyncio.sleep(self.settings.heartbeat_seconds)
            try:
                response = await self._client.post(
                    f"{self._instance_path}/heartbeat",
                    json={"routing_url": self.settings.routing_url},
                )
            except httpx.HTTPError as error:
                logger.warning("%s: heartbeat failed: %s", self.name, error)
                continue
            if response.status_code == 404:
                logger.warning("%s: the registry does not know us; publishing again", self.name)
                return
            if response.status_code != 200:
                logger.warning("%s: heartbeat refused: HTTP %d", self.name, response.status_code)


def _may_compose_later(check: object) -> bool:
    """A rejection for composition errors alone (no breaking change) may pass once other
    subgraphs publish, e.g. when this one extends entities of a subgraph not yet registered."""
    if not isinstance(check, dict):
        return False
    return bool(check.get("composition_errors")) and not check.get("breaking_changes")

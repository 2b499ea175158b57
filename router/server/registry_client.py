"""The router's side of the schema registry's HTTP API: reading the state, reporting usage.

``GET /api/v1/router/state`` answers the supergraph, its version and every subgraph's
instances, with an ``ETag``; sent back in ``If-None-Match`` with ``?wait=`` it is a long poll
that answers 304 when nothing changed meanwhile. ``POST /api/v1/usage`` takes operation usage.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from router.executor.instances import InstanceSpec

STATE_PATH = "/api/v1/router/state"
USAGE_PATH = "/api/v1/usage"


class RegistryError(Exception):
    """The registry did not answer, or answered something that is not a router state."""


@dataclass(frozen=True, slots=True)
class SubgraphState:
    routing_url: str
    instances: tuple[InstanceSpec, ...] = ()


@dataclass(frozen=True, slots=True)
class RouterState:
    """What the registry says routers should serve."""

    version: int
    supergraph_sdl: str
    subgraphs: dict[str, SubgraphState] = field(default_factory=dict)
    etag: str | None = None


def parse_state(body: bytes, etag: str | None = None) -> RouterState:
    """The router state in ``body``; ``RegistryError`` when it is not one."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise RegistryError(f"the router state is not JSON: {error}") from None
    if not isinstance(payload, dict):
        raise RegistryError("the router state is not a JSON object")
    version = payload.get("version")
    sdl = payload.get("supergraph_sdl")
    if not isinstance(version, int) or isinstance(version, bool):
        raise RegistryError("the router state has no integer 'version'")
    if not isinstance(sdl, str) or not sdl.strip():
        raise RegistryError("the router state has no 'supergraph_sdl'")
    subgraphs: dict[str, SubgraphState] = {}
    raw_subgraphs = payload.get("subgraphs", {})
    if not isinstance(raw_subgraphs, dict):
        raise RegistryError("'subgraphs' of the router state is not an object")
    for name, raw in raw_subgraphs.items():
        subgraphs[name] = _subgraph_state(name, raw)
    return RouterState(version, sdl, subgraphs, etag)


def _subgraph_state(name: str, raw: Any) -> SubgraphState:
    if not isinstance(raw, dict) or not isinstance(raw.get("routing_url", ""), str):
        raise RegistryError(f"subgraph {name!r} of the router state is malformed")
    instances: list[InstanceSpec] = []
    raw_instances = raw.get("instances", [])
    if not isinstance(raw_instances, list):
        raise RegistryError(f"the instances of subgraph {name!r} are not a list")
    for item in raw_instances:
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("id"), str)
            or not isinstance(item.get("url"), str)
        ):
            raise RegistryError(f"an instance of subgraph {name!r} is malformed")
        instances.append(InstanceSpec(item["id"], item["url"], item.get("healthy", True) is True))
    return SubgraphState(raw.get("routing_url", ""), tuple(instances))


def state_json(state: RouterState) -> bytes:
    """``state`` as the registry sends it (with its ETag), e.g. to keep it in a file."""
    return orjson.dumps(
        {
            "etag": state.etag,
            "version": state.version,
            "supergraph_sdl": state.supergraph_sdl,
            "subgraphs": {
                name: {
                    "routing_url": sub.routing_url,
                    "instances": [
                        {"id": i.id, "url": i.url, "healthy": i.healthy} for i in sub.instances
                    ],
                }
                for name, sub in state.subgraphs.items()
            },
        }
    )


def resolve_token(
    token: str | None, token_env: str | None, environ: Mapping[str, str] | None = None
) -> str | None:
    if token is not None:
        return token
    if token_env is not None:
        value = (os.environ if environ is None else environ).get(token_env)
        if not value:
            raise ValueError(f"the environment variable {token_env} holding the token is unset")
        return value
    return None


class RegistryClient:
    """HTTP calls to one registry."""

    def __init__(self, base_url: str, token: str | None, *, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {"accept": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        self._timeout = timeout
        self._client = httpx.AsyncClient(
            base_url=self.base_url, headers=headers, timeout=timeout, trust_env=False
        )

    async def state(self, etag: str | None, wait: float) -> RouterState | None:
        """The current state, or None when it is still ``etag`` after up to ``wait`` seconds."""
        headers = {"if-none-match": etag} if etag else {}
        params = {"wait": f"{wait:g}"} if etag and wait > 0 else {}
        try:
            response = await self._client.get(
                STATE_PATH,
                headers=headers,
                params=params,
                timeout=self._timeout + (wait if params else 0.0),
            )
        except httpx.HTTPError as error:
            raise RegistryError(f"{type(error).__name__}: {error}".rstrip(": ")) from None
        if response.status_code == 304:
            return None
        if response.status_code != 200:
            raise RegistryError(f"GET {STATE_PATH} answered {response.status_code}")
        return parse_state(response.content, response.headers.get("etag"))

    async def report_usage(self, body: bytes) -> None:
        try:
            response = await self._client.post(
                USAGE_PATH, content=body, headers={"content-type": "application/json"}
            )
        except httpx.HTTPError as error:
            raise RegistryError(f"{type(error).__name__}: {error}".rstrip(": ")) from None
        if response.status_code not in (200, 202, 204):
            raise RegistryError(f"POST {USAGE_PATH} answered {response.status_code}")

    async def aclose(self) -> None:
        await self._client.aclose()

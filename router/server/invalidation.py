"""The entity cache's invalidation endpoint: drop cached entities by type or by entity key.

``POST <path>`` with ``Authorization: Bearer <secret>`` (the secret from the environment
variable the configuration names) and a JSON list of requests::

    [{"kind": "type", "subgraph": "products", "type": "Product"},
     {"kind": "entity", "subgraph": "products", "type": "Product", "key": {"id": "1"}}]

answers ``{"count": <entries dropped>}``. A wrong or missing secret is a 401; a malformed body
a 400 naming what is wrong; no secret configured means the endpoint answers 503.
"""

from __future__ import annotations

import hmac
import os
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from router.config.entity_cache import EntityCacheInvalidation
from router.executor.entity_cache import EntityStore
from router.executor.entity_cache.cache import entity_tag, type_tag

MAX_BODY_BYTES = 1_000_000


class InvalidationEndpoint:
    def __init__(self, store: EntityStore, config: EntityCacheInvalidation) -> None:
        self.store = store
        self.config = config

    async def handle(self, request: Request) -> Response:
        secret = os.environ.get(self.config.secret_env, "")
        if not secret:
            return _answer(503, {"error": f"no invalidation secret ({self.config.secret_env})"})
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), secret.encode()
        ):
            return _answer(401, {"error": "invalid invalidation secret"}, bearer=True)
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return _answer(413, {"error": "request body too large"})
        try:
            tags = _tags(orjson.loads(body))
        except (orjson.JSONDecodeError, ValueError) as error:
            return _answer(400, {"error": str(error) or "invalid JSON"})
        count = 0
        for tag in tags:
            count += await self.store.invalidate(tag)
        return _answer(200, {"count": count})


def _tags(payload: Any) -> list[str]:
    requests = payload if isinstance(payload, list) else [payload]
    tags: list[str] = []
    for position, item in enumerate(requests):
        if not isinstance(item, dict):
            raise ValueError(f"request {position}: not an object")
        kind, subgraph, typename = item.get("kind"), item.get("subgraph"), item.get("type")
        if not isinstance(subgraph, str) or not isinstance(typename, str):
            raise ValueError(f"request {position}: 'subgraph' and 'type' must be strings")
        if kind == "type":
            tags.append(type_tag(subgraph, typename))
        elif kind == "entity":
            key = item.get("key")
            if not isinstance(key, dict) or not key:
                raise ValueError(f"request {position}: 'key' must be a non-empty object")
            tags.append(entity_tag(subgraph, typename, key))
        else:
            raise ValueError(f"request {position}: 'kind' must be 'type' or 'entity'")
    return tags


def _answer(status: int, body: dict[str, Any], *, bearer: bool = False) -> Response:
    headers = {"www-authenticate": "Bearer"} if bearer else None
    return Response(orjson.dumps(body), status, headers, media_type="application/json")

"""Per-client rate limiting with the ``limits`` library (in memory, or Redis when configured).

The client is identified by its IP address, a header, or a claim of the bearer JWT (read, not
verified: the key only spreads clients over buckets; authentication is the subgraphs' job). A
client without the header or claim falls back to its IP address.
"""

from __future__ import annotations

import base64
import math
import time
from collections.abc import Mapping
from typing import Any

import orjson
from limits import RateLimitItem, parse_many
from limits.aio.strategies import (
    FixedWindowRateLimiter,
    MovingWindowRateLimiter,
    RateLimiter,
    SlidingWindowCounterRateLimiter,
)
from limits.storage import storage_from_string

from router.config.model import RateLimitConfig, RateLimitKeyConfig
from router.server.errors import RequestError

_STRATEGIES: dict[str, type[RateLimiter]] = {
    "moving-window": MovingWindowRateLimiter,
    "sliding-window-counter": SlidingWindowCounterRateLimiter,
    "fixed-window": FixedWindowRateLimiter,
}


def client_key(key: RateLimitKeyConfig, headers: Mapping[str, str], client_host: str | None) -> str:
    fallback = f"ip:{client_host or 'unknown'}"
    if key.source == "header":
        value = headers.get(key.header.lower())
        return f"header:{value}" if value else fallback
    if key.source == "jwt_claim":
        claim = _jwt_claim(headers.get("authorization"), key.claim)
        return f"claim:{claim}" if claim is not None else fallback
    return fallback


def _jwt_claim(authorization: str | None, claim: str) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or token.count(".") != 2:
        return None
    payload_part = token.split(".")[1]
    try:
        padded = payload_part + "=" * (-len(payload_part) % 4)
        payload: Any = orjson.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, orjson.JSONDecodeError):
        return None
    if not isinstance(payload, dict) or payload.get(claim) is None:
        return None
    return str(payload[claim])


class ClientRateLimiter:
    def __init__(self, config: RateLimitConfig) -> None:
        url = config.storage_url
        if not url.startswith("async+"):
            url = "async+" + url
        options: dict[str, Any] = {}
        if url.startswith(("async+redis://", "async+rediss://")):
            options["implementation"] = "redispy"  # the redis package the project already uses
        self._storage: Any = storage_from_string(url, **options)
        self._limiter = _STRATEGIES[config.strategy](self._storage)
        self._items: list[RateLimitItem] = parse_many(config.limit)
        self._key = config.key

    def key_for(self, headers: Mapping[str, str], client_host: str | None) -> str:
        return client_key(self._key, headers, client_host)

    async def check(self, key: str, cost: int = 1) -> None:
        """Count ``cost`` hits for ``key``; raise a 429 ``RequestError`` when over a limit."""
        for item in self._items:
            if not await self._limiter.hit(item, "fedra", key, cost=cost):
                stats = await self._limiter.get_window_stats(item, "fedra", key)
                retry_after = max(1, math.ceil(stats.reset_time - time.time()))
                raise RequestError(
                    429,
                    f"Rate limit exceeded: {item}; retry in {retry_after}s",
                    "RATE_LIMITED",
                    headers={"retry-after": str(retry_after)},
                )

    async def aclose(self) -> None:
        close = getattr(self._storage, "aclose", None) or getattr(self._storage, "close", None)
        if close is not None:
            result = close()
            if hasattr(result, "__await__"):
                await result

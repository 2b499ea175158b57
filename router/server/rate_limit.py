"""Per-client rate limiting with the ``limits`` library (in memory, or Redis when configured).

The client is identified by its IP address, a header, or a claim of its token as verified by
the router's authentication (``authentication.jwt``; an unverified token is never read). A
client without the header or a verified claim falls back to its IP address.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any

from limits import RateLimitItem, parse_many
from limits.aio.strategies import (
    FixedWindowRateLimiter,
    MovingWindowRateLimiter,
    RateLimiter,
    SlidingWindowCounterRateLimiter,
)
from limits.storage import storage_from_string

from router.auth.principal import ANONYMOUS, Principal
from router.config.model import RateLimitConfig, RateLimitKeyConfig
from router.server.errors import RequestError

_STRATEGIES: dict[str, type[RateLimiter]] = {
    "moving-window": MovingWindowRateLimiter,
    "sliding-window-counter": SlidingWindowCounterRateLimiter,
    "fixed-window": FixedWindowRateLimiter,
}


def client_key(
    key: RateLimitKeyConfig,
    headers: Mapping[str, str],
    client_host: str | None,
    principal: Principal = ANONYMOUS,
) -> str:
    fallback = f"ip:{client_host or 'unknown'}"
    if key.source == "header":
        value = headers.get(key.header.lower())
        return f"header:{value}" if value else fallback
    if key.source == "jwt_claim":
        claim = principal.claims.get(key.claim) if principal.authenticated else None
        return f"claim:{claim}" if claim is not None else fallback
    return fallback


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

    def key_for(
        self,
        headers: Mapping[str, str],
        client_host: str | None,
        principal: Principal = ANONYMOUS,
    ) -> str:
        return client_key(self._key, headers, client_host, principal)

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

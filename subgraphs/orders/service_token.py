"""The orders service's own credential for calling products: an OAuth2 client credentials token.

Orders asks the users service's token endpoint (``USERS_TOKEN_URL``, default
http://localhost:4001/token) with ``grant_type=client_credentials``, ``client_id=orders`` and its
client secret (``FEDRA_SERVICE_SECRET_ORDERS``, else the dev secret the users service writes to
``<keys dir>/service-orders.secret``). The token is cached until shortly before it expires; a
caller that sees it refused asks for a fresh one with ``refresh(stale)``.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx

from subgraphs.shared.identity import keys_dir

TOKEN_URL_ENV = "USERS_TOKEN_URL"
SECRET_ENV = "FEDRA_SERVICE_SECRET_ORDERS"
DEFAULT_TOKEN_URL = "http://localhost:4001/token"
CLIENT_ID = "orders"
SECRET_FILE_NAME = "service-orders.secret"
DEFAULT_REFRESH_MARGIN_SECONDS = 30.0
DEFAULT_TIMEOUT_SECONDS = 10.0


class ServiceTokenError(Exception):
    """No service token could be obtained (no secret, endpoint down, credentials refused)."""


class TokenSource(Protocol):
    """Where the orders service gets the bearer token it sends to products."""

    async def token(self) -> str:
        """A token that has not expired yet."""
        ...

    async def refresh(self, stale: str) -> str:
        """A token other than ``stale``, which the receiver refused."""
        ...

    async def start(self) -> None: ...

    async def aclose(self) -> None: ...


def token_url_from_env() -> str:
    return os.environ.get(TOKEN_URL_ENV) or DEFAULT_TOKEN_URL


def secret_from_env_or_keys_dir(directory: Path | None = None) -> str | None:
    """``FEDRA_SERVICE_SECRET_ORDERS``, else the dev secret file in the key directory, else None.

    Read on every token request, not once: under ``fedra dev`` the users service writes the file
    when it first starts, which may be after orders started."""
    configured = os.environ.get(SECRET_ENV)
    if configured:
        return configured
    path = (directory or keys_dir()) / SECRET_FILE_NAME
    try:
        secret = path.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return secret or None


@dataclass(frozen=True, slots=True)
class _Cached:
    token: str
    refresh_at: float  # monotonic time after which the token is fetched again


class ClientCredentialsTokenSource:
    """Fetches and caches a token with the OAuth2 client credentials grant.

    Uses `client` when given (its owner closes it); otherwise `start()` opens a client on
    `transport` (the default network transport if None) and `aclose()` closes it.
    """

    def __init__(
        self,
        token_url: str,
        *,
        client_id: str = CLIENT_ID,
        secret: Callable[[], str | None] = secret_from_env_or_keys_dir,
        client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        refresh_margin: float = DEFAULT_REFRESH_MARGIN_SECONDS,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._secret = secret
        self._given_client = client
        self._transport = transport
        self._own_client: httpx.AsyncClient | None = None
        self._refresh_margin = refresh_margin
        self._timeout = timeout
        self._clock = clock
        self._cached: _Cached | None = None
        self._lock = asyncio.Lock()
        self.fetches = 0  # how many tokens were requested from the endpoint

    @classmethod
    def from_env(cls) -> ClientCredentialsTokenSource:
        return cls(token_url_from_env())

    async def start(self) -> None:
        if self._given_client is None and self._own_client is None:
            self._own_client = httpx.AsyncClient(transport=self._transport)

    async def aclose(self) -> None:
        if self._own_client is not None:
            await self._own_client.aclose()
            self._own_client = None

    async def token(self) -> str:
        cached = self._cached
        if cached is not None and self._clock() < cached.refresh_at:
            return cached.token
        async with self._lock:
            cached = self._cached
            if cached is not None and self._clock() < cached.refresh_at:
                return cached.token
            return await self._fetch()

    async def refresh(self, stale: str) -> str:
        async with self._lock:
            cached = self._cached
            if cached is not None and cached.token != stale and self._clock() < cached.refresh_at:
                return cached.token  # someone else refreshed meanwhile
            return await self._fetch()

    async def _fetch(self) -> str:
        secret = self._secret()
        if not secret:
            raise ServiceTokenError(
                f"No client secret for the {self.client_id} service: set {SECRET_ENV}"
            )
        client = self._given_client or self._own_client
        if client is None:
            raise RuntimeError("ClientCredentialsTokenSource.start() was not called")
        self.fetches += 1
        requested_at = self._clock()
        try:
            response = await client.post(
                self.token_url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.client_id,
                    "client_secret": secret,
                },
                headers={"accept": "application/json"},
                timeout=self._timeout,
            )
        except httpx.HTTPError as error:
            raise ServiceTokenError(f"The token endpoint is unreachable: {error}") from error
        if response.status_code in (400, 401):
            raise ServiceTokenError(
                f"The token endpoint refused the {self.client_id} service's credentials "
                f"(HTTP {response.status_code})"
            )
        if response.status_code != 200:
            raise ServiceTokenError(
                f"The token endpoint {self.token_url} answered HTTP {response.status_code}"
            )
        try:
            body = response.json()
        except ValueError:
            body = None
        token = body.get("access_token") if isinstance(body, dict) else None
        expires_in = body.get("expires_in") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise ServiceTokenError("The token endpoint answered without an access_token")
        lifetime = (
            float(expires_in)
            if isinstance(expires_in, int | float) and not isinstance(expires_in, bool)
            else 0.0
        )
        # refresh a margin before expiry, but never cache for less than nothing
        self._cached = _Cached(
            token, requested_at + max(0.0, lifetime - min(self._refresh_margin, lifetime / 2))
        )
        return token

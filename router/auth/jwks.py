"""The public keys tokens are verified with: JWK sets from files and URLs, cached, refreshed
within bounds.

A set older than ``refresh_interval_seconds`` is refreshed on its next use; a token naming a
``kid`` no cached key has refreshes it at once. Files are re-read whenever they changed on disk
(a file that does not exist yet holds no keys); URLs are fetched with ``httpx`` at most once per
``min_refresh_interval_seconds``, each fetch bounded in time (``fetch_timeout_seconds``), size
(``max_jwks_bytes``) and number of keys (``max_keys``). A source that fails keeps the keys it had;
only public asymmetric signature keys (RSA, EC, OKP) are kept.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
import orjson

from router.config.authentication import ALGORITHM_KEY_TYPES, JwksSourceConfig, JwtConfig

logger = logging.getLogger("fedra.auth")

SIGNATURE_KEY_TYPES = frozenset({"RSA", "EC", "OKP"})
# The curve each algorithm signs with, for the key types that name one.
ALGORITHM_CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521", "EdDSA": "Ed25519"}


class JwksError(Exception):
    """A JWK set that cannot be used (not JSON, too large, too many keys)."""


@dataclass(slots=True)
class PublicKey:
    """One public key of a JWK set, with its verifying key per algorithm built on first use."""

    kid: str | None
    key_type: str
    algorithm: str | None  # the JWK's own ``alg``, when it names one
    jwk: dict[str, Any]
    _by_algorithm: dict[str, jwt.PyJWK] = field(default_factory=dict)

    def accepts(self, algorithm: str) -> bool:
        if ALGORITHM_KEY_TYPES.get(algorithm) != self.key_type:
            return False
        curve = ALGORITHM_CURVES.get(algorithm)
        if curve is not None and self.jwk.get("crv") != curve:
            return False
        return self.algorithm is None or self.algorithm == algorithm

    def verifying_key(self, algorithm: str) -> jwt.PyJWK:
        key = self._by_algorithm.get(algorithm)
        if key is None:
            key = jwt.PyJWK(self.jwk, algorithm=algorithm)
            self._by_algorithm[algorithm] = key
        return key


def parse_jwks(data: bytes, *, max_keys: int, origin: str) -> list[PublicKey]:
    """The signature keys of a JWK set document; unusable keys are skipped (and logged)."""
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise JwksError(f"{origin}: not JSON: {error}") from None
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise JwksError(f"{origin}: expected an object with a 'keys' list")
    if len(entries) > max_keys:
        raise JwksError(f"{origin}: {len(entries)} keys, more than max_keys ({max_keys})")
    keys: list[PublicKey] = []
    for entry in entries:
        key = _public_key(entry, origin)
        if key is not None:
            keys.append(key)
    return keys


def _public_key(entry: object, origin: str) -> PublicKey | None:
    if not isinstance(entry, dict):
        logger.warning("%s: skipping a key that is not an object", origin)
        return None
    key_type = entry.get("kty")
    kid = entry.get("kid")
    if key_type not in SIGNATURE_KEY_TYPES or entry.get("use", "sig") != "sig":
        logger.warning("%s: skipping key %r (not an asymmetric signature key)", origin, kid)
        return None
    if "d" in entry:
        logger.warning("%s: skipping key %r: a private key is never used", origin, kid)
        return None
    algorithm = entry.get("alg")
    if algorithm is not None and ALGORITHM_KEY_TYPES.get(algorithm) != key_type:
        logger.warning("%s: skipping key %r: alg %r is not accepted", origin, kid, algorithm)
        return None
    if kid is not None and not isinstance(kid, str):
        logger.warning("%s: skipping a key whose kid is not a string", origin)
        return None
    key = PublicKey(kid, key_type, algorithm, dict(entry))
    probe = algorithm or next(alg for alg, kty in ALGORITHM_KEY_TYPES.items() if kty == key_type)
    try:
        key.verifying_key(probe)
    except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError) as error:
        logger.warning("%s: skipping key %r: %s", origin, kid, error)
        return None
    return key


class _FileSource:
    def __init__(self, path: str, config: JwtConfig) -> None:
        self.path = Path(path)
        self._config = config
        self._seen: tuple[int, int] | None = None
        self.keys: list[PublicKey] = []

    def refresh(self) -> None:
        """Re-read the file when it changed; a missing file holds no keys."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self._seen, self.keys = None, []
            return
        except OSError as error:
            logger.warning("JWKS file %s: %s", self.path, error)
            return
        seen = (stat.st_mtime_ns, stat.st_size)
        if seen == self._seen:
            return
        if stat.st_size > self._config.max_jwks_bytes:
            logger.warning(
                "JWKS file %s: %d bytes, more than max_jwks_bytes", self.path, stat.st_size
            )
            return
        try:
            data = self.path.read_bytes()
            self.keys = parse_jwks(data, max_keys=self._config.max_keys, origin=str(self.path))
        except (OSError, JwksError) as error:
            logger.warning("JWKS file %s: %s", self.path, error)
            return
        self._seen = seen


class _UrlSource:
    def __init__(self, url: str, config: JwtConfig) -> None:
        self.url = url
        self._config = config
        self.keys: list[PublicKey] = []

    async def refresh(self, client: httpx.AsyncClient) -> None:
        config = self._config
        try:
            async with asyncio.timeout(config.fetch_timeout_seconds):
                data = await self._fetch(client)
            self.keys = parse_jwks(data, max_keys=config.max_keys, origin=self.url)
        except TimeoutError:
            logger.warning("JWKS %s: no answer within %gs", self.url, config.fetch_timeout_seconds)
        except (httpx.HTTPError, JwksError) as error:
            logger.warning("JWKS %s: %s", self.url, error)

    async def _fetch(self, client: httpx.AsyncClient) -> bytes:
        limit = self._config.max_jwks_bytes
        async with client.stream("GET", self.url, headers={"accept": "application/json"}) as sent:
            if sent.status_code != 200:
                raise JwksError(f"{self.url}: HTTP {sent.status_code}")
            chunks: list[bytes] = []
            size = 0
            async for chunk in sent.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    raise JwksError(f"{self.url}: more than max_jwks_bytes ({limit})")
                chunks.append(chunk)
        return b"".join(chunks)


class KeySet:
    """The keys of every configured JWKS source, looked up by ``kid`` and algorithm."""

    def __init__(
        self,
        config: JwtConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config = config
        self._files = [_FileSource(s.file, config) for s in config.jwks if s.file is not None]
        self._urls = [_UrlSource(s.url, config) for s in config.jwks if s.url is not None]
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._clock = clock
        self._lock = asyncio.Lock()
        self._loaded_at: float | None = None  # last refresh of everything
        self._fetched_at: float | None = None  # last fetch of the URLs
        self.url_fetches = 0  # how many times the URLs were fetched (for metrics and tests)
        self.generation = 0  # changes whenever the set of keys changes

    @property
    def sources(self) -> tuple[JwksSourceConfig, ...]:
        return self._config.jwks

    def public_keys(self) -> list[PublicKey]:
        found = [key for source in self._files for key in source.keys]
        found.extend(key for source in self._urls for key in source.keys)
        return found

    async def ensure_fresh(self) -> None:
        """Load the keys on first use; refresh a set older than refresh_interval_seconds."""
        loaded_at = self._loaded_at
        if loaded_at is None or self._clock() - loaded_at >= self._config.refresh_interval_seconds:
            await self.refresh()

    async def candidates(self, kid: str | None, algorithm: str) -> list[PublicKey]:
        """The keys that may have signed a token with this ``kid`` and ``alg``."""
        await self.ensure_fresh()
        found = self._matching(kid, algorithm)
        if not found:
            await self.refresh()
            found = self._matching(kid, algorithm)
        return found

    def _matching(self, kid: str | None, algorithm: str) -> list[PublicKey]:
        return [
            key
            for key in self.public_keys()
            if (kid is None or key.kid == kid) and key.accepts(algorithm)
        ]

    async def refresh(self) -> None:
        """Re-read changed files and, unless fetched within min_refresh_interval, the URLs."""
        async with self._lock:
            before = self._fingerprint()
            for source in self._files:
                source.refresh()
            now = self._clock()
            recent = (
                self._fetched_at is not None
                and now - self._fetched_at < self._config.min_refresh_interval_seconds
            )
            if self._urls and not recent:
                self._fetched_at = now
                self.url_fetches += 1
                client = self._http_client()
                await asyncio.gather(*(source.refresh(client) for source in self._urls))
            self._loaded_at = self._clock()
            if self._fingerprint() != before:
                self.generation += 1

    def _fingerprint(self) -> list[bytes]:
        return [orjson.dumps(key.jwk, option=orjson.OPT_SORT_KEYS) for key in self.public_keys()]

    def _http_client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=self._transport,
                timeout=httpx.Timeout(self._config.fetch_timeout_seconds),
                follow_redirects=False,
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

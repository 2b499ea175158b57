"""Who is calling a subgraph: a verified JWT or a router-signed claims header, nothing else.

A subgraph trusts only what it can check itself:
- ``Authorization: Bearer <jwt>``: signature against the users service's public keys (a JWKS file
  or URL, ``FEDRA_AUTH_JWKS``), issuer, audience, expiry, and an allowlist of asymmetric algorithms;
- ``x-fedra-claims`` + ``x-fedra-claims-signature``: the router's verified claims, HMAC-SHA256
  signed with ``FEDRA_CLAIMS_SECRET``; accepted only when that secret is set here too.
Anything else a client sends (``x-user-id``, unsigned claims) is ignored.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
from jwt import PyJWKSet

from .db import REPO_ROOT

ISSUER_ENV = "FEDRA_AUTH_ISSUER"
AUDIENCE_ENV = "FEDRA_AUTH_AUDIENCE"
JWKS_ENV = "FEDRA_AUTH_JWKS"
KEYS_DIR_ENV = "FEDRA_AUTH_KEYS_DIR"
CLAIMS_SECRET_ENV = "FEDRA_CLAIMS_SECRET"
DEFAULT_ISSUER = "fedra-users"
DEFAULT_AUDIENCE = "fedra"
CLAIMS_HEADER = "x-fedra-claims"
CLAIMS_SIGNATURE_HEADER = "x-fedra-claims-signature"
ALLOWED_ALGORITHMS = ("EdDSA", "RS256")
ADMIN_SCOPE = "admin"
SERVICE_PREFIX = "service:"


def keys_dir() -> Path:
    """Where the users service keeps its signing keys (``FEDRA_AUTH_KEYS_DIR``, else var/keys)."""
    configured = os.environ.get(KEYS_DIR_ENV)
    return Path(configured) if configured else REPO_ROOT / "var" / "keys"


def issuer() -> str:
    return os.environ.get(ISSUER_ENV) or DEFAULT_ISSUER


def audience() -> str:
    return os.environ.get(AUDIENCE_ENV) or DEFAULT_AUDIENCE


@dataclass(frozen=True, slots=True)
class Caller:
    """A verified caller, or nobody (``subject`` None)."""

    subject: str | None = None
    scopes: frozenset[str] = frozenset()
    claims: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> Caller:
        sub = claims.get("sub")
        scope = claims.get("scope", "")
        return cls(
            subject=sub if isinstance(sub, str) and sub else None,
            scopes=frozenset(scope.split()) if isinstance(scope, str) else frozenset(),
            claims=dict(claims),
        )

    @property
    def user_id(self) -> int | None:
        """The user id of a user's token; None for services and anonymous callers."""
        sub = self.subject
        if sub is None or not (sub.isascii() and sub.isdigit()) or len(sub) > 10:
            return None
        value = int(sub)
        return value if 0 < value < 2**31 else None

    @property
    def service(self) -> str | None:
        """The service name of a service credential (``sub: service:<name>``)."""
        sub = self.subject
        if sub is None or not sub.startswith(SERVICE_PREFIX):
            return None
        return sub[len(SERVICE_PREFIX) :] or None

    @property
    def is_admin(self) -> bool:
        return self.user_id is not None and ADMIN_SCOPE in self.scopes

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


ANONYMOUS_CALLER = Caller()


class IdentityError(Exception):
    """The request carried credentials that do not verify."""


class JwksKeys:
    """Public keys from a JWKS file or URL, re-read when a token names a key not seen yet.

    Re-reads are bounded: at most one per ``refresh_interval`` seconds, so a stream of tokens with
    made-up ``kid`` values cannot turn into a stream of fetches.
    """

    def __init__(
        self, source: str, *, refresh_interval: float = 10.0, fetch_timeout: float = 5.0
    ) -> None:
        self.source = source
        self.refresh_interval = refresh_interval
        self.fetch_timeout = fetch_timeout
        self._keys: dict[str, Any] = {}
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> Any | None:
        key = self._keys.get(kid)
        if key is not None:
            return key
        async with self._lock:
            due = time.monotonic() - self._loaded_at >= self.refresh_interval
            if kid not in self._keys and due:
                # a thread: reading a URL (or a slow disk) must not stall the event loop
                self._keys = await asyncio.to_thread(self._read)
                self._loaded_at = time.monotonic()
        return self._keys.get(kid)

    def _read(self) -> dict[str, Any]:
        try:
            if self.source.startswith(("http://", "https://")):
                response = httpx.get(self.source, timeout=self.fetch_timeout)
                response.raise_for_status()
                document = response.json()
            else:
                document = json.loads(Path(self.source).read_text())
            key_set = PyJWKSet.from_dict(document)
        except (OSError, ValueError, httpx.HTTPError, jwt.PyJWKSetError):
            return dict(self._keys)  # keep what we had: a bad read is no reason to forget keys
        return {k.key_id: k.key for k in key_set.keys if k.key_id}


class TokenVerifier:
    """Turns a request's headers into a ``Caller``; raises ``IdentityError`` on bad credentials."""

    def __init__(
        self,
        keys: JwksKeys,
        *,
        issuer: str = DEFAULT_ISSUER,
        audience: str = DEFAULT_AUDIENCE,
        leeway: float = 30.0,
        claims_secret: bytes | None = None,
    ) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self.claims_secret = claims_secret

    @classmethod
    def from_env(cls) -> TokenVerifier:
        source = os.environ.get(JWKS_ENV) or str(keys_dir() / "jwks.json")
        secret = os.environ.get(CLAIMS_SECRET_ENV)
        return cls(
            JwksKeys(source),
            issuer=issuer(),
            audience=audience(),
            claims_secret=secret.encode() if secret else None,
        )

    async def caller(self, headers: Mapping[str, str]) -> Caller:
        authorization = headers.get("authorization")
        if authorization:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise IdentityError("The Authorization header must be 'Bearer <token>'")
            return Caller.from_claims(await self.verify(token.strip()))
        signed = headers.get(CLAIMS_HEADER)
        if signed is not None and self.claims_secret is not None:
            return Caller.from_claims(self.verify_claims_header(signed, headers))
        return ANONYMOUS_CALLER

    async def verify(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise IdentityError(f"Invalid token: {error}") from None
        algorithm = header.get("alg")
        if algorithm not in ALLOWED_ALGORITHMS:
            raise IdentityError(f"Token algorithm {algorithm!r} is not accepted")
        kid = header.get("kid")
        key = await self.keys.key(kid) if isinstance(kid, str) else None
        if key is None:
            raise IdentityError("Token signed with an unknown key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise IdentityError(f"Invalid token: {error}") from None
        return claims

    def verify_claims_header(self, value: str, headers: Mapping[str, str]) -> dict[str, Any]:
        assert self.claims_secret is not None
        signature = headers.get(CLAIMS_SIGNATURE_HEADER, "")
        expected = sign_claims_header(value, self.claims_secret)
        if not hmac.compare_digest(signature.encode(), expected.encode()):
            raise IdentityError("The claims header's signature does not verify")
        try:
            claims = json.loads(_b64decode(value))
        except ValueError:
            raise IdentityError("The claims header is not base64url JSON") from None
        if not isinstance(claims, dict):
            raise IdentityError("The claims header is not a JSON object")
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or exp + self.leeway < time.time():
            raise IdentityError("The claims header has expired")
        return claims


def sign_claims_header(value: str, secret: bytes) -> str:
    """The ``x-fedra-claims-signature`` value for an ``x-fedra-claims`` value."""
    digest = hmac.new(secret, value.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _b64decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))

"""Verifying one JWT: its algorithm, key, signature, issuer, audience and lifetime, with PyJWT.

A verified token is remembered (by its SHA-256, at most ``verified_cache_size``) until it
expires or the key set changes, so a client sending the same token again costs one lookup.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

import jwt
from jwt.types import Options

from router.auth.jwks import KeySet
from router.config.authentication import JwtConfig
from router.gateway.lru import LRUCache


class _Verified:
    __slots__ = ("claims", "expires_at", "generation")

    def __init__(self, claims: dict[str, Any], expires_at: float, generation: int) -> None:
        self.claims = claims
        self.expires_at = expires_at
        self.generation = generation


class InvalidToken(Exception):
    """A token that does not verify; the message says why, without echoing the token."""


class TokenVerifier:
    def __init__(self, config: JwtConfig, keys: KeySet) -> None:
        self._config = config
        self.keys = keys
        self._algorithms = frozenset(config.algorithms)
        self._issuers = config.issuers or None
        self._audiences = list(config.audiences) or None
        self._options: Options = {"require": list(config.required_claims)}
        self._verified: LRUCache[bytes, _Verified] = LRUCache(config.verified_cache_size)

    async def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, once everything about it has been checked."""
        if len(token) > self._config.max_token_bytes:
            raise InvalidToken("the token is longer than max_token_bytes")
        await self.keys.ensure_fresh()
        digest = hashlib.sha256(token.encode()).digest()
        known = self._verified.get(digest)
        if (
            known is not None
            and known.generation == self.keys.generation
            and time.time() < known.expires_at
        ):
            return known.claims
        claims = await self._verify(token)
        expires = claims.get("exp")
        if isinstance(expires, int | float) and not isinstance(expires, bool):
            expiry = expires + self._config.leeway_seconds
            self._verified.put(digest, _Verified(claims, expiry, self.keys.generation))
        return claims

    async def _verify(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError:
            raise InvalidToken("the token is malformed") from None
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in self._algorithms:
            raise InvalidToken(f"the token's algorithm {algorithm!r} is not accepted")
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise InvalidToken("the token's kid is not a string")
        candidates = await self.keys.candidates(kid, algorithm)
        if not candidates:
            raise InvalidToken(
                f"no known key has kid {kid!r}" if kid is not None else "no key for the token"
            )
        failure: jwt.InvalidTokenError | None = None
        for key in candidates:
            try:
                claims: dict[str, Any] = jwt.decode(
                    token,
                    key=key.verifying_key(algorithm),
                    algorithms=[algorithm],
                    audience=self._audiences,
                    issuer=self._issuers,
                    leeway=self._config.leeway_seconds,
                    options=self._options,
                )
            except jwt.InvalidSignatureError as error:
                failure = error  # another key with the same kid (or no kid) may verify it
                continue
            except jwt.InvalidTokenError as error:
                raise InvalidToken(_reason(error)) from None
            except (jwt.PyJWTError, ValueError, TypeError):
                raise InvalidToken("the token cannot be verified with its key") from None
            return claims
        assert failure is not None
        raise InvalidToken(_reason(failure))


def _reason(error: jwt.InvalidTokenError) -> str:
    text = str(error) or type(error).__name__
    return text[0].lower() + text[1:]

"""Verifying one JWT: its algorithm, key, signature, issuer, audience and lifetime, with PyJWT."""

from __future__ import annotations

from typing import Any

import jwt
from jwt.types import Options

from router.auth.jwks import KeySet
from router.config.authentication import JwtConfig


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

    async def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, once everything about it has been checked."""
        if len(token) > self._config.max_token_bytes:
            raise InvalidToken("the token is longer than max_token_bytes")
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

"""Who may call the registry: static tokens (stored as SHA-256 hashes, with their scopes) and,
when configured, JWTs verified against a JWKS whose ``scope`` claim lists the scopes."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass

from router.auth.jwks import KeySet
from router.auth.tokens import InvalidToken, TokenVerifier
from router.registry.config import RegistryConfig, StaticToken


@dataclass(frozen=True, slots=True)
class Caller:
    name: str  # the static token's name, or the JWT's subject
    scopes: frozenset[str]


class AuthError(Exception):
    """A request without a usable credential (401) or without the scope it needs (403)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _scopes_of(claim: object) -> frozenset[str]:
    if isinstance(claim, str):
        return frozenset(claim.split())
    if isinstance(claim, list | tuple):
        return frozenset(str(scope) for scope in claim)
    return frozenset()


class Authenticator:
    def __init__(self, tokens: Iterable[StaticToken], jwt: TokenVerifier | None = None) -> None:
        self._tokens = {token.sha256: token for token in tokens}
        self._jwt = jwt

    @classmethod
    def from_config(cls, config: RegistryConfig) -> Authenticator:
        verifier = TokenVerifier(config.jwt, KeySet(config.jwt)) if config.jwt else None
        return cls(config.tokens, verifier)

    async def caller(self, authorization: str | None) -> Caller:
        if not authorization:
            raise AuthError(401, "UNAUTHENTICATED", "an Authorization: Bearer token is required")
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise AuthError(401, "UNAUTHENTICATED", "the Authorization header must be Bearer")
        digest = hashlib.sha256(token.encode()).hexdigest()
        for known_digest, known in self._tokens.items():
            if hmac.compare_digest(known_digest, digest):
                return Caller(known.name, frozenset(known.scopes))
        if self._jwt is not None and token.count(".") == 2:
            try:
                claims = await self._jwt.verify(token)
            except InvalidToken as error:
                raise AuthError(401, "UNAUTHENTICATED", f"invalid token: {error}") from None
            return Caller(str(claims.get("sub", "jwt")), _scopes_of(claims.get("scope")))
        raise AuthError(401, "UNAUTHENTICATED", "unknown token")

    async def require(self, authorization: str | None, scope: str) -> Caller:
        caller = await self.caller(authorization)
        if scope not in caller.scopes:
            raise AuthError(403, "FORBIDDEN", f"the token lacks the {scope} scope")
        return caller

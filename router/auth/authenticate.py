"""Authentication of one HTTP request: no token is anonymous, a verified token a Principal, and
anything else ``InvalidToken`` (answered 401 with ``WWW-Authenticate: Bearer
error="invalid_token"`` by the server)."""

from __future__ import annotations

from starlette.datastructures import Headers

from router.auth.jwks import KeySet
from router.auth.principal import ANONYMOUS, Principal
from router.auth.tokens import InvalidToken, TokenVerifier
from router.config.authentication import JwtConfig

UNAUTHENTICATED = "UNAUTHENTICATED"
INVALID_TOKEN_CHALLENGE = 'Bearer error="invalid_token"'


class Authenticator:
    """Reads the token from the configured header and verifies it."""

    def __init__(self, config: JwtConfig, keys: KeySet | None = None) -> None:
        self.config = config
        self.keys = keys if keys is not None else KeySet(config)
        self.verifier = TokenVerifier(config, self.keys)
        self._prefix = config.header_prefix.strip().lower()

    async def authenticate(self, headers: Headers) -> Principal:
        """The caller of a request with these headers; raises ``InvalidToken``."""
        values = headers.getlist(self.config.header_name)
        if not values:
            return ANONYMOUS
        if len(values) > 1:
            raise InvalidToken(f"more than one {self.config.header_name} header")
        token = self._token(values[0])
        claims = await self.verifier.verify(token)
        return Principal.from_claims(claims, token)

    def _token(self, value: str) -> str:
        value = value.strip()
        if not self._prefix:
            token = value
        else:
            scheme, _, token = value.partition(" ")
            if scheme.lower() != self._prefix:
                raise InvalidToken(
                    f"expected '{self.config.header_prefix} <token>' in {self.config.header_name}"
                )
            token = token.strip()
        if not token:
            raise InvalidToken("the token is empty")
        return token

    async def aclose(self) -> None:
        await self.keys.aclose()

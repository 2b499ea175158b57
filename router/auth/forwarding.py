"""The verified identity, as each subgraph receives it.

Per subgraph (``authentication.forward_token`` / ``claims_header``, overridable under
``authentication.subgraphs.<name>``): the verified token as ``authorization: Bearer <token>``,
and/or the router-signed claims header pair::

    x-fedra-claims           = base64url, unpadded, of the compact JSON of the claims (sorted keys)
    x-fedra-claims-signature = base64url, unpadded, of HMAC-SHA256(secret, x-fedra-claims as ASCII)

The headers in ``IDENTITY_HEADERS`` (and the token header, when authentication is on) are set by
the router only: a client's own values never reach a subgraph, whatever the header rules say.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from router.auth.principal import Principal
from router.config.authentication import AuthenticationConfig

CLAIMS_HEADER = "x-fedra-claims"
CLAIMS_SIGNATURE_HEADER = "x-fedra-claims-signature"
TOKEN_HEADER = "authorization"
IDENTITY_HEADERS = frozenset({"x-user-id", CLAIMS_HEADER, CLAIMS_SIGNATURE_HEADER})


class AuthConfigError(Exception):
    """The authentication configuration cannot be used (e.g. a claims secret is missing)."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def encode_claims(claims: Mapping[str, Any], secret: bytes) -> dict[str, str]:
    """The claims header pair for ``claims``, signed with ``secret``."""
    value = _b64url(orjson.dumps(dict(claims), option=orjson.OPT_SORT_KEYS))
    signature = hmac.new(secret, value.encode("ascii"), hashlib.sha256).digest()
    return {CLAIMS_HEADER: value, CLAIMS_SIGNATURE_HEADER: _b64url(signature)}


@dataclass(slots=True)
class PrincipalHeaders:
    """One request's identity headers, encoded once and shared by its subgraph fetches."""

    forwarding: IdentityForwarding
    principal: Principal
    _claims: dict[str, str] | None = None

    def for_subgraph(self, subgraph: str) -> dict[str, str]:
        principal = self.principal
        if not principal.authenticated:
            return {}
        config = self.forwarding.config
        headers: dict[str, str] = {}
        if principal.token is not None and config.forwards_token(subgraph):
            headers[TOKEN_HEADER] = f"Bearer {principal.token}"
        secret = self.forwarding.secret
        if secret is not None and config.sends_claims_header(subgraph):
            if self._claims is None:
                self._claims = encode_claims(principal.claims, secret)
            headers.update(self._claims)
        return headers


class IdentityForwarding:
    def __init__(self, config: AuthenticationConfig, secret: bytes | None) -> None:
        self.config = config
        self.secret = secret

    @classmethod
    def from_config(
        cls, config: AuthenticationConfig, environ: Mapping[str, str]
    ) -> IdentityForwarding:
        """Refuses a configuration that sends the claims header without a secret."""
        secret: bytes | None = None
        if config.claims_header_anywhere:
            text = environ.get(config.claims_secret_env, "")
            if not text:
                raise AuthConfigError(
                    "authentication.claims_header is on but the environment variable "
                    f"{config.claims_secret_env} (the claims signing secret) is not set"
                )
            secret = text.encode("utf-8")
        return cls(config, secret)

    @property
    def stripped_headers(self) -> frozenset[str]:
        """Headers only the router sets: never propagated from the client by header rules."""
        if self.config.jwt is None:
            return IDENTITY_HEADERS
        return IDENTITY_HEADERS | {TOKEN_HEADER, self.config.jwt.header_name}

    def for_principal(self, principal: Principal) -> PrincipalHeaders:
        return PrincipalHeaders(self, principal)

"""The caller of one request, as far as the router has verified it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Principal:
    """A caller: the verified claims of its token, or nobody (``authenticated`` is False).

    Only the authentication step builds a Principal with claims, from a token whose signature,
    issuer, audience and lifetime it has checked; nothing a client sends reaches it otherwise.
    """

    authenticated: bool = False
    claims: Mapping[str, Any] = field(default_factory=dict)
    scopes: frozenset[str] = frozenset()
    token: str | None = None  # the verified token as received, for forwarding to subgraphs

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any], token: str | None = None) -> Principal:
        scope = claims.get("scope", "")
        scopes = frozenset(scope.split()) if isinstance(scope, str) else frozenset()
        return cls(authenticated=True, claims=dict(claims), scopes=scopes, token=token)

    @property
    def subject(self) -> str | None:
        sub = self.claims.get("sub")
        return sub if isinstance(sub, str) else None


ANONYMOUS = Principal()

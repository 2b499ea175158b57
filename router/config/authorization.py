"""The ``authorization`` section: enforcing @authenticated, @requiresScopes and @policy."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class AuthorizationConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Enforce the supergraph's access requirements; off, every caller sees every field.
    enabled: bool = True
    # Refuse a whole operation that selects anything the caller may not see (no data, nothing
    # fetched), instead of answering the rest with the unauthorized fields null.
    reject_unauthorized: bool = False
    # Answer requests without a verified token with HTTP 401 UNAUTHENTICATED.
    require_authentication: bool = False

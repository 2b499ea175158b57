"""Configuration of the router's authentication: JWT verification and identity to subgraphs.

``authentication.jwt`` turns verification on: where the public keys come from (JWKS files or
URLs, cached and refreshed within bounds), which issuers, audiences and algorithms a token may
have, and where the token is read from. ``forward_token`` / ``claims_header`` (globally, and per
subgraph under ``subgraphs.<name>``) say how the verified identity reaches each subgraph.
"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from router.config.sections import Section

# Only asymmetric algorithms: a public key can never be used as an HMAC secret ("alg
# confusion"), and ``none`` is never accepted.
ALGORITHM_KEY_TYPES: dict[str, str] = {
    "EdDSA": "OKP",
    "RS256": "RSA",
    "RS384": "RSA",
    "RS512": "RSA",
    "PS256": "RSA",
    "PS384": "RSA",
    "PS512": "RSA",
    "ES256": "EC",
    "ES384": "EC",
    "ES512": "EC",
}


class JwksSourceConfig(Section):
    """One JWKS: a local file (``file``) or an http(s) URL (``url``)."""

    file: str | None = None
    url: str | None = None

    @model_validator(mode="after")
    def _one_location(self) -> JwksSourceConfig:
        if (self.file is None) == (self.url is None):
            raise ValueError("give exactly one of 'file' or 'url'")
        if self.url is not None and not self.url.startswith(("http://", "https://")):
            raise ValueError("url must be an http:// or https:// URL")
        return self


class JwtConfig(Section):
    jwks: tuple[JwksSourceConfig, ...] = Field(min_length=1)
    issuers: tuple[str, ...] = ()  # empty: any issuer
    audiences: tuple[str, ...] = ()  # empty: tokens must carry no audience
    algorithms: tuple[str, ...] = ("EdDSA", "RS256")
    leeway_seconds: float = Field(default=30.0, ge=0)
    required_claims: tuple[str, ...] = ("exp",)
    header_name: str = "authorization"
    header_prefix: str = "Bearer"  # empty: the header holds the bare token
    max_token_bytes: int = Field(default=16_384, ge=128)
    # The key cache: a set older than refresh_interval is refreshed on its next use; an unknown
    # `kid` refreshes it too, but URLs are fetched at most once per min_refresh_interval.
    refresh_interval_seconds: float = Field(default=300.0, gt=0)
    min_refresh_interval_seconds: float = Field(default=10.0, ge=0)
    fetch_timeout_seconds: float = Field(default=5.0, gt=0)
    max_jwks_bytes: int = Field(default=1_000_000, ge=64)
    max_keys: int = Field(default=100, ge=1)
    # Tokens already verified, kept until they expire or the key set changes (0: off).
    verified_cache_size: int = Field(default=10_000, ge=0)

    @field_validator("algorithms")
    @classmethod
    def _asymmetric_only(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("give at least one algorithm")
        for algorithm in value:
            if algorithm.lower() == "none" or algorithm.upper().startswith("HS"):
                raise ValueError(
                    f"algorithm '{algorithm}' is refused: only asymmetric algorithms are allowed"
                )
            if algorithm not in ALGORITHM_KEY_TYPES:
                raise ValueError(
                    f"unknown algorithm '{algorithm}'; choose from "
                    + ", ".join(sorted(ALGORITHM_KEY_TYPES))
                )
        return value

    @field_validator("header_name")
    @classmethod
    def _lower_case(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip().lower()


class SubgraphIdentityConfig(Section):
    """Per subgraph overrides of the global identity settings (None: the global value)."""

    forward_token: bool | None = None
    claims_header: bool | None = None


class AuthenticationConfig(Section):
    jwt: JwtConfig | None = None  # None: no verification, every request is anonymous
    forward_token: bool = True  # the verified token header, as the client sent it
    claims_header: bool = False  # x-fedra-claims + x-fedra-claims-signature (HMAC-SHA256)
    claims_secret_env: str = "FEDRA_CLAIMS_SECRET"  # the environment variable with the secret
    subgraphs: dict[str, SubgraphIdentityConfig] = {}

    def forwards_token(self, subgraph: str) -> bool:
        own = self.subgraphs.get(subgraph)
        return own.forward_token if own and own.forward_token is not None else self.forward_token

    def sends_claims_header(self, subgraph: str) -> bool:
        own = self.subgraphs.get(subgraph)
        return own.claims_header if own and own.claims_header is not None else self.claims_header

    @property
    def claims_header_anywhere(self) -> bool:
        return self.claims_header or any(own.claims_header for own in self.subgraphs.values())

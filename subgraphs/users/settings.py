"""The users service's security settings, from the environment (every limit has a default)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from subgraphs.shared.identity import audience, issuer, keys_dir

ACCESS_TOKEN_TTL_ENV = "FEDRA_AUTH_ACCESS_TOKEN_TTL"
REFRESH_TOKEN_TTL_ENV = "FEDRA_AUTH_REFRESH_TOKEN_TTL"
JWKS_MAX_AGE_ENV = "FEDRA_AUTH_JWKS_MAX_AGE"
DATA_KEYS_ENV = "FEDRA_USERS_DATA_KEYS"
LOOKUP_KEY_ENV = "FEDRA_USERS_LOOKUP_KEY"
ORDERS_SECRET_ENV = "FEDRA_SERVICE_SECRET_ORDERS"
ARGON2_TIME_COST_ENV = "FEDRA_USERS_ARGON2_TIME_COST"
ARGON2_MEMORY_KIB_ENV = "FEDRA_USERS_ARGON2_MEMORY_KIB"
ARGON2_PARALLELISM_ENV = "FEDRA_USERS_ARGON2_PARALLELISM"

# Verifiers accept tokens this many seconds past `exp` (the identity contract's leeway).
VERIFIER_LEEWAY_SECONDS = 30


@dataclass(frozen=True, slots=True)
class Argon2Parameters:
    """argon2id cost; the defaults are RFC 9106's low-memory profile (argon2-cffi's own)."""

    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 4


@dataclass(frozen=True, slots=True)
class UsersSettings:
    keys_dir: Path
    issuer: str = "fedra-users"
    audience: str = "fedra"
    access_token_ttl: int = 900
    refresh_token_ttl: int = 14 * 24 * 3600
    jwks_max_age: int = 60
    # Fernet keys, newest first; None: the dev key file in the key directory.
    data_keys: tuple[str, ...] | None = None
    # HMAC key of the email lookup column; None: the dev key file in the key directory.
    lookup_key: str | None = None
    # The orders service's client secret; None: the dev secret file in the key directory.
    orders_secret: str | None = None
    argon2: Argon2Parameters = field(default_factory=Argon2Parameters)

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, keys_directory: Path | None = None
    ) -> UsersSettings:
        source = os.environ if env is None else env
        data_keys = source.get(DATA_KEYS_ENV, "").strip()
        return cls(
            keys_dir=keys_directory if keys_directory is not None else keys_dir(),
            issuer=issuer(),
            audience=audience(),
            access_token_ttl=_positive_int(source, ACCESS_TOKEN_TTL_ENV, 900),
            refresh_token_ttl=_positive_int(source, REFRESH_TOKEN_TTL_ENV, 14 * 24 * 3600),
            jwks_max_age=_positive_int(source, JWKS_MAX_AGE_ENV, 60, allow_zero=True),
            data_keys=tuple(k.strip() for k in data_keys.split(",") if k.strip()) or None,
            lookup_key=source.get(LOOKUP_KEY_ENV) or None,
            orders_secret=source.get(ORDERS_SECRET_ENV) or None,
            argon2=Argon2Parameters(
                time_cost=_positive_int(source, ARGON2_TIME_COST_ENV, 3),
                memory_kib=_positive_int(source, ARGON2_MEMORY_KIB_ENV, 65536),
                parallelism=_positive_int(source, ARGON2_PARALLELISM_ENV, 4),
            ),
        )

    @property
    def key_lifetime_after_retirement(self) -> int:
        """How long a retired signing key stays published: its last token's lifetime + leeway."""
        return self.access_token_ttl + VERIFIER_LEEWAY_SECONDS


def _positive_int(
    source: Mapping[str, str], name: str, default: int, *, allow_zero: bool = False
) -> int:
    raw = source.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be a positive integer, got {raw!r}")
    return value

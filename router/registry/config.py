"""The registry's configuration: a YAML file (``registry.yaml``) with environment overrides.

``FEDRA_REGISTRY_DATABASE_URL`` overrides ``database_url``; ``FEDRA_REGISTRY_TOKENS_FILE`` names
a YAML file of static tokens added to the ones in the configuration file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError

from router.config.authentication import JwtConfig
from router.config.sections import Section

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///var/registry.sqlite3"
DATABASE_URL_ENV = "FEDRA_REGISTRY_DATABASE_URL"
TOKENS_FILE_ENV = "FEDRA_REGISTRY_TOKENS_FILE"

PUBLISH_SCOPE = "registry:publish"
READ_SCOPE = "registry:read"
REPORT_SCOPE = "registry:report"
SCOPES = (PUBLISH_SCOPE, READ_SCOPE, REPORT_SCOPE)


class RegistryConfigError(Exception):
    """A configuration file or tokens file that cannot be used."""


class StaticToken(Section):
    """A token by its SHA-256 (hex): ``printf %s "$TOKEN" | sha256sum``."""

    name: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    scopes: tuple[str, ...] = Field(min_length=1)


class HealthCheckConfig(Section):
    """Consul-style checks: each instance's ``GET <origin>/health`` every ``interval_seconds``;
    a failed check marks it unhealthy, ``failures_before_drop`` failures in a row drop it."""

    interval_seconds: float = Field(default=5.0, gt=0)
    timeout_seconds: float = Field(default=2.0, gt=0)
    failures_before_drop: int = Field(default=3, ge=1)
    path: str = "/health"


class RegistryConfig(Section):
    database_url: str = DEFAULT_DATABASE_URL
    tokens: tuple[StaticToken, ...] = ()
    tokens_file: str | None = None
    jwt: JwtConfig | None = None  # JWTs with a `scope` claim, verified against a JWKS
    # An instance not heard from (publish or heartbeat) within this is dropped.
    instance_ttl_seconds: float = Field(default=15.0, gt=0)
    health_check: HealthCheckConfig = HealthCheckConfig()
    # Operations reported within this window count for the usage check.
    usage_window_days: float = Field(default=7.0, gt=0)
    # Daily counts older than this are deleted (at least the window is kept).
    usage_retention_days: float = Field(default=30.0, gt=0)
    # Reject breaking changes no recorded operation uses, too.
    reject_unused_breaking_changes: bool = False
    long_poll_max_seconds: float = Field(default=30.0, ge=0)
    long_poll_interval_seconds: float = Field(default=0.25, gt=0)
    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    max_usage_operations: int = Field(default=10_000, ge=1)  # per usage report
    history_limit: int = Field(default=100, ge=1)  # versions and checks listed at most


def load_registry_config(
    path: str | Path | None = None, *, environ: Mapping[str, str] | None = None
) -> RegistryConfig:
    """The configuration in ``path`` (none: defaults), with the environment's overrides."""
    env = os.environ if environ is None else environ
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise RegistryConfigError(f"{path}: {error}") from error
        if loaded is not None and not isinstance(loaded, dict):
            raise RegistryConfigError(f"{path}: expected a mapping")
        raw = dict(loaded or {})
    if env.get(DATABASE_URL_ENV):
        raw["database_url"] = env[DATABASE_URL_ENV]
    if env.get(TOKENS_FILE_ENV):
        raw["tokens_file"] = env[TOKENS_FILE_ENV]
    try:
        config = RegistryConfig.model_validate(raw)
    except ValidationError as error:
        raise RegistryConfigError(f"{path or 'registry configuration'}: {error}") from error
    if config.tokens_file is not None:
        config = config.model_copy(
            update={"tokens": (*config.tokens, *load_tokens_file(config.tokens_file))}
        )
    return config


def load_tokens_file(path: str | Path) -> tuple[StaticToken, ...]:
    """``tokens: [{name, sha256, scopes}]`` from a YAML file."""
    try:
        loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise RegistryConfigError(f"tokens file {path}: {error}") from error
    entries = loaded.get("tokens") if isinstance(loaded, dict) else None
    if not isinstance(entries, list):
        raise RegistryConfigError(f"tokens file {path}: expected a 'tokens' list")
    try:
        return tuple(StaticToken.model_validate(entry) for entry in entries)
    except ValidationError as error:
        raise RegistryConfigError(f"tokens file {path}: {error}") from error

"""Load a ``RouterConfig`` from YAML, an environment overlay and ``FEDRA_*`` variables.

Order of precedence, lowest first:

1. the defaults of the model;
2. the YAML file (``${NAME}`` and ``${NAME:-fallback}`` in strings read the environment);
3. the overlay ``environments.<name>`` of that file, chosen by ``FEDRA_ENV`` (or ``--env``);
4. environment variables ``FEDRA_<SECTION>__<KEY>[__<KEY>...]``, for example
   ``FEDRA_SERVER__PORT=4001`` or ``FEDRA_SUBGRAPHS__USERS__URL=http://users:4001/graphql``.
   Values are read as YAML scalars, so ``true``, ``8`` and ``[a, b]`` have their types.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from router.config.model import RouterConfig

ENV_PREFIX = "FEDRA_"
ENV_SEPARATOR = "__"
ENVIRONMENT_VARIABLE = "FEDRA_ENV"
_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class ConfigError(Exception):
    """The configuration cannot be used; the message names the source and each bad key."""


def load_config(
    path: str | Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    environment: str | None = None,
) -> RouterConfig:
    env = os.environ if environ is None else environ
    source = str(path) if path is not None else "<defaults>"
    raw = _read_yaml(Path(path)) if path is not None else {}
    raw = _expand_references(raw, env, source)
    overlays = raw.pop("environments", None) or {}
    chosen = environment or env.get(ENVIRONMENT_VARIABLE)
    if chosen:
        if not isinstance(overlays, dict) or chosen not in overlays:
            raise ConfigError(f"{source}: environments.{chosen}: no such environment")
        raw = _deep_merge(raw, _require_mapping(overlays[chosen], f"environments.{chosen}"))
    raw = _deep_merge(raw, _env_overrides(env))
    try:
        return RouterConfig.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(format_validation_error(source, error)) from None


def format_validation_error(source: str, error: ValidationError) -> str:
    lines = [f"invalid configuration in {source}:"]
    for item in error.errors():
        lines.append(f"  {_key_path(item['loc'])}: {item['msg']}")
    return "\n".join(lines)


def _key_path(location: tuple[int | str, ...]) -> str:
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text or "<root>"


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read configuration file {path}: {error.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    if data is None:
        return {}
    return _require_mapping(data, str(path))


def _require_mapping(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a mapping, got {type(value).__name__}")
    return value


def _expand_references(value: Any, env: Mapping[str, str], source: str) -> Any:
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            name, fallback = match.group(1), match.group(2)
            if name in env:
                return env[name]
            if fallback is not None:
                return fallback
            raise ConfigError(f"{source}: environment variable {name} is not set")

        return _REFERENCE.sub(replace, value)
    if isinstance(value, dict):
        return {key: _expand_references(item, env, source) for key, item in value.items()}
    if isinstance(value, list):
        return [_expand_references(item, env, source) for item in value]
    return value


def _env_overrides(env: Mapping[str, str]) -> dict[str, Any]:
    sections = set(RouterConfig.model_fields)
    overrides: dict[str, Any] = {}
    for name in sorted(env):
        if not name.startswith(ENV_PREFIX):
            continue
        parts = [part.lower() for part in name[len(ENV_PREFIX) :].split(ENV_SEPARATOR)]
        if parts[0] not in sections or not all(parts):
            continue
        node = overrides
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"{name}: another FEDRA_* variable sets the key it is inside")
        if isinstance(node.get(parts[-1]), dict):
            raise ConfigError(f"{name}: other FEDRA_* variables set keys inside it")
        node[parts[-1]] = _env_value(env[name])
    return overrides


def _env_value(text: str) -> Any:
    """A YAML scalar (``8``, ``true``, ``null``) or flow collection (``[a, b]``); any other
    text, ``redis://host:6379`` or ``key:value`` included, stays the string it is."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    if isinstance(value, list | dict):
        return value if text.lstrip().startswith(("[", "{")) else text
    if value is None or isinstance(value, bool | int | float):
        return value
    return text


def _deep_merge(base: dict[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overlay.items():
        current = merged.get(key)
        if isinstance(current, dict) and isinstance(value, Mapping):
            merged[key] = _deep_merge(current, value)
        else:
            merged[key] = value
    return merged

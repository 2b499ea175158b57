"""The supergraph config, in Apollo rover's format (``supergraph.yaml``).

```yaml
federation_version: =2.7.0
subgraphs:
  users:
    routing_url: http://localhost:4001/graphql
    schema:
      file: ./schema/users.graphql          # or: subgraph_url: http://localhost:4001/graphql
```
Relative file paths are resolved against the config file's folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class ConfigError(Exception):
    """A config file that cannot be used; the message names the file and the offending key."""


@dataclass(frozen=True, slots=True)
class SubgraphConfig:
    name: str
    routing_url: str
    file: Path | None = None
    subgraph_url: str | None = None
    introspection_headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SupergraphConfig:
    path: Path
    subgraphs: tuple[SubgraphConfig, ...]
    federation_version: str | None = None


def load_supergraph_config(path: str | Path) -> SupergraphConfig:
    config_path = Path(path)
    try:
        raw = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{config_path}: cannot read: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise ConfigError(f"{config_path}: invalid YAML: {error}") from error
    return parse_supergraph_config(raw, config_path)


def parse_supergraph_config(raw: Any, config_path: Path) -> SupergraphConfig:
    where = str(config_path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping with a 'subgraphs' key")
    unknown = set(raw) - {"federation_version", "subgraphs"}
    if unknown:
        raise ConfigError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    subgraphs_raw = raw.get("subgraphs")
    if not isinstance(subgraphs_raw, dict) or not subgraphs_raw:
        raise ConfigError(f"{where}: 'subgraphs' must map subgraph names to their config")
    base = config_path.parent
    subgraphs = tuple(
        _subgraph(str(name), entry, base, f"{where}: subgraphs.{name}")
        for name, entry in subgraphs_raw.items()
    )
    version = raw.get("federation_version")
    return SupergraphConfig(
        config_path, subgraphs, None if version is None else str(version).lstrip("=")
    )


def _subgraph(name: str, entry: Any, base: Path, where: str) -> SubgraphConfig:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected a mapping with 'routing_url' and 'schema'")
    unknown = set(entry) - {"routing_url", "schema"}
    if unknown:
        raise ConfigError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    schema = entry.get("schema")
    if not isinstance(schema, dict):
        raise ConfigError(f"{where}.schema: expected 'file' or 'subgraph_url'")
    routing_url = entry.get("routing_url")
    file = schema.get("file")
    subgraph_url = schema.get("subgraph_url")
    headers = schema.get("introspection_headers") or {}
    if "graphref" in schema:
        raise ConfigError(
            f"{where}.schema.graphref: registry references are not supported; use a file"
        )
    if (file is None) == (subgraph_url is None):
        raise ConfigError(f"{where}.schema: give exactly one of 'file' or 'subgraph_url'")
    if not isinstance(headers, dict):
        raise ConfigError(f"{where}.schema.introspection_headers: expected a mapping")
    if routing_url is None:
        if subgraph_url is None:
            raise ConfigError(f"{where}.routing_url: required when the schema comes from a file")
        routing_url = subgraph_url
    return SubgraphConfig(
        name=name,
        routing_url=str(routing_url),
        file=(base / str(file)).resolve() if file is not None else None,
        subgraph_url=None if subgraph_url is None else str(subgraph_url),
        introspection_headers={str(k): str(v) for k, v in headers.items()},
    )

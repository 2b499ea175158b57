"""What the federation spec defines: its directive names, machinery types and versions."""

from __future__ import annotations

import re

FEDERATION_SPEC_PREFIX = "https://specs.apollo.dev/federation/"

# Directives of the federation spec a subgraph may import (without "@").
FEDERATION_DIRECTIVES = (
    "key",
    "external",
    "requires",
    "provides",
    "extends",
    "shareable",
    "override",
    "inaccessible",
    "tag",
    "interfaceObject",
    "composeDirective",
    "authenticated",
    "requiresScopes",
    "policy",
    "context",
    "fromContext",
    "cost",
    "listSize",
)

# Types a subgraph's SDL may carry that belong to federation, not to the schema.
MACHINERY_TYPES = frozenset(
    {"_Service", "_Any", "_Entity", "FieldSet", "_FieldSet", "link__Import", "link__Purpose"}
)
MACHINERY_TYPE_PREFIXES = ("federation__", "link__", "join__")
MACHINERY_ROOT_FIELDS = frozenset({"_service", "_entities"})

BUILTIN_DIRECTIVES = frozenset({"deprecated", "specifiedBy", "skip", "include", "oneOf"})

_VERSION = re.compile(r"^v(\d+)\.(\d+)$")


def parse_version(text: str) -> tuple[int, int] | None:
    """``"v2.7"`` → ``(2, 7)``."""
    match = _VERSION.match(text)
    return (int(match.group(1)), int(match.group(2))) if match else None


def join_version_for(federation_versions: list[tuple[int, int]]) -> str:
    """The join spec version Apollo's composition emits for the highest federation version."""
    highest = max(federation_versions, default=(2, 0))
    if highest >= (2, 8):
        return "v0.5"
    if highest >= (2, 7):
        return "v0.4"
    return "v0.3"


# Federation directives copied to the supergraph under their own spec's @link.
PASSTHROUGH_DIRECTIVES = frozenset(
    {"authenticated", "requiresScopes", "policy", "cost", "listSize"}
)

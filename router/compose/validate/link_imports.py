"""UNKNOWN_FEDERATION_LINK_VERSION and INVALID_LINK_DIRECTIVE_USAGE: a federation @link names a
known version and imports only what that version defines."""

from __future__ import annotations

from router.compose.errors import Diagnostics
from router.compose.subgraph import SubgraphSchema

# element -> the first federation version that defines it
SINCE: dict[str, tuple[int, int]] = {
    **{
        f"@{name}": (2, 0)
        for name in (
            "key",
            "requires",
            "provides",
            "external",
            "tag",
            "extends",
            "shareable",
            "inaccessible",
            "override",
        )
    },
    "FieldSet": (2, 0),
    "@composeDirective": (2, 1),
    "@interfaceObject": (2, 3),
    "@authenticated": (2, 5),
    "@requiresScopes": (2, 5),
    "Scope": (2, 5),
    "@policy": (2, 6),
    "Policy": (2, 6),
    "@context": (2, 8),
    "@fromContext": (2, 8),
    "ContextFieldValue": (2, 8),
    "@cost": (2, 9),
    "@listSize": (2, 9),
}


# the federation spec versions there are: v2.0 to v2.14
KNOWN_VERSIONS = frozenset((2, minor) for minor in range(15))


def validate_link_imports(subgraph: SubgraphSchema, diagnostics: Diagnostics) -> None:
    version = subgraph.federation_version
    if version is None:
        return
    if version not in KNOWN_VERSIONS:
        diagnostics.error(
            "UNKNOWN_FEDERATION_LINK_VERSION",
            f"[{subgraph.name}] Invalid version v{version[0]}.{version[1]} for the federation "
            "feature in @link directive on schema",
            subgraph.name,
            subgraph.schema_node,
        )
        return
    for element in subgraph.federation_imports:
        since = SINCE.get(element)
        if since is not None and since <= version:
            continue
        diagnostics.error(
            "INVALID_LINK_DIRECTIVE_USAGE",
            f'[{subgraph.name}] Cannot import unknown element "{element}".',
            subgraph.name,
            subgraph.schema_node,
        )

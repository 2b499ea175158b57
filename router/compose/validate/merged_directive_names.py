"""LINK_IMPORT_NAME_MISMATCH: @tag and @inaccessible reach the supergraph under one name, so
the subgraphs that use them must agree on it."""

from __future__ import annotations

from router.compose.errors import Diagnostics
from router.compose.federation_spec import FEDERATION_SPEC_PREFIX
from router.compose.subgraph import SubgraphSchema


def validate_merged_directive_names(
    subgraphs: list[SubgraphSchema], diagnostics: Diagnostics
) -> None:
    for directive in ("inaccessible", "tag"):
        groups: dict[str, list[SubgraphSchema]] = {}
        for subgraph in subgraphs:
            local = subgraph.names.get(directive, directive)
            if subgraph.uses_directive(local):
                groups.setdefault(f"@{local}", []).append(subgraph)
        if len(groups) < 2:
            continue
        ordered = sorted(groups.items())
        first = ordered[0][1][0]
        version = (
            f"v{first.federation_version[0]}.{first.federation_version[1]}"
            if first.federation_version
            else "v1.0"
        )
        parts = [f'"{name}" in {_subgraphs(where)}' for name, where in ordered]
        diagnostics.error(
            "LINK_IMPORT_NAME_MISMATCH",
            f'The "@{directive}" directive (from {FEDERATION_SPEC_PREFIX}{version}) is imported '
            f"with mismatched name between subgraphs: it is imported as {parts[0]} but "
            + " and ".join(parts[1:]),
            first.name,
            first.schema_node,
        )


def _subgraphs(where: list[SubgraphSchema]) -> str:
    names = [f'"{subgraph.name}"' for subgraph in where]
    if len(names) == 1:
        return f"subgraph {names[0]}"
    return f"subgraphs {', '.join(names[:-1])} and {names[-1]}"

"""DIRECTIVE_DEFINITION_INVALID: a subgraph that defines a federation directive itself must
not allow it in more places than the federation spec does."""

from __future__ import annotations

from graphql import DirectiveDefinitionNode

from router.compose.errors import Diagnostics
from router.compose.federation_definitions import FEDERATION2_DIRECTIVES
from router.compose.subgraph import SubgraphSchema


def _spec_locations(directive: str) -> list[str]:
    template = FEDERATION2_DIRECTIVES[directive]
    return [location.strip() for location in template.rsplit(" on ", 1)[1].split("|")]


def validate_directive_definitions(subgraph: SubgraphSchema, diagnostics: Diagnostics) -> None:
    by_local = {local: original for original, local in subgraph.names.items()}
    for node in subgraph.document.definitions:
        if not isinstance(node, DirectiveDefinitionNode):
            continue
        original = by_local.get(node.name.value)
        if original is None or original not in FEDERATION2_DIRECTIVES:
            continue
        expected = _spec_locations(original)
        found = [location.value for location in node.locations]
        if set(found) <= set(expected):
            continue
        name = f"@{node.name.value}"
        diagnostics.error(
            "DIRECTIVE_DEFINITION_INVALID",
            f'[{subgraph.name}] Invalid definition for directive "{name}": "{name}" should have '
            f"locations {', '.join(expected)}, but found (non-subset) {', '.join(found)}",
            subgraph.name,
            node,
        )

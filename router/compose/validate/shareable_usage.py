"""INVALID_SHAREABLE_USAGE: @shareable belongs on object types and their fields only."""

from __future__ import annotations

from router.compose.errors import Diagnostics
from router.compose.subgraph import SubgraphSchema
from router.supergraph.model import TypeKind


def validate_shareable_usage(subgraph: SubgraphSchema, diagnostics: Diagnostics) -> None:
    for subgraph_type in subgraph.types.values():
        if subgraph_type.kind is not TypeKind.INTERFACE:
            continue
        for subgraph_field in subgraph_type.fields.values():
            directive = subgraph_field.applied.get("shareable")
            if directive is None:
                continue
            diagnostics.error(
                "INVALID_SHAREABLE_USAGE",
                f'[{subgraph.name}] Invalid use of @shareable on field "{subgraph_type.name}.'
                f'{subgraph_field.name}": only object type fields can be marked with @shareable',
                subgraph.name,
                directive,
            )

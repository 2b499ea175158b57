"""EXTENSION_WITH_NO_BASE: with Federation 1 subgraphs in the set, every type extension
(``extend type`` or ``@extends``) needs a definition of that type in some subgraph."""

from __future__ import annotations

from router.compose.errors import Diagnostics
from router.compose.subgraph import SubgraphSchema
from router.supergraph.model import TypeKind


def validate_extensions_have_base(
    subgraphs: list[SubgraphSchema], diagnostics: Diagnostics
) -> None:
    if not any(subgraph.fed1 for subgraph in subgraphs):
        return
    defined: set[tuple[str, TypeKind]] = set()
    for subgraph in subgraphs:
        for subgraph_type in subgraph.types.values():
            if not subgraph_type.written_as_extension:
                defined.add((subgraph_type.name, subgraph_type.kind))
    for subgraph in subgraphs:
        for subgraph_type in subgraph.types.values():
            if not subgraph_type.written_as_extension:
                continue
            if (subgraph_type.name, subgraph_type.kind) in defined or subgraph.root_of(
                subgraph_type.name
            ):
                continue
            diagnostics.error(
                "EXTENSION_WITH_NO_BASE",
                f'[{subgraph.name}] Type "{subgraph_type.name}" is an extension type, but there '
                f'is no type definition for "{subgraph_type.name}" in any subgraph.',
                subgraph.name,
                subgraph_type.node,
            )

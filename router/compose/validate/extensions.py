"""EXTENSION_WITH_NO_BASE: a type only ever extended (``extend type``; in Federation 1 also
``@extends``) needs a definition in some subgraph."""

from __future__ import annotations

from router.compose.errors import Diagnostics
from router.compose.subgraph import SubgraphSchema, SubgraphType
from router.supergraph.model import TypeKind


def _extension_only(subgraph: SubgraphSchema, subgraph_type: SubgraphType) -> bool:
    return subgraph_type.written_as_extension or (subgraph.fed1 and subgraph_type.has_extends)


def validate_extensions_have_base(
    subgraphs: list[SubgraphSchema], diagnostics: Diagnostics
) -> set[str]:
    """Report extensions without a base; return the names of those types."""
    defined: set[tuple[str, TypeKind]] = set()
    for subgraph in subgraphs:
        for subgraph_type in subgraph.types.values():
            if not _extension_only(subgraph, subgraph_type):
                defined.add((subgraph_type.name, subgraph_type.kind))
    without_base: set[str] = set()
    for subgraph in subgraphs:
        for subgraph_type in subgraph.types.values():
            if not _extension_only(subgraph, subgraph_type):
                continue
            if (subgraph_type.name, subgraph_type.kind) in defined or subgraph.root_of(
                subgraph_type.name
            ):
                continue
            without_base.add(subgraph_type.name)
            diagnostics.error(
                "EXTENSION_WITH_NO_BASE",
                f'[{subgraph.name}] Type "{subgraph_type.name}" is an extension type, but there '
                f'is no type definition for "{subgraph_type.name}" in any subgraph.',
                subgraph.name,
                subgraph_type.node,
            )
    return without_base

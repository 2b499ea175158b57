"""EXTENSION_WITH_NO_BASE: a type only ever extended (``extend type``; in Federation 1 also
``@extends``) needs a definition in some subgraph.

Federation 1 subgraphs are checked one by one while they are upgraded (each reports its own
extensions, and TYPE_WITH_ONLY_UNUSED_EXTERNAL); Federation 2 subgraphs are checked once per
type while merging.
"""

from __future__ import annotations

from router.compose.errors import Diagnostics
from router.compose.subgraph import SubgraphSchema, SubgraphType
from router.supergraph.model import TypeKind


def _extension_only(subgraph: SubgraphSchema, subgraph_type: SubgraphType) -> bool:
    return subgraph_type.written_as_extension or (subgraph.fed1 and subgraph_type.has_extends)


def _definitions(subgraphs: list[SubgraphSchema]) -> set[tuple[str, TypeKind]]:
    return {
        (subgraph_type.name, subgraph_type.kind)
        for subgraph in subgraphs
        for subgraph_type in subgraph.types.values()
        if not _extension_only(subgraph, subgraph_type)
    }


def _check(
    subgraphs: list[SubgraphSchema],
    checked: list[SubgraphSchema],
    diagnostics: Diagnostics,
    *,
    once_per_type: bool,
) -> set[str]:
    defined = _definitions(subgraphs)
    without_base: set[str] = set()
    for subgraph in checked:
        for subgraph_type in subgraph.types.values():
            if not _extension_only(subgraph, subgraph_type):
                continue
            if (
                (subgraph_type.name, subgraph_type.kind) in defined
                or subgraph.root_of(subgraph_type.name)
                or (once_per_type and subgraph_type.name in without_base)
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


def validate_federation1_extensions(
    subgraphs: list[SubgraphSchema], diagnostics: Diagnostics
) -> set[str]:
    """The upgrade-time check of Federation 1 subgraphs; returns the types without base."""
    fed1 = [subgraph for subgraph in subgraphs if subgraph.fed1]
    failed = _check(subgraphs, fed1, diagnostics, once_per_type=False)
    for subgraph in fed1:
        for type_name in subgraph.only_unused_external:
            failed.add(type_name)
            diagnostics.error(
                "TYPE_WITH_ONLY_UNUSED_EXTERNAL",
                f"[{subgraph.name}] Type {type_name} contains only external fields and all those "
                "fields are all unused (they do not appear in any @key, @provides or @requires).",
                subgraph.name,
                subgraph.types[type_name].node,
            )
    return failed


def validate_extensions_have_base(
    subgraphs: list[SubgraphSchema], diagnostics: Diagnostics
) -> set[str]:
    """The merge-time check of Federation 2 subgraphs; returns the types without base."""
    fed2 = [subgraph for subgraph in subgraphs if not subgraph.fed1]
    return _check(subgraphs, fed2, diagnostics, once_per_type=True)

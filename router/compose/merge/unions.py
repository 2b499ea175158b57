"""Merging unions (the union of their members) and scalars."""

from __future__ import annotations

from router.compose.merge.decorations import merge_decorations
from router.compose.subgraph import SubgraphSchema, SubgraphType
from router.supergraph.model import NamedType, TypeInSubgraph, TypeKind


def _shell(
    name: str, kind: TypeKind, definitions: list[tuple[SubgraphSchema, SubgraphType]]
) -> NamedType:
    decorations = merge_decorations([t.decorations for _, t in definitions])
    named = NamedType(
        name=name,
        kind=kind,
        description=decorations.description,
        inaccessible=decorations.inaccessible,
        tags=decorations.tags,
        directives=decorations.directives,
    )
    for subgraph, _ in definitions:
        named.graphs[subgraph.name] = TypeInSubgraph(graph=subgraph.name)
    return named


def merge_union(name: str, definitions: list[tuple[SubgraphSchema, SubgraphType]]) -> NamedType:
    named = _shell(name, TypeKind.UNION, definitions)
    for subgraph, subgraph_type in definitions:
        for member in subgraph_type.members:
            named.members.setdefault(member, set()).add(subgraph.name)
    return named


def merge_scalar(name: str, definitions: list[tuple[SubgraphSchema, SubgraphType]]) -> NamedType:
    named = _shell(name, TypeKind.SCALAR, definitions)
    named.specified_by_url = next(
        (t.specified_by_url for _, t in definitions if t.specified_by_url), None
    )
    return named

"""Merging unions (the union of their members) and scalars."""

from __future__ import annotations

from router.compose.merge.context import MergeContext, subgraph_list
from router.compose.merge.decorations import merge_decorations
from router.compose.subgraph import SubgraphSchema, SubgraphType
from router.supergraph.model import AppliedDirective, NamedType, TypeInSubgraph, TypeKind


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


def merge_union(
    context: MergeContext, name: str, definitions: list[tuple[SubgraphSchema, SubgraphType]]
) -> NamedType:
    named = _shell(name, TypeKind.UNION, definitions)
    for subgraph, subgraph_type in definitions:
        for member in subgraph_type.members:
            named.members.setdefault(member, set()).add(subgraph.name)
        for context_name in subgraph_type.contexts:
            named.directives.append(
                AppliedDirective("context", f'name: "{subgraph.name}__{context_name}"')
            )
    graphs = [subgraph.name for subgraph, _ in definitions]
    for member, member_graphs in named.members.items():
        missing = [graph for graph in graphs if graph not in member_graphs]
        if missing:
            defined_in = [graph for graph in graphs if graph in member_graphs]
            context.diagnostics.hint(
                "INCONSISTENT_UNION_MEMBER",
                f'Union type "{name}" includes member type "{member}" in some but not all '
                f'defining subgraphs: "{member}" is defined in {subgraph_list(defined_in)} but '
                f"not in {subgraph_list(missing)}.",
                definitions[0][0].name,
                definitions[0][1].node,
            )
    return named


def merge_scalar(name: str, definitions: list[tuple[SubgraphSchema, SubgraphType]]) -> NamedType:
    named = _shell(name, TypeKind.SCALAR, definitions)
    named.specified_by_url = next(
        (t.specified_by_url for _, t in definitions if t.specified_by_url), None
    )
    return named

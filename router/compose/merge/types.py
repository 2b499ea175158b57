"""Merging every named type of the subgraphs into the supergraph's types."""

from __future__ import annotations

from router.compose.merge.composite import merge_composite
from router.compose.merge.context import MergeContext
from router.compose.merge.enums import enum_usages, merge_enum
from router.compose.merge.inputs import merge_input_object
from router.compose.merge.interface_objects import propagate_interface_object_fields
from router.compose.merge.unions import merge_scalar, merge_union
from router.compose.subgraph import SubgraphSchema, SubgraphType
from router.supergraph.model import NamedType, TypeInSubgraph, TypeKind

KIND_NAMES = {
    TypeKind.OBJECT: "Object Type",
    TypeKind.INTERFACE: "Interface Type",
    TypeKind.UNION: "Union Type",
    TypeKind.ENUM: "Enum Type",
    TypeKind.INPUT_OBJECT: "InputObject Type",
    TypeKind.SCALAR: "Scalar Type",
}


def _kind(subgraph_type: SubgraphType) -> TypeKind:
    return TypeKind.INTERFACE if subgraph_type.interface_object else subgraph_type.kind


def _check_kinds(
    context: MergeContext, name: str, definitions: list[tuple[SubgraphSchema, SubgraphType]]
) -> TypeKind:
    """The kind of the type: the first definition's, with TYPE_KIND_MISMATCH if others differ."""
    groups: dict[TypeKind, list[str]] = {}
    for subgraph, subgraph_type in definitions:
        groups.setdefault(_kind(subgraph_type), []).append(subgraph.name)
    if len(groups) == 1:
        return next(iter(groups))
    parts = [
        f"{KIND_NAMES[kind]} in subgraph{'s' if len(graphs) > 1 else ''} "
        + ", ".join(f'"{graph}"' for graph in graphs)
        for kind, graphs in groups.items()
    ]
    context.diagnostics.error(
        "TYPE_KIND_MISMATCH",
        f'Type "{name}" has mismatched kind: it is defined as {parts[0]} but '
        + " and ".join(parts[1:]),
        definitions[0][0].name,
        definitions[0][1].node,
    )
    return next(iter(groups))


def merge_types(context: MergeContext) -> dict[str, NamedType]:
    names: list[str] = []
    for subgraph in context.subgraphs:
        for name in subgraph.types:
            if name not in names:
                names.append(name)
    usages = enum_usages(context)
    types: dict[str, NamedType] = {}
    for name in names:
        definitions = list(context.definitions(name))
        kind = _check_kinds(context, name, definitions)
        if kind is not TypeKind.INPUT_OBJECT:
            # After a kind mismatch, merge what agrees with the first definition; an input
            # type still counts the other subgraphs, whose fields it does not have.
            definitions = [(s, t) for s, t in definitions if _kind(t) is kind]
        if kind in (TypeKind.OBJECT, TypeKind.INTERFACE):
            types[name] = merge_composite(context, name, kind, definitions)
        elif kind is TypeKind.ENUM:
            types[name] = merge_enum(context, name, definitions, usages.get(name))
        elif kind is TypeKind.INPUT_OBJECT:
            types[name] = merge_input_object(context, name, definitions)
        elif kind is TypeKind.UNION:
            types[name] = merge_union(context, name, definitions)
        else:
            types[name] = merge_scalar(name, definitions)
    _query_in_every_subgraph(context, types)
    propagate_interface_object_fields(types)
    context.types = types
    return types


def _query_in_every_subgraph(context: MergeContext, types: dict[str, NamedType]) -> None:
    """Every subgraph has a query root (it serves ``_service`` and ``_entities``)."""
    query = types.get("Query")
    if query is None:
        return
    graphs = {}
    for subgraph in context.subgraphs:
        graphs[subgraph.name] = query.graphs.get(subgraph.name) or TypeInSubgraph(subgraph.name)
    query.graphs = graphs

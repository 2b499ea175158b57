"""Merging object and interface types (entities, value types, interface objects)."""

from __future__ import annotations

from router.compose.merge.context import MergeContext
from router.compose.merge.decorations import merge_decorations
from router.compose.merge.description_hints import hint_inconsistent_descriptions
from router.compose.merge.fields import merge_field
from router.compose.subgraph import SubgraphField, SubgraphSchema, SubgraphType
from router.federation.field_sets import FieldSets
from router.supergraph.model import AppliedDirective, Key, NamedType, TypeInSubgraph, TypeKind


def _used_fields(subgraph_type: SubgraphType, field_sets: FieldSets) -> set[str]:
    used: set[str] = set()
    for key in subgraph_type.keys:
        used |= field_sets.top_level_names(key.fields)
    for subgraph_field in subgraph_type.fields.values():
        used |= field_sets.top_level_names(subgraph_field.requires)
    return used


def merge_composite(
    context: MergeContext,
    name: str,
    kind: TypeKind,
    definitions: list[tuple[SubgraphSchema, SubgraphType]],
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
    hint_inconsistent_descriptions(
        context,
        name,
        [(s.name, t.decorations.description, t.node) for s, t in definitions],
        decorations.description,
    )
    field_sources: dict[str, list[tuple[str, SubgraphField]]] = {}
    used: dict[str, set[str]] = {}
    for subgraph, subgraph_type in definitions:
        named.graphs[subgraph.name] = TypeInSubgraph(
            graph=subgraph.name,
            keys=[Key(key.fields, key.resolvable) for key in subgraph_type.keys],
            # Only an entity's extension is recorded (the join spec uses it for key jumps).
            extension=subgraph_type.extension and bool(subgraph_type.keys),
            is_interface_object=subgraph_type.interface_object,
        )
        for context_name in subgraph_type.contexts:
            named.directives.append(
                AppliedDirective("context", f'name: "{subgraph.name}__{context_name}"')
            )
        if not subgraph_type.interface_object:
            for interface in subgraph_type.interfaces:
                if interface not in named.interfaces:
                    named.interfaces.append(interface)
                named.implements.setdefault(interface, set()).add(subgraph.name)
        for field_name, subgraph_field in subgraph_type.fields.items():
            field_sources.setdefault(field_name, []).append((subgraph.name, subgraph_field))
        used[subgraph.name] = _used_fields(subgraph_type, subgraph.field_sets)
    for field_name, sources in field_sources.items():
        merged = merge_field(context, name, sources, used)
        if merged is not None:
            named.fields[field_name] = merged
    return named

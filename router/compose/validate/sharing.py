"""INVALID_FIELD_SHARING: a field resolved by several subgraphs must be @shareable in each."""

from __future__ import annotations

from router.compose.errors import Diagnostics
from router.compose.fieldset_walk import walk_field_set
from router.compose.merge.context import subgraph_list
from router.compose.subgraph import SubgraphField, SubgraphSchema
from router.federation.field_sets import FieldSetError
from router.federation.type_refs import named_type
from router.supergraph.model import NamedType, TypeKind


def _ignore(_: str) -> None:
    return None


def provided_fields(subgraph: SubgraphSchema) -> set[tuple[str, str]]:
    """(type, field) pairs some @provides of ``subgraph`` makes resolvable there."""
    provided: set[tuple[str, str]] = set()
    for subgraph_type in subgraph.types.values():
        for subgraph_field in subgraph_type.fields.values():
            if not subgraph_field.provides:
                continue
            try:
                selections = subgraph.field_sets.parse(subgraph_field.provides).selections
            except FieldSetError:
                continue
            target = named_type(subgraph_field.type)
            for item in walk_field_set(subgraph, target, selections, _ignore):
                provided.add((item.parent, item.field.name))
    return provided


def _all_key_fields(subgraph: SubgraphSchema) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for subgraph_type in subgraph.types.values():
        for key in subgraph_type.keys:
            try:
                selections = subgraph.field_sets.parse(key.fields).selections
            except FieldSetError:
                continue
            found.update(
                (item.parent, item.field.name)
                for item in walk_field_set(subgraph, subgraph_type.name, selections, _ignore)
            )
    return found


def _through_interface_objects(
    by_name: dict[str, SubgraphSchema],
    key_fields: dict[str, set[tuple[str, str]]],
    types: dict[str, NamedType],
    named: NamedType,
    field_name: str,
) -> list[tuple[str, SubgraphField, bool]]:
    """Resolvers of an implementation's field through an ``@interfaceObject`` elsewhere."""
    found: list[tuple[str, SubgraphField, bool]] = []
    for interface_name in named.interfaces:
        interface = types.get(interface_name)
        if interface is None:
            continue
        for graph, definition in interface.graphs.items():
            if not definition.is_interface_object:
                continue
            subgraph_field = by_name[graph].types[interface_name].fields.get(field_name)
            if subgraph_field is None or subgraph_field.external:
                continue
            label = f'{graph} (through @interfaceObject field "{interface_name}.{field_name}")'
            shareable = (
                subgraph_field.shareable or (interface_name, field_name) in key_fields[graph]
            )
            found.append((label, subgraph_field, shareable))
    return found


def _unknown_override_note(
    by_name: dict[str, SubgraphSchema],
    coordinate: str,
    resolvers: list[tuple[str, SubgraphField, bool]],
) -> str:
    """A hint that an @override naming no known subgraph may be a misspelling."""
    for label, subgraph_field, _ in resolvers:
        if subgraph_field.override is not None and subgraph_field.override not in by_name:
            return (
                f' (please note that "{coordinate}" has an @override directive in '
                f'"{label.split(" ")[0]}" that targets an unknown subgraph so this could be due '
                "to misspelling the @override(from:) argument)"
            )
    return ""


def validate_sharing(
    subgraphs: list[SubgraphSchema], types: dict[str, NamedType], diagnostics: Diagnostics
) -> None:
    provided = {subgraph.name: provided_fields(subgraph) for subgraph in subgraphs}
    key_fields = {subgraph.name: _all_key_fields(subgraph) for subgraph in subgraphs}
    by_name = {subgraph.name: subgraph for subgraph in subgraphs}
    for named in types.values():
        if named.kind is not TypeKind.OBJECT:
            continue
        for merged in named.fields.values():
            resolvers: list[tuple[str, SubgraphField, bool]] = []
            resolvers.extend(
                _through_interface_objects(by_name, key_fields, types, named, merged.name)
            )
            for graph, source in merged.sources.items():
                subgraph = by_name[graph]
                subgraph_type = subgraph.types.get(named.name)
                if subgraph_type is None or subgraph_type.interface_object:
                    continue
                subgraph_field = subgraph_type.fields[merged.name]
                if source.used_overridden:
                    continue
                if source.override_label is not None and source.override is None:
                    continue
                if source.external:
                    if (named.name, merged.name) in provided[graph]:
                        resolvers.append((graph, subgraph_field, True))
                    continue
                shareable = (
                    subgraph_field.shareable or (named.name, merged.name) in key_fields[graph]
                )
                resolvers.append((graph, subgraph_field, shareable))
            if len(resolvers) < 2 or all(shareable for _, _, shareable in resolvers):
                continue
            resolvers.sort(key=lambda item: list(by_name).index(item[0].split(" ")[0]))
            non_shareable = [graph for graph, _, shareable in resolvers if not shareable]
            where = (
                "all of them"
                if len(non_shareable) == len(resolvers)
                else subgraph_list(non_shareable)
            )
            diagnostics.error(
                "INVALID_FIELD_SHARING",
                f'Non-shareable field "{named.name}.{merged.name}" is resolved from multiple '
                f"subgraphs: it is resolved from {subgraph_list([g for g, _, _ in resolvers])} "
                f"and defined as non-shareable in {where}"
                + _unknown_override_note(by_name, f"{named.name}.{merged.name}", resolvers),
                resolvers[0][0].split(" ")[0],
                resolvers[0][1].node,
            )

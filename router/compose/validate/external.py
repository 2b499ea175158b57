"""@external: EXTERNAL_UNUSED (in one subgraph) and EXTERNAL_MISSING_ON_BASE (across them)."""

from __future__ import annotations

from router.compose.context_selections import fields_read_by_contexts
from router.compose.errors import Diagnostics
from router.compose.fieldset_walk import SelectedField, walk_field_set
from router.compose.merge.context import subgraph_list
from router.compose.subgraph import SubgraphSchema
from router.federation.field_sets import FieldSetError
from router.supergraph.model import NamedType


def _key_fields(subgraph: SubgraphSchema) -> set[tuple[str, str]]:
    used: set[tuple[str, str]] = set()
    for subgraph_type in subgraph.types.values():
        for key in subgraph_type.keys:
            try:
                selections = subgraph.field_sets.parse(key.fields).selections
            except FieldSetError:
                continue
            for item in walk_field_set(subgraph, subgraph_type.name, selections, _ignore):
                used.add((item.parent, item.field.name))
    return used


def _ignore(_: str) -> None:
    return None


def _interface_fields(subgraph: SubgraphSchema) -> set[tuple[str, str]]:
    used: set[tuple[str, str]] = set()
    for subgraph_type in subgraph.types.values():
        for interface_name in subgraph_type.interfaces:
            interface = subgraph.types.get(interface_name)
            if interface is not None:
                used.update((subgraph_type.name, name) for name in interface.fields)
    return used


def validate_external_used(
    subgraph: SubgraphSchema, selected: list[SelectedField], diagnostics: Diagnostics
) -> None:
    """EXTERNAL_UNUSED: an @external field no key, @requires, @provides, @fromContext or
    interface needs."""
    if subgraph.fed1:
        return
    used = _key_fields(subgraph) | _interface_fields(subgraph)
    used.update((item.parent, item.field.name) for item in selected)
    used.update((item.parent, item.field.name) for item in fields_read_by_contexts(subgraph))
    for subgraph_type in subgraph.types.values():
        for subgraph_field in subgraph_type.fields.values():
            if not subgraph_field.external or (subgraph_type.name, subgraph_field.name) in used:
                continue
            diagnostics.error(
                "EXTERNAL_UNUSED",
                f'[{subgraph.name}] Field "{subgraph_type.name}.{subgraph_field.name}" is marked '
                "@external but is not used in any federation directive (@key, @provides, "
                "@requires) or to satisfy an interface; the field declaration has no use and "
                "should be removed (or the field should not be @external).",
                subgraph.name,
                subgraph_field.applied.get("external", subgraph_field.node),
            )


def validate_external_on_base(
    subgraphs: list[SubgraphSchema],
    types: dict[str, NamedType],
    skipped: set[str],
    diagnostics: Diagnostics,
) -> None:
    """EXTERNAL_MISSING_ON_BASE: an @external field that no subgraph defines for real.

    Types in ``skipped`` (already reported) and definitions of another kind than the merged
    type are left out.
    """
    external: dict[tuple[str, str], list[SubgraphSchema]] = {}
    defined: set[tuple[str, str]] = set()
    for subgraph in subgraphs:
        for subgraph_type in subgraph.types.values():
            merged = types.get(subgraph_type.name)
            if subgraph_type.name in skipped or merged is None:
                continue
            if subgraph_type.kind is not merged.kind and not subgraph_type.interface_object:
                continue
            for subgraph_field in subgraph_type.fields.values():
                coordinate = (subgraph_type.name, subgraph_field.name)
                if subgraph_field.external:
                    external.setdefault(coordinate, []).append(subgraph)
                else:
                    defined.add(coordinate)
    for (type_name, field_name), where in external.items():
        if (type_name, field_name) in defined:
            continue
        first = where[0].types[type_name].fields[field_name]
        diagnostics.error(
            "EXTERNAL_MISSING_ON_BASE",
            f'Field "{type_name}.{field_name}" is marked @external on all the subgraphs in which '
            f"it is listed ({subgraph_list([s.name for s in where])}).",
            where[0].name,
            first.node,
        )


def validate_merged_directives_on_external(
    subgraphs: list[SubgraphSchema], diagnostics: Diagnostics
) -> None:
    """MERGED_DIRECTIVE_APPLICATION_ON_EXTERNAL: @inaccessible / @tag on an @external copy of
    a field another subgraph defines (they belong on the definition)."""
    defined = {
        (subgraph_type.name, subgraph_field.name)
        for subgraph in subgraphs
        for subgraph_type in subgraph.types.values()
        for subgraph_field in subgraph_type.fields.values()
        if not subgraph_field.external
    }
    for subgraph in subgraphs:
        for subgraph_type in subgraph.types.values():
            for subgraph_field in subgraph_type.fields.values():
                if not subgraph_field.external:
                    continue
                if (subgraph_type.name, subgraph_field.name) not in defined:
                    continue
                for name in ("inaccessible", "tag"):
                    if name not in subgraph_field.applied:
                        continue
                    diagnostics.error(
                        "MERGED_DIRECTIVE_APPLICATION_ON_EXTERNAL",
                        f"[{subgraph.name}] Cannot apply merged directive @{name} to external "
                        f'field "{subgraph_type.name}.{subgraph_field.name}"',
                        subgraph.name,
                        subgraph_field.node,
                    )

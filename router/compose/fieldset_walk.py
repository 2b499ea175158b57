"""Checking a FieldSet against the types of one subgraph."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from router.compose.subgraph import SubgraphField, SubgraphSchema
from router.federation.field_sets import FieldSelection
from router.federation.type_refs import named_type
from router.supergraph.model import TypeKind


@dataclass(frozen=True, slots=True)
class SelectedField:
    parent: str
    field: SubgraphField
    selection: FieldSelection
    under_external: bool = False  # some enclosing selected field is @external


def walk_field_set(
    subgraph: SubgraphSchema,
    type_name: str,
    selections: tuple[FieldSelection, ...],
    on_problem: Callable[[str], None],
    under_external: bool = False,
) -> list[SelectedField]:
    """Every field ``selections`` reaches from ``type_name``; problems are reported as text."""
    found: list[SelectedField] = []
    parent = subgraph.types.get(type_name)
    if parent is None:
        on_problem(f'Unknown type "{type_name}"')
        return found
    for selection in selections:
        if selection.is_fragment:
            condition = selection.type_condition or type_name
            found.extend(
                walk_field_set(
                    subgraph, condition, selection.selections, on_problem, under_external
                )
            )
            continue
        if selection.name == "__typename":
            continue
        subgraph_field = parent.fields.get(selection.name)
        if subgraph_field is None:
            on_problem(f'Cannot query field "{selection.name}" on type "{type_name}"')
            continue
        found.append(SelectedField(type_name, subgraph_field, selection, under_external))
        target_name = named_type(subgraph_field.type)
        target = subgraph.types.get(target_name)
        composite = target is not None and target.kind in (
            TypeKind.OBJECT,
            TypeKind.INTERFACE,
            TypeKind.UNION,
        )
        if composite and not selection.selections:
            on_problem(
                f'Field "{type_name}.{selection.name}" of type "{subgraph_field.type}" must have '
                "a selection of subfields"
            )
        elif not composite and selection.selections:
            on_problem(
                f'Field "{type_name}.{selection.name}" must not have a selection since type '
                f'"{subgraph_field.type}" has no subfields'
            )
        elif composite:
            found.extend(
                walk_field_set(
                    subgraph,
                    target_name,
                    selection.selections,
                    on_problem,
                    under_external or subgraph_field.external,
                )
            )
    return found

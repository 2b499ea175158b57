"""@requires and @provides: REQUIRES_INVALID_FIELDS, PROVIDES_INVALID_FIELDS, their
*_MISSING_EXTERNAL companions and PROVIDES_ON_NON_OBJECT_FIELD."""

from __future__ import annotations

from router.compose.errors import Diagnostics
from router.compose.fieldset_walk import SelectedField, walk_field_set
from router.compose.subgraph import (
    SubgraphField,
    SubgraphSchema,
    SubgraphType,
)
from router.federation.field_sets import FieldSetError
from router.federation.type_refs import named_type
from router.supergraph.model import TypeKind


def _check(
    subgraph: SubgraphSchema,
    parent: SubgraphType,
    subgraph_field: SubgraphField,
    directive: str,
    diagnostics: Diagnostics,
) -> list[SelectedField]:
    fields = subgraph_field.requires if directive == "requires" else subgraph_field.provides
    assert fields is not None
    code = "REQUIRES_INVALID_FIELDS" if directive == "requires" else "PROVIDES_INVALID_FIELDS"
    node = subgraph_field.applied.get(directive, subgraph_field.node)
    prefix = (
        f'[{subgraph.name}] On field "{parent.name}.{subgraph_field.name}", '
        f'for @{directive}(fields: "{fields}"): '
    )
    target = parent.name if directive == "requires" else named_type(subgraph_field.type)
    target_type = subgraph.types.get(target)
    if directive == "provides" and (
        target_type is None
        or target_type.kind not in (TypeKind.OBJECT, TypeKind.INTERFACE, TypeKind.UNION)
    ):
        return []
    try:
        selections = subgraph.field_sets.parse(fields).selections
    except FieldSetError as error:
        diagnostics.error(code, prefix + str(error), subgraph.name, node)
        return []
    problems: list[str] = []
    selected = walk_field_set(subgraph, target, selections, problems.append)
    for problem in problems:
        hint = ""
        if problem.startswith("Cannot query field"):
            hint = (
                " (if the field is defined in another subgraph, you need to add it to this "
                "subgraph with @external)."
            )
        diagnostics.error(code, prefix + problem + hint, subgraph.name, node)
    if problems or subgraph.fed1:
        return selected
    for item in selected:
        if item.field.external or item.under_external or item.selection.selections:
            continue
        if directive == "requires":
            diagnostics.error(
                "REQUIRES_FIELDS_MISSING_EXTERNAL",
                prefix + f'field "{item.parent}.{item.field.name}" should not be part of a '
                "@requires since it is already provided by this subgraph (it is not marked "
                "@external)",
                subgraph.name,
                node,
            )
        else:
            diagnostics.error(
                "PROVIDES_FIELDS_MISSING_EXTERNAL",
                prefix + f'field "{item.parent}.{item.field.name}" should not be part of a '
                "@provides since it is already provided by this subgraph (it is not marked "
                "@external)",
                subgraph.name,
                node,
            )
    return selected


def validate_requires_provides(
    subgraph: SubgraphSchema, diagnostics: Diagnostics
) -> list[SelectedField]:
    """Report problems; return every field a valid @requires or @provides selects."""
    used: list[SelectedField] = []
    for parent in subgraph.types.values():
        for subgraph_field in parent.fields.values():
            if subgraph_field.requires is not None:
                used.extend(_check(subgraph, parent, subgraph_field, "requires", diagnostics))
            if subgraph_field.provides is not None:
                used.extend(_check(subgraph, parent, subgraph_field, "provides", diagnostics))
    return used


def validate_provides_targets(subgraph: SubgraphSchema, diagnostics: Diagnostics) -> None:
    """PROVIDES_ON_NON_OBJECT_FIELD: @provides on a field whose type has no fields."""
    for parent in subgraph.types.values():
        for subgraph_field in parent.fields.values():
            if subgraph_field.provides is None:
                continue
            target = subgraph.types.get(named_type(subgraph_field.type))
            if target is not None and target.kind in (
                TypeKind.OBJECT,
                TypeKind.INTERFACE,
                TypeKind.UNION,
            ):
                continue
            diagnostics.error(
                "PROVIDES_ON_NON_OBJECT_FIELD",
                f'[{subgraph.name}] Invalid @provides directive on field "{parent.name}.'
                f'{subgraph_field.name}": field has type "{subgraph_field.type}" which is not a '
                "Composite Type",
                subgraph.name,
                subgraph_field.applied.get("provides", subgraph_field.node),
            )
            return  # the subgraph is not processed further, as Apollo's composition does

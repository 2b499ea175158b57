"""@key rules: KEY_INVALID_FIELDS, KEY_FIELDS_SELECT_INVALID_TYPE, KEY_FIELDS_HAS_ARGS and
INTERFACE_KEY_NOT_ON_IMPLEMENTATION."""

from __future__ import annotations

from graphql import print_ast

from router.compose.errors import Diagnostics
from router.compose.fieldset_walk import walk_field_set
from router.compose.subgraph import SubgraphKey, SubgraphSchema, SubgraphType
from router.federation.field_sets import FieldSetError
from router.federation.type_refs import named_type
from router.supergraph.model import TypeKind

_INVALID_KINDS = {TypeKind.INTERFACE: "Interface", TypeKind.UNION: "Union"}


def _normalized(fields: str) -> str:
    return " ".join(fields.replace(",", " ").split())


def _validate_key(
    subgraph: SubgraphSchema,
    subgraph_type: SubgraphType,
    key: SubgraphKey,
    diagnostics: Diagnostics,
) -> None:
    prefix = f'[{subgraph.name}] On type "{subgraph_type.name}", for {print_ast(key.node)}: '
    try:
        selections = subgraph.field_sets.parse(key.fields).selections
    except FieldSetError as error:
        diagnostics.error("KEY_INVALID_FIELDS", prefix + str(error), subgraph.name, key.node)
        return
    problems: list[str] = []
    selected = walk_field_set(subgraph, subgraph_type.name, selections, problems.append)
    for problem in problems:
        hint = ""
        if problem.startswith("Cannot query field"):
            hint = (
                " (the field should either be added to this subgraph or, if it should not be "
                "resolved by this subgraph, you need to add it to this subgraph with @external)."
            )
        diagnostics.error("KEY_INVALID_FIELDS", prefix + problem + hint, subgraph.name, key.node)
    for item in selected:
        coordinate = f"{item.parent}.{item.field.name}"
        if item.field.arguments:
            diagnostics.error(
                "KEY_FIELDS_HAS_ARGS",
                prefix + f"field {coordinate} cannot be included because it has arguments "
                f"(fields with argument are not allowed in @key)",
                subgraph.name,
                key.node,
            )
        target = subgraph.types.get(named_type(item.field.type))
        if target is not None and target.kind in _INVALID_KINDS:
            diagnostics.error(
                "KEY_FIELDS_SELECT_INVALID_TYPE",
                prefix + f'field "{coordinate}" is a {_INVALID_KINDS[target.kind]} type which '
                "is not allowed in @key",
                subgraph.name,
                key.node,
            )


def validate_keys(subgraph: SubgraphSchema, diagnostics: Diagnostics) -> None:
    for subgraph_type in subgraph.types.values():
        for key in subgraph_type.keys:
            _validate_key(subgraph, subgraph_type, key, diagnostics)
        if subgraph_type.kind is TypeKind.INTERFACE and subgraph_type.keys:
            _validate_interface_keys(subgraph, subgraph_type, diagnostics)


def _validate_interface_keys(
    subgraph: SubgraphSchema, interface: SubgraphType, diagnostics: Diagnostics
) -> None:
    for implementation in subgraph.types.values():
        if interface.name not in implementation.interfaces:
            continue
        present = {_normalized(key.fields) for key in implementation.keys}
        for key in interface.keys:
            if _normalized(key.fields) in present:
                continue
            diagnostics.error(
                "INTERFACE_KEY_NOT_ON_IMPLEMENTATION",
                f'[{subgraph.name}] Key @key(fields: "{key.fields}") on interface type '
                f'"{interface.name}" is missing on implementation type "{implementation.name}".',
                subgraph.name,
                implementation.node,
            )

"""@listSize targets: LIST_SIZE_APPLIED_TO_NON_LIST, LIST_SIZE_INVALID_ASSUMED_SIZE,
LIST_SIZE_INVALID_SLICING_ARGUMENT and LIST_SIZE_INVALID_SIZED_FIELD."""

from __future__ import annotations

from graphql.language import (
    ConstDirectiveNode,
    IntValueNode,
    ListValueNode,
    StringValueNode,
    ValueNode,
)

from router.compose.errors import Diagnostics
from router.compose.subgraph import SubgraphField, SubgraphSchema
from router.federation.type_refs import named_type, parse_type_ref
from router.supergraph.model import TypeKind

_COMPOSITE = (TypeKind.OBJECT, TypeKind.INTERFACE, TypeKind.UNION)
LIST_SIZE_SINCE = (2, 9)


def _argument(directive: ConstDirectiveNode, name: str) -> ValueNode | None:
    return next((a.value for a in directive.arguments or () if a.name.value == name), None)


def _strings(value: ValueNode | None) -> list[str]:
    if not isinstance(value, ListValueNode):
        return [value.value] if isinstance(value, StringValueNode) else []
    return [item.value for item in value.values if isinstance(item, StringValueNode)]


def _is_list(type_string: str) -> bool:
    return parse_type_ref(type_string).is_list


def validate_list_size(subgraph: SubgraphSchema, diagnostics: Diagnostics) -> None:
    version = subgraph.federation_version
    if version is None or version < LIST_SIZE_SINCE:
        return
    local_name = subgraph.names.get("listSize", "listSize")
    for subgraph_type in subgraph.types.values():
        for subgraph_field in subgraph_type.fields.values():
            for directive in subgraph_field.node.directives or ():
                if directive.name.value == local_name:
                    coordinate = f"{subgraph_type.name}.{subgraph_field.name}"
                    _validate(subgraph, coordinate, subgraph_field, directive, diagnostics)


def _validate(
    subgraph: SubgraphSchema,
    coordinate: str,
    subgraph_field: SubgraphField,
    directive: ConstDirectiveNode,
    diagnostics: Diagnostics,
) -> None:
    def error(code: str, message: str) -> None:
        diagnostics.error(code, f"[{subgraph.name}] {message}", subgraph.name, directive)

    sized_fields = _strings(_argument(directive, "sizedFields"))
    if not sized_fields and not _is_list(subgraph_field.type):
        error("LIST_SIZE_APPLIED_TO_NON_LIST", f'"{coordinate}" is not a list')
    assumed_size = _argument(directive, "assumedSize")
    if isinstance(assumed_size, IntValueNode) and int(assumed_size.value) < 0:
        error(
            "LIST_SIZE_INVALID_ASSUMED_SIZE", f'Assumed size of "{coordinate}" cannot be negative'
        )
    for name in _strings(_argument(directive, "slicingArguments")):
        argument = subgraph_field.arguments.get(name)
        if argument is None:
            error(
                "LIST_SIZE_INVALID_SLICING_ARGUMENT",
                f'Slicing argument "{name}" is not an argument of "{coordinate}"',
            )
        elif argument.type not in ("Int", "Int!"):
            error(
                "LIST_SIZE_INVALID_SLICING_ARGUMENT",
                f'Slicing argument "{coordinate}({name}:)" must be Int or Int!',
            )
    if not sized_fields:
        return
    target_name = named_type(subgraph_field.type)
    target = subgraph.types.get(target_name)
    if target is None or target.kind not in _COMPOSITE:
        error(
            "LIST_SIZE_INVALID_SIZED_FIELD",
            f'Sized fields cannot be used because "{subgraph_field.type}" is not a composite type',
        )
        return
    for name in sized_fields:
        sized = target.fields.get(name)
        if sized is None:
            error(
                "LIST_SIZE_INVALID_SIZED_FIELD",
                f'Sized field "{name}" is not a field on type "{target_name}"',
            )
        elif not _is_list(sized.type):
            error(
                "LIST_SIZE_APPLIED_TO_NON_LIST", f'Sized field "{target_name}.{name}" is not a list'
            )

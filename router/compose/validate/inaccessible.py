"""@inaccessible: REFERENCED_INACCESSIBLE, ONLY_INACCESSIBLE_CHILDREN and
QUERY_ROOT_TYPE_INACCESSIBLE on the merged types."""

from __future__ import annotations

from graphql import Node

from router.compose.errors import Diagnostics
from router.compose.subgraph import SubgraphSchema
from router.federation.type_refs import named_type, parse_type_ref
from router.supergraph.model import NamedType, TypeKind


def _marked_at(subgraphs: list[SubgraphSchema], type_name: str) -> tuple[str | None, Node | None]:
    for subgraph in subgraphs:
        subgraph_type = subgraph.types.get(type_name)
        if subgraph_type is not None and subgraph_type.decorations.inaccessible:
            return subgraph.name, subgraph_type.node
    return None, None


def validate_inaccessible(
    subgraphs: list[SubgraphSchema], types: dict[str, NamedType], diagnostics: Diagnostics
) -> None:
    hidden = {name for name, named in types.items() if named.inaccessible}
    if "Query" in hidden:
        diagnostics.error(
            "QUERY_ROOT_TYPE_INACCESSIBLE",
            'Type "Query" is @inaccessible but is the root query type, which must be in the API '
            "schema.",
            *_marked_at(subgraphs, "Query"),
        )
    for named in types.values():
        if named.inaccessible:
            continue
        references: list[tuple[str, str]] = []
        for merged in named.fields.values():
            if merged.inaccessible:
                continue
            references.append((f"{named.name}.{merged.name}", merged.type))
            references.extend(
                (f"{named.name}.{merged.name}({argument.name}:)", argument.type)
                for argument in merged.arguments.values()
                if not argument.inaccessible
            )
        references.extend(
            (f"{named.name}.{value.name}", value.type)
            for value in named.input_fields.values()
            if not value.inaccessible
        )
        for coordinate, type_string in references:
            target = named_type(type_string)
            if target in hidden:
                diagnostics.error(
                    "REFERENCED_INACCESSIBLE",
                    f'Type "{target}" is @inaccessible but is referenced by "{coordinate}", '
                    "which is in the API schema.",
                    *_marked_at(subgraphs, target),
                )
        for merged in named.fields.values():
            for argument in merged.arguments.values():
                if (
                    argument.inaccessible
                    and parse_type_ref(argument.type).non_null
                    and (argument.default_value is None)
                ):
                    diagnostics.error(
                        "REQUIRED_INACCESSIBLE",
                        f'Argument "{named.name}.{merged.name}({argument.name}:)" is '
                        "@inaccessible but is a required argument of its field.",
                    )
        for value in named.input_fields.values():
            if (
                value.inaccessible
                and parse_type_ref(value.type).non_null
                and value.default_value is None
            ):
                diagnostics.error(
                    "REQUIRED_INACCESSIBLE",
                    f'Input field "{named.name}.{value.name}" is @inaccessible but is a required '
                    "input field of its type.",
                )
        for merged in named.fields.values():
            if not merged.inaccessible:
                continue
            for interface_name in named.interfaces:
                interface = types.get(interface_name)
                interface_field = interface.fields.get(merged.name) if interface else None
                if interface is None or interface.inaccessible or interface_field is None:
                    continue
                if interface_field.inaccessible:
                    continue
                diagnostics.error(
                    "IMPLEMENTED_BY_INACCESSIBLE",
                    f'Field "{named.name}.{merged.name}" is @inaccessible but implements the '
                    f'interface field "{interface_name}.{merged.name}", which is in the API '
                    "schema.",
                )
        children: list[bool] = []
        if named.kind in (TypeKind.OBJECT, TypeKind.INTERFACE):
            children = [merged.inaccessible for merged in named.fields.values()]
        elif named.kind is TypeKind.INPUT_OBJECT:
            children = [value.inaccessible for value in named.input_fields.values()]
        elif named.kind is TypeKind.ENUM:
            children = [value.inaccessible for value in named.values.values()]
        elif named.kind is TypeKind.UNION:
            children = [member in hidden for member in named.members]
        if children and all(children):
            kind = {
                TypeKind.OBJECT: "Type",
                TypeKind.INTERFACE: "Type",
                TypeKind.INPUT_OBJECT: "Type",
                TypeKind.ENUM: "Type",
                TypeKind.UNION: "Type",
            }[named.kind]
            element = {TypeKind.ENUM: "values", TypeKind.UNION: "members"}.get(named.kind, "fields")
            diagnostics.error(
                "ONLY_INACCESSIBLE_CHILDREN",
                f'{kind} "{named.name}" is in the API schema but all of its {element} are '
                "@inaccessible.",
            )

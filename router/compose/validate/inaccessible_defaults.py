"""DEFAULT_VALUE_USES_INACCESSIBLE: a default value in the API schema names an @inaccessible
enum value or input field."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLSyntaxError, Node, parse_value
from graphql.language import EnumValueNode, ListValueNode, ObjectValueNode, ValueNode

from router.compose.errors import Diagnostics
from router.compose.subgraph import SubgraphSchema
from router.federation.type_refs import TypeRef, parse_type_ref
from router.supergraph.model import InputValue, NamedType, TypeKind

# a referenced element: (type name, enum value or input field name)
Reference = tuple[str, str]


def _references(
    value: ValueNode, type_ref: TypeRef, types: dict[str, NamedType]
) -> Iterator[Reference]:
    if type_ref.item is not None:
        items = value.values if isinstance(value, ListValueNode) else (value,)
        for item in items:
            yield from _references(item, type_ref.item, types)
        return
    named = types.get(type_ref.named)
    if named is None:
        return
    if named.kind is TypeKind.ENUM and isinstance(value, EnumValueNode):
        yield (named.name, value.value)
    elif named.kind is TypeKind.INPUT_OBJECT and isinstance(value, ObjectValueNode):
        given = {field.name.value: field.value for field in value.fields}
        for input_field in named.input_fields.values():
            field_value = given.get(input_field.name)
            if field_value is not None:
                yield (named.name, input_field.name)
                yield from _references(field_value, parse_type_ref(input_field.type), types)


def _referencers(types: dict[str, NamedType]) -> Iterator[tuple[str, InputValue]]:
    """Every argument and input field of the API schema that has a default value."""
    for named in types.values():
        if named.inaccessible:
            continue
        for merged in named.fields.values():
            if merged.inaccessible:
                continue
            for argument in merged.arguments.values():
                if not argument.inaccessible:
                    yield f"{named.name}.{merged.name}({argument.name}:)", argument
        for input_field in named.input_fields.values():
            if not input_field.inaccessible:
                yield f"{named.name}.{input_field.name}", input_field


def _defined_at(subgraphs: list[SubgraphSchema], type_name: str) -> tuple[str | None, Node | None]:
    for subgraph in subgraphs:
        subgraph_type = subgraph.types.get(type_name)
        if subgraph_type is not None:
            return subgraph.name, subgraph_type.node
    return None, None


def _hidden_element(reference: Reference, types: dict[str, NamedType]) -> str | None:
    """``Enum value`` or ``Input field`` when the referenced element is @inaccessible."""
    named = types[reference[0]]
    if named.inaccessible:
        return None  # REFERENCED_INACCESSIBLE reports the type itself
    value = named.values.get(reference[1])
    if value is not None and value.inaccessible:
        return "Enum value"
    input_field = named.input_fields.get(reference[1])
    if input_field is not None and input_field.inaccessible:
        return "Input field"
    return None


def validate_inaccessible_defaults(
    subgraphs: list[SubgraphSchema], types: dict[str, NamedType], diagnostics: Diagnostics
) -> None:
    for coordinate, referencer in _referencers(types):
        if referencer.default_value is None:
            continue
        try:
            value = parse_value(referencer.default_value, no_location=True)
        except GraphQLSyntaxError:
            continue
        for reference in dict.fromkeys(_references(value, parse_type_ref(referencer.type), types)):
            element = _hidden_element(reference, types)
            if element is None:
                continue
            diagnostics.error(
                "DEFAULT_VALUE_USES_INACCESSIBLE",
                f'{element} "{reference[0]}.{reference[1]}" is @inaccessible but is used in the '
                f'default value of "{coordinate}", which is in the API schema.',
                *_defined_at(subgraphs, reference[0]),
            )

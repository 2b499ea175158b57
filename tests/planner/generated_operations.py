"""Operations that select everything reachable from each root field, down to a depth."""

from __future__ import annotations

from graphql import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
    is_leaf_type,
    is_non_null_type,
)
from graphql.pyutils import Undefined


def select_everything(schema: GraphQLSchema, depth: int) -> dict[str, str]:
    """One query per root field (required arguments become variables)."""
    operations: dict[str, str] = {}
    for name, field in schema.query_type.fields.items() if schema.query_type else ():
        required = _required_arguments(field)
        definitions = ", ".join(f"${arg}: {field.args[arg].type}" for arg in required)
        call = "(" + ", ".join(f"{arg}: ${arg}" for arg in required) + ")" if required else ""
        header = f"query({definitions})" if definitions else "query"
        operations[name] = f"{header} {{ {name}{call} {_selection(schema, field.type, depth)} }}"
    return operations


def _required_arguments(field: GraphQLField) -> list[str]:
    return [
        name
        for name, argument in field.args.items()
        if is_non_null_type(argument.type) and argument.default_value is Undefined
    ]


def _selection(schema: GraphQLSchema, type_: GraphQLOutputType, depth: int) -> str:
    named = get_named_type(type_)
    if is_leaf_type(named):
        return ""
    if depth <= 0:
        return "{ __typename }"
    parts: list[str] = []
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        for name, field in named.fields.items():
            if not _required_arguments(field):
                parts.append(f"{name} {_selection(schema, field.type, depth - 1)}".strip())
    if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
        for possible in schema.get_possible_types(named):
            parts.append(f"... on {possible.name} {_selection(schema, possible, depth - 1)}")
        parts.append("__typename")
    return "{ " + " ".join(parts) + " }"

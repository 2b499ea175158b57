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
    """One operation per query and mutation root field (required arguments become
    variables), keyed by ``query.<field>`` / ``mutation.<field>``."""
    operations: dict[str, str] = {}
    for kind, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        all_definitions: list[str] = []
        all_fields: list[str] = []
        for name, field in root.fields.items() if root else ():
            required = _required_arguments(field)
            definitions = [f"${name}_{arg}: {field.args[arg].type}" for arg in required]
            call = ", ".join(f"{arg}: ${name}_{arg}" for arg in required)
            text = f"{name}{f'({call})' if call else ''} {_selection(schema, field.type, depth)}"
            operations[f"{kind}.{name}"] = _operation(kind, definitions, [text])
            all_definitions += definitions
            all_fields.append(text)
        if len(all_fields) > 1:
            operations[f"{kind}.*"] = _operation(kind, all_definitions, all_fields)
    return operations


def _operation(kind: str, definitions: list[str], fields: list[str]) -> str:
    header = f"{kind}({', '.join(definitions)})" if definitions else kind
    return f"{header} {{ {' '.join(fields)} }}"


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

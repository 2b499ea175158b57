"""INVALID_GRAPHQL: the subgraph SDL must be a valid GraphQL schema (federation aside)."""

from __future__ import annotations

import re

from graphql import (
    DefinitionNode,
    DirectiveDefinitionNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    GraphQLError,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    Node,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    build_ast_schema,
    parse,
    validate_schema,
)
from graphql.validation.validate import validate_sdl

from router.compose.errors import Diagnostics
from router.compose.federation_definitions import FEDERATION2_ONLY, federation_definitions
from router.compose.subgraph import SubgraphSchema

_DEFINITION_OF: dict[type[Node], type[TypeDefinitionNode]] = {
    ObjectTypeExtensionNode: ObjectTypeDefinitionNode,
    InterfaceTypeExtensionNode: InterfaceTypeDefinitionNode,
    UnionTypeExtensionNode: UnionTypeDefinitionNode,
    EnumTypeExtensionNode: EnumTypeDefinitionNode,
    InputObjectTypeExtensionNode: InputObjectTypeDefinitionNode,
    ScalarTypeExtensionNode: ScalarTypeDefinitionNode,
}
_IGNORED_SCHEMA_ERRORS = ("Query root type must be provided.",)
_UNKNOWN_TYPE = re.compile(r"^Unknown type '([_A-Za-z][_0-9A-Za-z]*)'\.(.*)$")
_UNKNOWN_DIRECTIVE = re.compile(r"^Unknown directive '@([_A-Za-z][_0-9A-Za-z]*)'\.$")
_LOCATION_NAME = re.compile(r"may not be used on ([a-z][a-z ]*)\.")
_SINGLE_QUOTED = re.compile(r"'([^'\s]+)'")


def _validation_document(subgraph: SubgraphSchema) -> DocumentNode:
    """The SDL plus the federation definitions it uses, orphan extensions made definitions."""
    defined: set[str] = set()
    for node in subgraph.document.definitions:
        if isinstance(node, TypeDefinitionNode):
            defined.add(node.name.value)
        elif isinstance(node, DirectiveDefinitionNode):
            defined.add(f"@{node.name.value}")
    extra = federation_definitions(
        subgraph.names, fed1=subgraph.fed1, defined=defined, prefix=subgraph.federation_prefix
    )
    definitions: list[DefinitionNode] = []
    for node in subgraph.document.definitions:
        if isinstance(node, TypeExtensionNode) and node.name.value not in defined:
            definition_class = _DEFINITION_OF[type(node)]
            fields = {
                key: getattr(node, key)
                for key in definition_class.keys
                if key in node.keys and key != "loc"
            }
            node = definition_class(**fields, loc=node.loc)
            defined.add(node.name.value)
        definitions.append(node)
    if extra:
        definitions.extend(parse(extra, no_location=True).definitions)
    return DocumentNode(definitions=tuple(definitions))


def apollo_message(message: str, *, fed1: bool = False) -> str:
    """graphql-core's wording in the form Apollo's composition reports it."""
    directive = _UNKNOWN_DIRECTIVE.match(message)
    if directive and fed1 and directive.group(1) in FEDERATION2_ONLY:
        name = directive.group(1)
        return (
            f'Unknown directive "@{name}". If you meant the "@{name}" federation 2 directive, '
            "note that this schema is a federation 1 schema. To be a federation 2 schema, it "
            "needs to @link to the federation specifcation v2."
        )
    unknown = _UNKNOWN_TYPE.match(message)
    if unknown:
        return f"Unknown type {unknown.group(1)}"
    message = _LOCATION_NAME.sub(
        lambda match: f"may not be used on {match.group(1).upper().replace(' ', '_')}.", message
    )
    return _SINGLE_QUOTED.sub(r'"\1"', message)


def _unsupported_directives(document: DocumentNode) -> list[GraphQLError]:
    """``@oneOf``: graphql-core knows it, the GraphQL version federation builds on does not."""
    if any(
        isinstance(node, DirectiveDefinitionNode) and node.name.value == "oneOf"
        for node in document.definitions
    ):
        return []
    return [
        GraphQLError("Unknown directive '@oneOf'.", directive)
        for node in document.definitions
        if isinstance(node, InputObjectTypeDefinitionNode | InputObjectTypeExtensionNode)
        for directive in node.directives or ()
        if directive.name.value == "oneOf"
    ]


def _report(
    diagnostics: Diagnostics,
    subgraph: SubgraphSchema,
    error: GraphQLError,
    union_members: dict[int, str],
) -> None:
    node = error.nodes[0] if error.nodes else None
    message = apollo_message(error.message, fed1=subgraph.fed1)
    union = union_members.get(id(node)) if node is not None else None
    unknown = _UNKNOWN_TYPE.match(error.message)
    if union is not None and unknown is not None:
        message = f"Cannot add unknown type {unknown.group(1)} as member of union type {union}"
    diagnostics.error("INVALID_GRAPHQL", f"[{subgraph.name}] {message}", subgraph.name, node)


def _union_members(document: DocumentNode) -> dict[int, str]:
    """id() of every union member reference -> the union's name."""
    members: dict[int, str] = {}
    for definition in document.definitions:
        if isinstance(definition, UnionTypeDefinitionNode | UnionTypeExtensionNode):
            for member in definition.types or ():
                members[id(member)] = definition.name.value
    return members


def validate_graphql(subgraph: SubgraphSchema, diagnostics: Diagnostics) -> bool:
    """Report SDL validation errors; True when the subgraph is valid GraphQL."""
    document = _validation_document(subgraph)
    errors = validate_sdl(document) + _unsupported_directives(document)
    members = _union_members(document)
    for error in errors:
        _report(diagnostics, subgraph, error, members)
    if errors:
        return False
    try:
        schema = build_ast_schema(document, assume_valid_sdl=True)
    except (GraphQLError, TypeError) as build_error:
        diagnostics.error("INVALID_GRAPHQL", f"[{subgraph.name}] {build_error}", subgraph.name)
        return False
    schema_errors = [
        error for error in validate_schema(schema) if error.message not in _IGNORED_SCHEMA_ERRORS
    ]
    for error in schema_errors:
        _report(diagnostics, subgraph, error, members)
    return not schema_errors

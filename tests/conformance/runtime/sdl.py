"""Turn a subgraph's SDL into a document graphql-core can build a schema from."""

from __future__ import annotations

from graphql import (
    DefinitionNode,
    DirectiveDefinitionNode,
    DocumentNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    NameNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    TypeDefinitionNode,
    parse,
)

from .federation_definitions import federation_definitions

KEY_DIRECTIVES = frozenset({"key", "federation__key"})


def defined_names(document: DocumentNode) -> set[str]:
    """Type names and `@directive` names the document defines (not merely extends)."""
    names: set[str] = set()
    for definition in document.definitions:
        if isinstance(definition, TypeDefinitionNode):
            names.add(definition.name.value)
        elif isinstance(definition, DirectiveDefinitionNode):
            names.add(f"@{definition.name.value}")
    return names


def _as_definition(extension: DefinitionNode) -> DefinitionNode:
    """A Federation 1 `extend type X` of a type the subgraph never defines, as a definition."""
    if isinstance(extension, ObjectTypeExtensionNode):
        return ObjectTypeDefinitionNode(
            name=extension.name,
            interfaces=extension.interfaces or (),
            directives=extension.directives or (),
            fields=extension.fields or (),
        )
    if isinstance(extension, InterfaceTypeExtensionNode):
        return InterfaceTypeDefinitionNode(
            name=extension.name,
            interfaces=extension.interfaces or (),
            directives=extension.directives or (),
            fields=extension.fields or (),
        )
    return extension


def entity_type_names(document: DocumentNode) -> list[str]:
    """Object types carrying a @key, in document order."""
    names: list[str] = []
    for definition in document.definitions:
        if not isinstance(definition, ObjectTypeDefinitionNode | ObjectTypeExtensionNode):
            continue
        has_key = any(d.name.value in KEY_DIRECTIVES for d in definition.directives or ())
        if has_key and definition.name.value not in names:
            names.append(definition.name.value)
    return names


def subgraph_document(sdl: str) -> tuple[DocumentNode, list[str]]:
    """The buildable document for `sdl` plus the names of its entity types."""
    document = parse(sdl)
    names = defined_names(document)
    definitions: list[DefinitionNode] = []
    for definition in document.definitions:
        if (
            isinstance(definition, ObjectTypeExtensionNode | InterfaceTypeExtensionNode)
            and definition.name.value not in names
        ):
            names.add(definition.name.value)
            definitions.append(_as_definition(definition))
        else:
            definitions.append(definition)
    if "Query" not in names:
        definitions.append(ObjectTypeDefinitionNode(name=NameNode(value="Query"), fields=()))
    rebuilt = DocumentNode(definitions=tuple(definitions))
    entities = entity_type_names(rebuilt)
    extra = [federation_definitions(names)]
    if entities:
        extra.append(f"union _Entity = {' | '.join(entities)}")
        extra.append("extend type Query { _entities(representations: [_Any!]!): [_Entity]! }")
    extra.append("extend type Query { _service: _Service! }")
    machinery = parse("\n".join(extra))
    return DocumentNode(definitions=(*rebuilt.definitions, *machinery.definitions)), entities

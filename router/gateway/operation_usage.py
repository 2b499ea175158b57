"""What an operation uses of the schema, for usage reporting: its hash, name and the schema
coordinates ("Type.field") it selects. Computed once per prepared operation."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLSchema,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    print_ast,
    visit,
)


@dataclass(frozen=True, slots=True)
class OperationSignature:
    hash: str  # sha256 of the normalised document (the operation and its fragments, printed)
    name: str | None
    coordinates: tuple[str, ...]  # sorted "Type.field" the operation selects


def operation_signature(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
) -> OperationSignature:
    ordered = [fragments[name] for name in sorted(fragments)]
    document = DocumentNode(definitions=(operation, *ordered))
    normalised = "\n".join(print_ast(definition) for definition in document.definitions)
    digest = hashlib.sha256(normalised.encode("utf-8")).hexdigest()
    name = operation.name.value if operation.name is not None else None
    return OperationSignature(digest, name, tuple(sorted(field_coordinates(schema, document))))


class _Coordinates(Visitor):
    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.found: set[str] = set()

    def enter_field(self, node: FieldNode, *_args: object) -> None:
        name = node.name.value
        if name.startswith("__"):
            return
        parent = self.type_info.get_parent_type()
        if parent is not None:
            self.found.add(f"{get_named_type(parent).name}.{name}")


def field_coordinates(schema: GraphQLSchema, document: DocumentNode) -> set[str]:
    """The "Type.field" coordinates the document selects (the type the field is selected on:
    an interface field selected through the interface names the interface)."""
    type_info = TypeInfo(schema)
    collector = _Coordinates(type_info)
    visit(document, TypeInfoVisitor(type_info, collector))
    return collector.found

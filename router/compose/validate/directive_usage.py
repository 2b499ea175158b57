"""Federation directives used where they make no sense: INVALID_SHAREABLE_USAGE (twice on
one declaration), EXTERNAL_ON_INTERFACE, EXTERNAL_COLLISION_WITH_ANOTHER_DIRECTIVE and
INTERFACE_OBJECT_USAGE_ERROR (an @interfaceObject without a key)."""

from __future__ import annotations

from graphql import (
    FieldDefinitionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
)

from router.compose.errors import Diagnostics
from router.compose.subgraph import SubgraphSchema
from router.supergraph.model import TypeKind

_DUPLICATE_SHAREABLE = (
    "@shareable is only repeatable on types so it can be used simultaneously on a type "
    "definition and its extensions, but it should not be duplicated on the same "
    "definition/extension declaration"
)


def _count(
    node: FieldDefinitionNode | ObjectTypeDefinitionNode | ObjectTypeExtensionNode, name: str
) -> int:
    return sum(1 for directive in node.directives or () if directive.name.value == name)


def validate_external_collisions(subgraph: SubgraphSchema, diagnostics: Diagnostics) -> None:
    """EXTERNAL_COLLISION_WITH_ANOTHER_DIRECTIVE: a field both @external and @provides."""
    for subgraph_type in subgraph.types.values():
        for subgraph_field in subgraph_type.fields.values():
            if "external" in subgraph_field.applied and "provides" in subgraph_field.applied:
                diagnostics.error(
                    "EXTERNAL_COLLISION_WITH_ANOTHER_DIRECTIVE",
                    f"[{subgraph.name}] Cannot have both @provides and @external on field "
                    f'"{subgraph_type.name}.{subgraph_field.name}"',
                    subgraph.name,
                    subgraph_field.node,
                )


def validate_directive_usage(subgraph: SubgraphSchema, diagnostics: Diagnostics) -> None:
    shareable = subgraph.local("shareable")
    for node in subgraph.document.definitions:
        if (
            isinstance(node, ObjectTypeDefinitionNode | ObjectTypeExtensionNode)
            and _count(node, shareable) > 1
        ):
            diagnostics.error(
                "INVALID_SHAREABLE_USAGE",
                f"[{subgraph.name}] Invalid duplicate application of @shareable on the same "
                f'type declaration of "{node.name.value}": {_DUPLICATE_SHAREABLE}',
                subgraph.name,
                node,
            )
        if isinstance(
            node,
            ObjectTypeDefinitionNode
            | ObjectTypeExtensionNode
            | InterfaceTypeDefinitionNode
            | InterfaceTypeExtensionNode,
        ):
            for field_node in node.fields or ():
                if _count(field_node, shareable) > 1:
                    diagnostics.error(
                        "INVALID_SHAREABLE_USAGE",
                        f"[{subgraph.name}] Invalid duplicate application of @shareable on field "
                        f'"{node.name.value}.{field_node.name.value}": {_DUPLICATE_SHAREABLE}',
                        subgraph.name,
                        field_node,
                    )
    for subgraph_type in subgraph.types.values():
        if subgraph_type.interface_object and not subgraph_type.keys:
            diagnostics.error(
                "INTERFACE_OBJECT_USAGE_ERROR",
                f"[{subgraph.name}] The @interfaceObject directive can only be applied to entity "
                f'types but type "{subgraph_type.name}" has no @key in this subgraph.',
                subgraph.name,
                subgraph_type.node,
            )
        for subgraph_field in subgraph_type.fields.values():
            coordinate = f"{subgraph_type.name}.{subgraph_field.name}"
            external = subgraph_field.applied.get("external")
            if external is None:
                continue
            if subgraph_type.kind is TypeKind.INTERFACE and not subgraph_type.interface_object:
                diagnostics.error(
                    "EXTERNAL_ON_INTERFACE",
                    f'[{subgraph.name}] Interface type field "{coordinate}" is marked @external '
                    "but @external is not allowed on interface fields (it is nonsensical).",
                    subgraph.name,
                    external,
                )

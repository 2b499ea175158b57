"""AUTH_REQUIREMENTS_APPLIED_ON_INTERFACE: @authenticated, @requiresScopes and @policy belong
on objects and their fields, not on interfaces, interface fields or interface objects."""

from __future__ import annotations

from graphql.language import (
    ConstDirectiveNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
)

from router.compose.errors import Diagnostics
from router.compose.subgraph import SubgraphSchema

AUTH_DIRECTIVES = ("authenticated", "requiresScopes", "policy")
_INTERFACE_NODES = (InterfaceTypeDefinitionNode, InterfaceTypeExtensionNode)
_OBJECT_NODES = (ObjectTypeDefinitionNode, ObjectTypeExtensionNode)


def validate_auth_on_interfaces(subgraph: SubgraphSchema, diagnostics: Diagnostics) -> None:
    if subgraph.fed1:
        return
    local_names = {subgraph.names.get(name, name): name for name in AUTH_DIRECTIVES}

    def check(directives: tuple[ConstDirectiveNode, ...] | None, kind: str, where: str) -> None:
        for directive in directives or ():
            if directive.name.value not in local_names:
                continue
            name = directive.name.value
            diagnostics.error(
                "AUTH_REQUIREMENTS_APPLIED_ON_INTERFACE",
                f'[{subgraph.name}] Invalid use of @{name} on {kind} "{where}": @{name} cannot '
                "be applied on interfaces, interface fields and interface objects",
                subgraph.name,
                directive,
            )

    for node in subgraph.document.definitions:
        if isinstance(node, _INTERFACE_NODES):
            check(node.directives, "interface", node.name.value)
            for field_node in node.fields or ():
                check(field_node.directives, "field", f"{node.name.value}.{field_node.name.value}")
        elif isinstance(node, _OBJECT_NODES):
            subgraph_type = subgraph.types.get(node.name.value)
            if subgraph_type is not None and subgraph_type.interface_object:
                check(node.directives, "interface object", node.name.value)

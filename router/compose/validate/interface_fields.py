"""Federation directives interfaces do not support: KEY_UNSUPPORTED_ON_INTERFACE (before
Federation 2.3), PROVIDES_UNSUPPORTED_ON_INTERFACE, REQUIRES_UNSUPPORTED_ON_INTERFACE,
COST_APPLIED_TO_INTERFACE_FIELD and OVERRIDE_ON_INTERFACE."""

from __future__ import annotations

from router.compose.errors import Diagnostics
from router.compose.subgraph import SubgraphSchema
from router.supergraph.model import TypeKind

ENTITY_INTERFACES_SINCE = (2, 3)


def validate_interface_fields(subgraph: SubgraphSchema, diagnostics: Diagnostics) -> None:
    for subgraph_type in subgraph.types.values():
        if subgraph_type.kind is not TypeKind.INTERFACE or subgraph_type.interface_object:
            continue
        version = subgraph.federation_version
        if subgraph_type.keys and (version is None or version < ENTITY_INTERFACES_SINCE):
            diagnostics.error(
                "KEY_UNSUPPORTED_ON_INTERFACE",
                f'[{subgraph.name}] Cannot use @key on interface "{subgraph_type.name}": @key is '
                "not yet supported on interfaces",
                subgraph.name,
                subgraph_type.keys[0].node,
            )
        for subgraph_field in subgraph_type.fields.values():
            coordinate = f"{subgraph_type.name}.{subgraph_field.name}"
            for directive, code in (
                ("provides", "PROVIDES_UNSUPPORTED_ON_INTERFACE"),
                ("requires", "REQUIRES_UNSUPPORTED_ON_INTERFACE"),
            ):
                node = subgraph_field.applied.get(directive)
                if node is None:
                    continue
                diagnostics.error(
                    code,
                    f'[{subgraph.name}] Cannot use @{directive} on field "{coordinate}" of parent '
                    f'type "{subgraph_type.name}": @{directive} is not yet supported within '
                    "interfaces",
                    subgraph.name,
                    node,
                )
            cost = next(
                (d for d in subgraph_field.decorations.directives if d.name == "cost"), None
            )
            if cost is not None:
                diagnostics.error(
                    "COST_APPLIED_TO_INTERFACE_FIELD",
                    f'[{subgraph.name}] @cost cannot be applied to interface "{coordinate}"',
                    subgraph.name,
                    subgraph_field.node,
                )


def validate_overrides_on_interfaces(
    subgraphs: list[SubgraphSchema], diagnostics: Diagnostics
) -> None:
    """OVERRIDE_ON_INTERFACE: ownership of interface fields cannot move."""
    for subgraph in subgraphs:
        for subgraph_type in subgraph.types.values():
            if subgraph_type.kind is not TypeKind.INTERFACE or subgraph_type.interface_object:
                continue
            for subgraph_field in subgraph_type.fields.values():
                node = subgraph_field.applied.get("override")
                if node is None:
                    continue
                diagnostics.error(
                    "OVERRIDE_ON_INTERFACE",
                    f'@override cannot be used on field "{subgraph_type.name}.'
                    f'{subgraph_field.name}" on subgraph "{subgraph.name}": @override is not '
                    "supported on interface type fields.",
                    subgraph.name,
                    node,
                )

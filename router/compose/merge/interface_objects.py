"""Fields an ``@interfaceObject`` adds to an interface reach every implementation."""

from __future__ import annotations

from router.supergraph.model import Field, NamedType, TypeKind


def propagate_interface_object_fields(types: dict[str, NamedType]) -> None:
    """Copy interface-object fields onto implementations (no ``@join__field`` graph)."""
    for interface in types.values():
        if interface.kind is not TypeKind.INTERFACE:
            continue
        object_graphs = {g for g, d in interface.graphs.items() if d.is_interface_object}
        if not object_graphs:
            continue
        for implementation in types.values():
            if interface.name not in implementation.interfaces:
                continue
            for field_name, interface_field in interface.fields.items():
                if field_name in implementation.fields:
                    continue
                if not object_graphs & set(interface_field.sources):
                    continue
                implementation.fields[field_name] = Field(
                    name=interface_field.name,
                    type=interface_field.type,
                    arguments=dict(interface_field.arguments),
                    description=interface_field.description,
                    deprecated=interface_field.deprecated,
                    deprecation_reason=interface_field.deprecation_reason,
                    inaccessible=interface_field.inaccessible,
                    tags=list(interface_field.tags),
                    directives=list(interface_field.directives),
                )

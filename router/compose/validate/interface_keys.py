"""INTERFACE_KEY_MISSING_IMPLEMENTATION_TYPE: a subgraph with a resolvable key on an interface
must know every implementation of it, so it can answer ``__typename`` for any entity."""

from __future__ import annotations

from router.compose.errors import Diagnostics
from router.compose.subgraph import SubgraphSchema
from router.supergraph.model import NamedType, TypeKind


def validate_interface_key_implementations(
    subgraphs: list[SubgraphSchema], types: dict[str, NamedType], diagnostics: Diagnostics
) -> None:
    for subgraph in subgraphs:
        for interface in subgraph.types.values():
            if interface.kind is not TypeKind.INTERFACE or interface.interface_object:
                continue
            key = next((key for key in interface.keys if key.resolvable), None)
            if key is None:
                continue
            implementations = [
                named.name
                for named in types.values()
                if named.kind is TypeKind.OBJECT and interface.name in named.interfaces
            ]
            missing = [
                name
                for name in implementations
                if name not in subgraph.types
                or interface.name not in subgraph.types[name].interfaces
            ]
            if not missing:
                continue
            listed = ", ".join(f'"{name}"' for name in missing)
            noun = "type" if len(missing) == 1 else "types"
            diagnostics.error(
                "INTERFACE_KEY_MISSING_IMPLEMENTATION_TYPE",
                f'[{subgraph.name}] Interface type "{interface.name}" has a resolvable key '
                f'(@key(fields: "{key.fields}")) in subgraph "{subgraph.name}" but that subgraph '
                f"is missing some of the supergraph implementation types of "
                f'"{interface.name}". Subgraph "{subgraph.name}" should define {noun} {listed} '
                f"(and have {'it' if len(missing) == 1 else 'them'} implement "
                f'"{interface.name}").',
                subgraph.name,
                interface.node,
            )

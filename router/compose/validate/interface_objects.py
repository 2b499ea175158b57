"""INTERFACE_OBJECT_USAGE_ERROR: an @interfaceObject needs the interface defined somewhere, and
its subgraph must not define any of the interface's implementations."""

from __future__ import annotations

from router.compose.errors import Diagnostics
from router.compose.merge.context import subgraph_list
from router.compose.subgraph import SubgraphSchema
from router.supergraph.model import TypeKind


def validate_interface_objects(subgraphs: list[SubgraphSchema], diagnostics: Diagnostics) -> None:
    as_object: dict[str, list[SubgraphSchema]] = {}
    as_interface: set[str] = set()
    implementations: dict[str, set[str]] = {}
    for subgraph in subgraphs:
        for subgraph_type in subgraph.types.values():
            if subgraph_type.interface_object:
                as_object.setdefault(subgraph_type.name, []).append(subgraph)
            elif subgraph_type.kind is TypeKind.INTERFACE:
                as_interface.add(subgraph_type.name)
            if subgraph_type.kind is TypeKind.OBJECT and not subgraph_type.interface_object:
                for interface in subgraph_type.interfaces:
                    implementations.setdefault(interface, set()).add(subgraph_type.name)
    for type_name, where in as_object.items():
        if type_name in as_interface:
            _validate_no_implementations(type_name, where, implementations, diagnostics)
            continue
        diagnostics.error(
            "INTERFACE_OBJECT_USAGE_ERROR",
            f'Type "{type_name}" is declared with @interfaceObject in all the subgraphs in which '
            f"it is defined (it is defined in {subgraph_list([s.name for s in where])} but "
            "should be defined as an interface in at least one subgraph)",
            where[0].name,
            where[0].types[type_name].node,
        )


def _validate_no_implementations(
    interface_name: str,
    where: list[SubgraphSchema],
    implementations: dict[str, set[str]],
    diagnostics: Diagnostics,
) -> None:
    for subgraph in where:
        defined = sorted(
            name for name in implementations.get(interface_name, ()) if name in subgraph.types
        )
        if not defined:
            continue
        quoted = [f'"{name}"' for name in defined]
        listed = (
            f"type {quoted[0]}"
            if len(quoted) == 1
            else f"types {', '.join(quoted[:-1])} and {quoted[-1]}"
        )
        diagnostics.error(
            "INTERFACE_OBJECT_USAGE_ERROR",
            f'Interface type "{interface_name}" is defined as an @interfaceObject in subgraph '
            f'"{subgraph.name}" so that subgraph should not define any of the implementation '
            f'types of "{interface_name}", but it defines {listed}',
            subgraph.name,
            subgraph.types[interface_name].node,
        )

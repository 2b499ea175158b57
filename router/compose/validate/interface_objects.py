"""INTERFACE_OBJECT_USAGE_ERROR: an @interfaceObject needs the interface defined somewhere."""

from __future__ import annotations

from router.compose.errors import Diagnostics
from router.compose.merge.context import subgraph_list
from router.compose.subgraph import SubgraphSchema
from router.supergraph.model import TypeKind


def validate_interface_objects(subgraphs: list[SubgraphSchema], diagnostics: Diagnostics) -> None:
    as_object: dict[str, list[SubgraphSchema]] = {}
    as_interface: set[str] = set()
    for subgraph in subgraphs:
        for subgraph_type in subgraph.types.values():
            if subgraph_type.interface_object:
                as_object.setdefault(subgraph_type.name, []).append(subgraph)
            elif subgraph_type.kind is TypeKind.INTERFACE:
                as_interface.add(subgraph_type.name)
    for type_name, where in as_object.items():
        if type_name in as_interface:
            continue
        diagnostics.error(
            "INTERFACE_OBJECT_USAGE_ERROR",
            f'Type "{type_name}" is declared with @interfaceObject in all the subgraphs in which '
            f"it is defined (it is defined in {subgraph_list([s.name for s in where])} but "
            "should be defined as an interface in at least one subgraph)",
            where[0].name,
            where[0].types[type_name].node,
        )

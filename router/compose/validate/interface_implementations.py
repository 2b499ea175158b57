"""INTERFACE_FIELD_NO_IMPLEM: after merging, every implementation has every interface field."""

from __future__ import annotations

from graphql import Node

from router.compose.errors import Diagnostics
from router.compose.merge.context import subgraph_list
from router.compose.subgraph import SubgraphSchema
from router.supergraph.model import NamedType, TypeKind


def validate_interface_implementations(
    subgraphs: list[SubgraphSchema], types: dict[str, NamedType], diagnostics: Diagnostics
) -> None:
    for named in types.values():
        if named.kind not in (TypeKind.OBJECT, TypeKind.INTERFACE):
            continue
        for interface_name in named.interfaces:
            interface = types.get(interface_name)
            if interface is None:
                continue
            for field_name in interface.fields:
                if field_name not in named.fields:
                    _report(subgraphs, named.name, interface_name, field_name, diagnostics)


def _report(
    subgraphs: list[SubgraphSchema],
    type_name: str,
    interface_name: str,
    field_name: str,
    diagnostics: Diagnostics,
) -> None:
    with_field: list[str] = []
    implementing: list[str] = []
    nodes: list[tuple[str, Node]] = []
    for subgraph in subgraphs:
        interface = subgraph.types.get(interface_name)
        if interface is not None and interface.kind is TypeKind.INTERFACE:
            interface_field = interface.fields.get(field_name)
            if interface_field is not None:
                with_field.append(subgraph.name)
                nodes.append((subgraph.name, interface_field.node))
        implementation = subgraph.types.get(type_name)
        if implementation is not None and interface_name in implementation.interfaces:
            implementing.append(subgraph.name)
    where = nodes[0] if nodes else (None, None)
    diagnostics.error(
        "INTERFACE_FIELD_NO_IMPLEM",
        f'Interface field "{interface_name}.{field_name}" is declared in '
        f'{subgraph_list(with_field)} but type "{type_name}", which implements '
        f'"{interface_name}" only in {subgraph_list(implementing)} does not have field '
        f'"{field_name}".',
        *where,
    )

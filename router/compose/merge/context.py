"""State shared by the merge steps: the subgraphs, the output types and the diagnostics."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from router.compose.errors import Diagnostics
from router.compose.subgraph import SubgraphSchema, SubgraphType
from router.supergraph.model import NamedType, TypeKind

_NON_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]")


def graph_enum_value(subgraph_name: str) -> str:
    """The ``join__Graph`` value of a subgraph: ``my-products`` → ``MY_PRODUCTS``."""
    value = _NON_ALPHANUMERIC.sub("_", subgraph_name).upper()
    return f"_{value}" if value[:1].isdigit() else value


@dataclass(slots=True)
class MergeContext:
    subgraphs: list[SubgraphSchema]
    diagnostics: Diagnostics
    types: dict[str, NamedType] = field(default_factory=dict)
    # abstract type -> every type that implements it or is a member of it, in any subgraph
    subtypes: dict[str, set[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for subgraph in self.subgraphs:
            for subgraph_type in subgraph.types.values():
                for interface in subgraph_type.interfaces:
                    self.subtypes.setdefault(interface, set()).add(subgraph_type.name)
                for member in subgraph_type.members:
                    self.subtypes.setdefault(subgraph_type.name, set()).add(member)

    def subgraph(self, name: str) -> SubgraphSchema:
        return next(subgraph for subgraph in self.subgraphs if subgraph.name == name)

    def definitions(self, type_name: str) -> Iterator[tuple[SubgraphSchema, SubgraphType]]:
        for subgraph in self.subgraphs:
            subgraph_type = subgraph.types.get(type_name)
            if subgraph_type is not None:
                yield subgraph, subgraph_type

    def is_subtype(self, supertype: str, candidate: str) -> bool:
        """Whether the named type ``candidate`` may stand where ``supertype`` is expected."""
        if supertype == candidate:
            return True
        seen: set[str] = set()
        pending = [supertype]
        while pending:
            current = pending.pop()
            for subtype in self.subtypes.get(current, ()):
                if subtype == candidate:
                    return True
                if subtype not in seen:
                    seen.add(subtype)
                    pending.append(subtype)
        return False

    def kind_of(self, type_name: str) -> TypeKind | None:
        for _, subgraph_type in self.definitions(type_name):
            if subgraph_type.interface_object:
                return TypeKind.INTERFACE
            return subgraph_type.kind
        return TypeKind.SCALAR if type_name in ("String", "Int", "Float", "Boolean", "ID") else None


def subgraph_list(names: list[str]) -> str:
    """``subgraph "a"`` or ``subgraphs "a", "b" and "c"``."""
    quoted = [_quoted(name) for name in names]
    if len(quoted) == 1:
        return f"subgraph {quoted[0]}"
    return f"subgraphs {', '.join(quoted[:-1])} and {quoted[-1]}"


def _quoted(label: str) -> str:
    """``a`` → ``"a"``; ``b (through …)`` → ``"b" (through …)``."""
    name, _, rest = label.partition(" ")
    return f'"{name}" {rest}' if rest else f'"{name}"'


def mismatch_description(groups: dict[str, list[str]], describe: str) -> str:
    """``it has type "Int" in subgraph "a" but type "String" in subgraph "b"``."""
    parts = [f'{describe} "{value}" in {subgraph_list(names)}' for value, names in groups.items()]
    return f"it has {parts[0]} but " + " and ".join(parts[1:])

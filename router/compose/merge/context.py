"""State shared by the merge steps: the subgraphs, the output types and the diagnostics."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from router.compose.errors import Diagnostics
from router.compose.subgraph import SubgraphSchema, SubgraphType
from router.supergraph.model import NamedType

_NON_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]")


def graph_enum_value(subgraph_name: str) -> str:
    """The ``join__Graph`` value of a subgraph: ``my-products`` → ``MY_PRODUCTS``."""
    value = _NON_ALPHANUMERIC.sub("_", subgraph_name).upper()
    return f"_{value}" if value[:1].isdigit() else value


def graph_enum_values(subgraph_names: list[str]) -> dict[str, str]:
    """``join__Graph`` values of all subgraphs; clashing ones are numbered ``A_B_1``, ``A_B_2``."""
    bases = {name: graph_enum_value(name) for name in subgraph_names}
    counts: dict[str, int] = {}
    for base in bases.values():
        counts[base] = counts.get(base, 0) + 1
    seen: dict[str, int] = {}
    values: dict[str, str] = {}
    for name, base in bases.items():
        if counts[base] == 1:
            values[name] = base
        else:
            seen[base] = seen.get(base, 0) + 1
            values[name] = f"{base}_{seen[base]}"
    return values


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

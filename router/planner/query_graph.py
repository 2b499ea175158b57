"""Stage 2: the query graph. A vertex is (type, subgraph); edges say how a query can move.

- a *field edge* is a field the subgraph resolves itself at that type (override-aware for the
  request's labels; ``@external`` fields only count where they are part of the subgraph's key);
- a *key edge* is an entity jump from one subgraph to another, using a resolvable key of the
  target whose fields the source can provide;
- a *type edge* moves from an abstract type to one of its runtime types in that subgraph.

Fields that are ``@external`` but may be ``@provides``-ed are recorded so that the path finder can
treat them as local below a providing field.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from router.federation.reachability import (
    KeyJump,
    KeyReachability,
    LocalField,
    LocalFields,
    Vertex,
)
from router.planner.fieldsets import FieldSetReader
from router.supergraph.model import NamedType, Supergraph, TypeKind

# The query graph's edges are the federation core's local fields and key jumps.
FieldEdge = LocalField
KeyEdge = KeyJump

__all__ = ["FieldEdge", "KeyEdge", "QueryGraph", "Vertex", "build_query_graph"]


@dataclass(slots=True)
class QueryGraph:
    supergraph: Supergraph
    override_labels: frozenset[str]
    field_sets: FieldSetReader
    local: LocalFields
    reachability: KeyReachability
    key_edges: dict[Vertex, list[KeyEdge]] = field(default_factory=dict)
    type_edges: dict[Vertex, list[str]] = field(default_factory=dict)

    @property
    def fields(self) -> dict[Vertex, dict[str, FieldEdge]]:
        return self.local.fields

    @property
    def externals(self) -> dict[Vertex, dict[str, FieldEdge]]:
        return self.local.externals

    def field_edge(self, type_name: str, subgraph: str, field_name: str) -> FieldEdge | None:
        return self.local.field_edge(type_name, subgraph, field_name)

    def external_edge(self, type_name: str, subgraph: str, field_name: str) -> FieldEdge | None:
        return self.local.external_edge(type_name, subgraph, field_name)

    def has_vertex(self, type_name: str, subgraph: str) -> bool:
        return self.local.has_vertex(type_name, subgraph)

    def subgraphs_resolving(self, type_name: str, field_name: str) -> list[str]:
        return [
            subgraph
            for subgraph in self.supergraph.subgraphs
            if self.field_edge(type_name, subgraph, field_name) is not None
        ]

    def runtime_types(self, type_name: str, subgraph: str) -> list[str]:
        """Object types an abstract type can be at runtime when ``subgraph`` returns it."""
        return self.type_edges.get((type_name, subgraph), [])

    def resolves(self, type_name: str, subgraph: str, field_set: str) -> bool:
        """Whether ``subgraph`` resolves every field of ``field_set`` itself (no provides)."""
        self.field_sets.read(type_name, field_set)  # a text that does not read is an error
        return self.local.resolves(type_name, subgraph, field_set)


def build_query_graph(supergraph: Supergraph, labels: frozenset[str]) -> QueryGraph:
    local = LocalFields.build(supergraph, labels, supergraph.field_sets)
    graph = QueryGraph(
        supergraph, labels, FieldSetReader(supergraph), local, KeyReachability(local)
    )
    for named in supergraph.types.values():
        if named.is_abstract:
            for subgraph in named.graphs:
                graph.type_edges[(named.name, subgraph)] = _runtime_types(
                    supergraph, named, subgraph
                )
    for named in supergraph.types.values():
        if named.is_composite:
            for definition in named.graphs.values():
                for key in definition.resolvable_keys:
                    graph.field_sets.read(named.name, key.fields)  # raises when it does not read
            graph.key_edges.update(graph.reachability.jumps_from(named))
    return graph


def _runtime_types(supergraph: Supergraph, named: NamedType, subgraph: str) -> list[str]:
    if named.kind is TypeKind.UNION:
        return [member for member, graphs in named.members.items() if subgraph in graphs]
    found: list[str] = []
    for candidate in supergraph.types.values():
        if candidate.kind is TypeKind.OBJECT and subgraph in candidate.implements.get(
            named.name, set()
        ):
            found.append(candidate.name)
    return found


def to_dot(graph: QueryGraph) -> str:
    """The query graph as Graphviz DOT (``fedra plan --stage graph``)."""
    lines = ["digraph QueryGraph {", "  rankdir=LR;", "  node [shape=box];"]

    def vertex_id(type_name: str, subgraph: str) -> str:
        return f'"{type_name}({subgraph})"'

    for type_name, subgraph in sorted(graph.fields):
        lines.append(f"  {vertex_id(type_name, subgraph)};")
    for (type_name, subgraph), edges in sorted(graph.fields.items()):
        for edge in edges.values():
            target = edge.return_named_type
            if (target, subgraph) not in graph.fields:
                continue
            label = edge.field_name
            if edge.requires:
                label += f" @requires({edge.requires})"
            if edge.provides:
                label += f" @provides({edge.provides})"
            label = label.replace('"', '\\"')
            lines.append(
                f"  {vertex_id(type_name, subgraph)} -> {vertex_id(target, subgraph)}"
                f' [label="{label}"];'
            )
    for (type_name, subgraph), key_edges in sorted(graph.key_edges.items()):
        for key_edge in key_edges:
            key_text = key_edge.key.replace('"', '\\"')
            lines.append(
                f"  {vertex_id(type_name, subgraph)} -> {vertex_id(type_name, key_edge.target)}"
                f' [label="key({key_text})", style=dashed];'
            )
    for (type_name, subgraph), runtime in sorted(graph.type_edges.items()):
        for object_type in runtime:
            lines.append(
                f"  {vertex_id(type_name, subgraph)} -> {vertex_id(object_type, subgraph)}"
                f' [label="... on {object_type}", style=dotted];'
            )
    lines.append("}")
    return "\n".join(lines) + "\n"

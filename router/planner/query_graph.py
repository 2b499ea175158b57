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

from router.planner.fieldsets import FieldSetReader
from router.planner.normalize import NormalizedSelection, named_type
from router.supergraph.model import Field, FieldInSubgraph, NamedType, Supergraph, TypeKind

Vertex = tuple[str, str]  # (type name, subgraph name)


@dataclass(frozen=True, slots=True)
class FieldEdge:
    type_name: str
    field_name: str
    subgraph: str
    return_type: str  # the field's type in this subgraph (GraphQL type reference)
    requires: str | None = None
    provides: str | None = None

    @property
    def return_named_type(self) -> str:
        return named_type(self.return_type)


@dataclass(frozen=True, slots=True)
class KeyEdge:
    type_name: str
    source: str
    target: str
    key: str


@dataclass(slots=True)
class QueryGraph:
    supergraph: Supergraph
    override_labels: frozenset[str]
    field_sets: FieldSetReader
    fields: dict[Vertex, dict[str, FieldEdge]] = field(default_factory=dict)
    externals: dict[Vertex, dict[str, FieldEdge]] = field(default_factory=dict)
    key_edges: dict[Vertex, list[KeyEdge]] = field(default_factory=dict)
    type_edges: dict[Vertex, list[str]] = field(default_factory=dict)

    def field_edge(self, type_name: str, subgraph: str, field_name: str) -> FieldEdge | None:
        return self.fields.get((type_name, subgraph), {}).get(field_name)

    def external_edge(self, type_name: str, subgraph: str, field_name: str) -> FieldEdge | None:
        return self.externals.get((type_name, subgraph), {}).get(field_name)

    def has_vertex(self, type_name: str, subgraph: str) -> bool:
        return (type_name, subgraph) in self.fields

    def subgraphs_resolving(self, type_name: str, field_name: str) -> list[str]:
        return [
            subgraph
            for subgraph in self.supergraph.subgraphs
            if self.field_edge(type_name, subgraph, field_name) is not None
        ]

    def runtime_types(self, type_name: str, subgraph: str) -> list[str]:
        """Object types an abstract type can be at runtime when ``subgraph`` returns it."""
        return self.type_edges.get((type_name, subgraph), [])

    def provides_locally(
        self, type_name: str, subgraph: str, selection: NormalizedSelection
    ) -> bool:
        """Whether ``subgraph`` resolves every field of ``selection`` itself (no provides)."""
        for item in selection.fields.values():
            if item.name == "__typename":
                continue
            edge = self.field_edge(type_name, subgraph, item.name)
            if edge is None or edge.requires:
                return False
            if item.selection is not None and not self.provides_locally(
                edge.return_named_type, subgraph, item.selection
            ):
                return False
        return all(
            self.provides_locally(condition, subgraph, fragment)
            for condition, fragment in selection.fragments.items()
            if self.has_vertex(condition, subgraph)
        )


def active_sources(field_def: Field, labels: frozenset[str]) -> list[FieldInSubgraph]:
    """The subgraph definitions of a field that resolve it, for the given override labels."""
    overridden: set[str] = set()
    inactive: set[str] = set()
    for source in field_def.sources.values():
        if source.override is not None:
            if source.override_label is None or source.override_label in labels:
                overridden.add(source.override)
            else:
                inactive.add(source.graph)
        elif source.override_label is not None and source.override_label in labels:
            inactive.add(source.graph)  # the side a progressive override moves away from
    return [
        source
        for source in field_def.sources.values()
        if source.graph not in overridden
        and source.graph not in inactive
        and not (source.used_overridden and source.override_label is None)
    ]


def build_query_graph(supergraph: Supergraph, labels: frozenset[str]) -> QueryGraph:
    graph = QueryGraph(supergraph, labels, FieldSetReader(supergraph))
    for named in supergraph.types.values():
        if named.kind not in (TypeKind.OBJECT, TypeKind.INTERFACE, TypeKind.UNION):
            continue
        for subgraph in named.graphs:
            graph.fields[(named.name, subgraph)] = {}
            graph.externals[(named.name, subgraph)] = {}
        _add_field_edges(graph, named, labels)
        if named.is_abstract:
            for subgraph in named.graphs:
                graph.type_edges[(named.name, subgraph)] = _runtime_types(
                    supergraph, named, subgraph
                )
    for named in supergraph.types.values():
        if named.is_composite:
            _add_key_edges(graph, named)
    return graph


def _key_field_names(named: NamedType, subgraph: str) -> set[str]:
    names: set[str] = set()
    for key in named.keys_in(subgraph, resolvable_only=False):
        for token in key.fields.replace("{", " ").replace("}", " ").split():
            names.add(token)
    return names


def _add_field_edges(graph: QueryGraph, named: NamedType, labels: frozenset[str]) -> None:
    for field_def in named.fields.values():
        active = {source.graph for source in active_sources(field_def, labels)}
        for source in field_def.sources.values():
            vertex = (named.name, source.graph)
            if vertex not in graph.fields:
                continue
            edge = FieldEdge(
                type_name=named.name,
                field_name=field_def.name,
                subgraph=source.graph,
                return_type=source.type or field_def.type,
                requires=source.requires,
                provides=source.provides,
            )
            key_fields = _key_field_names(named, source.graph)
            if source.external:
                if field_def.name in key_fields:
                    graph.fields[vertex][field_def.name] = edge
                else:
                    graph.externals[vertex][field_def.name] = edge
            elif source.graph in active or field_def.name in key_fields:
                graph.fields[vertex][field_def.name] = edge
        # An interface object's subgraph resolves interface fields for every implementation.


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


def _add_key_edges(graph: QueryGraph, named: NamedType) -> None:
    for target, definition in named.graphs.items():
        for key in definition.resolvable_keys:
            selection = graph.field_sets.read(named.name, key.fields)
            for source in named.graphs:
                if source == target:
                    continue
                if graph.provides_locally(named.name, source, selection):
                    graph.key_edges.setdefault((named.name, source), []).append(
                        KeyEdge(named.name, source, target, key.fields)
                    )


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

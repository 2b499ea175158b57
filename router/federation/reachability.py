"""Key reachability: what a subgraph resolves itself, and where an entity can jump by keys.

A *local field* is a field a subgraph resolves at a type without moving (override-aware for a
set of progressive-override labels; ``@external`` fields only count where they are part of one
of the subgraph's keys of that type). A *key jump* moves an entity from a source subgraph to a
target subgraph that defines a resolvable ``@key`` whose fields the source resolves locally.
Composition's satisfiability check and the query planner both ask these questions here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from router.federation.field_sets import (
    FieldSelection,
    FieldSetError,
    FieldSets,
    field_names,
)
from router.federation.type_refs import TypeRef, TypeRefs
from router.supergraph.model import Field, FieldInSubgraph, Key, NamedType, Supergraph, TypeKind

Vertex = tuple[str, str]  # (type name, subgraph name)


@dataclass(frozen=True, slots=True)
class LocalField:
    """A field as one subgraph defines it at a type (a field edge of the query graph)."""

    type_name: str
    field_name: str
    subgraph: str
    return_type: str  # the field's type in this subgraph (GraphQL type reference)
    return_ref: TypeRef = field(compare=False, repr=False)  # ``return_type``, parsed
    requires: str | None = None
    provides: str | None = None

    @property
    def return_named_type(self) -> str:
        return self.return_ref.named


@dataclass(frozen=True, slots=True)
class KeyJump:
    """An entity jump for ``type_name`` from ``source`` to ``target`` using key ``key``."""

    type_name: str
    source: str
    target: str
    key: str


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


@dataclass(slots=True)
class LocalFields:
    """Every (type, subgraph) vertex of the supergraph's composite types and what it resolves."""

    supergraph: Supergraph
    override_labels: frozenset[str]
    field_sets: FieldSets
    fields: dict[Vertex, dict[str, LocalField]] = field(default_factory=dict)
    externals: dict[Vertex, dict[str, LocalField]] = field(default_factory=dict)

    @classmethod
    def build(
        cls, supergraph: Supergraph, labels: frozenset[str], field_sets: FieldSets
    ) -> LocalFields:
        local = cls(supergraph, labels, field_sets)
        type_refs = TypeRefs()
        for named in supergraph.types.values():
            if named.kind not in (TypeKind.OBJECT, TypeKind.INTERFACE, TypeKind.UNION):
                continue
            for subgraph in named.graphs:
                local.fields[(named.name, subgraph)] = {}
                local.externals[(named.name, subgraph)] = {}
            local._add_fields(named, type_refs)
        return local

    def _add_fields(self, named: NamedType, type_refs: TypeRefs) -> None:
        key_fields: dict[str, set[str]] = {}
        for field_def in named.fields.values():
            active = {source.graph for source in active_sources(field_def, self.override_labels)}
            for source in field_def.sources.values():
                vertex = (named.name, source.graph)
                if vertex not in self.fields:
                    continue
                return_type = source.type or field_def.type
                edge = LocalField(
                    type_name=named.name,
                    field_name=field_def.name,
                    subgraph=source.graph,
                    return_type=return_type,
                    requires=source.requires,
                    provides=source.provides,
                    return_ref=type_refs.get(return_type),
                )
                in_key = field_def.name in self._key_field_names(named, source.graph, key_fields)
                if source.external:
                    if in_key:
                        self.fields[vertex][field_def.name] = edge
                    else:
                        self.externals[vertex][field_def.name] = edge
                elif source.graph in active or in_key:
                    self.fields[vertex][field_def.name] = edge

    def _key_field_names(
        self, named: NamedType, subgraph: str, cache: dict[str, set[str]]
    ) -> set[str]:
        """Field names (at any depth) of the subgraph's keys of the type, resolvable or not."""
        names = cache.get(subgraph)
        if names is None:
            names = cache[subgraph] = set()
            for key in named.keys_in(subgraph, resolvable_only=False):
                names |= field_names(self.field_sets.selections(key.fields))
        return names

    def field_edge(self, type_name: str, subgraph: str, field_name: str) -> LocalField | None:
        return self.fields.get((type_name, subgraph), {}).get(field_name)

    def external_edge(self, type_name: str, subgraph: str, field_name: str) -> LocalField | None:
        return self.externals.get((type_name, subgraph), {}).get(field_name)

    def has_vertex(self, type_name: str, subgraph: str) -> bool:
        return (type_name, subgraph) in self.fields

    def resolves(self, type_name: str, subgraph: str, text: str) -> bool:
        """Whether ``subgraph`` resolves every field of the FieldSet ``text`` itself (no
        ``@requires`` on the way, no ``@provides``); raises ``FieldSetError``."""
        return self.resolves_selections(type_name, subgraph, self.field_sets.parse(text).selections)

    def resolves_selections(
        self, type_name: str, subgraph: str, selections: tuple[FieldSelection, ...]
    ) -> bool:
        for selection in selections:
            if selection.is_fragment:
                if not self._resolves_fragment(type_name, subgraph, selection):
                    return False
                continue
            if selection.name == "__typename":
                continue
            edge = self.field_edge(type_name, subgraph, selection.name)
            if edge is None or edge.requires:
                return False
            if selection.selections and not self.resolves_selections(
                edge.return_named_type, subgraph, selection.selections
            ):
                return False
        return True

    def _resolves_fragment(self, type_name: str, subgraph: str, fragment: FieldSelection) -> bool:
        condition = fragment.type_condition or type_name
        if condition not in self.supergraph.types:
            return True  # a type the supergraph does not know never matches
        if self._covers(condition, type_name):
            return self.resolves_selections(type_name, subgraph, fragment.selections)
        possible = set(self.supergraph.possible_types(condition))
        if not possible & set(self.supergraph.possible_types(type_name)):
            return True  # never applies here
        if not self.has_vertex(condition, subgraph):
            return True  # the subgraph never returns that type here
        return self.resolves_selections(condition, subgraph, fragment.selections)

    def _covers(self, condition: str, type_name: str) -> bool:
        """Whether a fragment on ``condition`` always applies at ``type_name``."""
        if condition == type_name:
            return True
        scope = self.supergraph.types.get(type_name)
        if scope is None or scope.kind is not TypeKind.OBJECT:
            return False
        return type_name in self.supergraph.possible_types(condition)


class KeyReachability:
    """Key jumps between the subgraphs of one supergraph, for one set of override labels."""

    def __init__(self, local: LocalFields) -> None:
        self.local = local
        self.supergraph = local.supergraph
        self._closures: dict[Vertex, list[str]] = {}

    def jump_key(
        self, type_name: str, source: str, target_type: NamedType, target_graph: str
    ) -> Key | None:
        """The first resolvable key of ``target_type`` in ``target_graph`` whose fields
        ``source`` resolves for an entity of ``type_name``; keys that do not read are skipped."""
        for key in target_type.keys_in(target_graph):
            try:
                if self.local.resolves(type_name, source, key.fields):
                    return key
            except FieldSetError:
                continue
        return None

    def jumps_from(self, named: NamedType) -> dict[Vertex, list[KeyJump]]:
        """Every key jump between two subgraphs defining ``named``, by (type, source)."""
        jumps: dict[Vertex, list[KeyJump]] = {}
        for target, definition in named.graphs.items():
            for key in definition.resolvable_keys:
                for source in named.graphs:
                    if source == target:
                        continue
                    try:
                        resolved = self.local.resolves(named.name, source, key.fields)
                    except FieldSetError:
                        resolved = False
                    if resolved:
                        jumps.setdefault((named.name, source), []).append(
                            KeyJump(named.name, source, target, key.fields)
                        )
        return jumps

    def jump_targets(self, named: NamedType) -> dict[str, NamedType]:
        """Subgraphs an entity can be fetched from (its own type or an interface object)."""
        targets: dict[str, NamedType] = {}
        for graph, definition in named.graphs.items():
            if definition.resolvable_keys:
                targets[graph] = named
        for interface_name in named.interfaces:
            interface = self.supergraph.types.get(interface_name)
            if interface is None:
                continue
            for graph, definition in interface.graphs.items():
                if definition.is_interface_object and definition.resolvable_keys:
                    targets.setdefault(graph, interface)
        return targets

    def closure(self, named: NamedType, start: str) -> list[str]:
        """Subgraphs reachable from ``start`` for an entity of type ``named`` by key jumps
        (``start`` first, then in the order they are reached); every subgraph for a root."""
        cached = self._closures.get((named.name, start))
        if cached is None:
            cached = self._closures[(named.name, start)] = self._closure(named, start)
        return cached

    def _closure(self, named: NamedType, start: str) -> list[str]:
        if named.name in self.supergraph.root_types().values():
            return list(named.graphs)
        reached = [start]
        targets = self.jump_targets(named)
        changed = True
        while changed:
            changed = False
            for graph, target in targets.items():
                if graph in reached:
                    continue
                if any(
                    self.jump_key(named.name, current, target, graph) is not None
                    for current in reached
                ):
                    reached.append(graph)
                    changed = True
        return reached

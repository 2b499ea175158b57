"""Routes through the query graph: chains of key jumps between subgraphs for one type, and
jumps from an object type to a subgraph that knows only its interface (``@interfaceObject``)."""

from __future__ import annotations

from collections import deque

from router.planner.errors import BudgetTracker
from router.planner.query_graph import KeyEdge, QueryGraph


class Routes:
    def __init__(self, graph: QueryGraph, budget: BudgetTracker) -> None:
        self.graph = graph
        self.supergraph = graph.supergraph
        self.budget = budget
        self._routes: dict[tuple[str, str, str], list[KeyEdge] | None] = {}

    def interface_object_route(
        self, type_name: str, source: str, field_name: str
    ) -> KeyEdge | None:
        """A jump to a subgraph that resolves the field for an interface of this object type
        (the field may ``@requires`` fields: the caller plans them before the jump)."""
        named = self.supergraph.types[type_name]
        for interface in named.interfaces:
            interface_type = self.supergraph.types.get(interface)
            if interface_type is None:
                continue
            for subgraph, definition in interface_type.graphs.items():
                if not definition.is_interface_object:
                    continue
                edge = self.graph.field_edge(interface, subgraph, field_name)
                if edge is None:
                    continue
                key = self.graph.reachability.jump_key(type_name, source, interface_type, subgraph)
                if key is not None:
                    return KeyEdge(interface, source, subgraph, key.fields)
        return None

    def is_interface_object(self, type_name: str, subgraph: str) -> bool:
        definition = self.supergraph.types[type_name].graphs.get(subgraph)
        return definition is not None and definition.is_interface_object

    def route(self, type_name: str, source: str, target: str) -> list[KeyEdge] | None:
        """The shortest chain of key edges from ``source`` to ``target`` for ``type_name``."""
        cache_key = (type_name, source, target)
        if cache_key in self._routes:
            return self._routes[cache_key]
        route: list[KeyEdge] | None = None
        if source == target:
            named = self.supergraph.types[type_name]
            key = self.graph.reachability.jump_key(type_name, source, named, source)
            if key is not None:
                route = [KeyEdge(type_name, source, target, key.fields)]
        else:
            route = self._search_route(type_name, source, target)
        self._routes[cache_key] = route
        return route

    def _search_route(self, type_name: str, source: str, target: str) -> list[KeyEdge] | None:
        queue: deque[tuple[str, list[KeyEdge]]] = deque([(source, [])])
        seen = {source}
        while queue:
            current, path = queue.popleft()
            edges = self.graph.key_edges.get((type_name, current), [])
            edges = sorted(edges, key=lambda e: self._key_rank(type_name, current, e))
            for edge in edges:
                self.budget.spend()
                if edge.target in seen:
                    continue
                if edge.target == target:
                    return [*path, edge]
                seen.add(edge.target)
                queue.append((edge.target, [*path, edge]))
        return None

    def _key_rank(self, type_name: str, source: str, edge: KeyEdge) -> tuple[int, int]:
        """Prefer keys both sides declare, then simpler keys."""
        named = self.supergraph.types[type_name]
        shared = any(k.fields == edge.key for k in named.keys_in(source, resolvable_only=False))
        return (0 if shared else 1, len(edge.key))

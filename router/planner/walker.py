"""Stage 3: find where every field is resolved and build the fetch graph while walking.

The walker visits the normalised operation top-down. At each position it knows the fetch group
it is in, the subgraph that group queries, the type and the response path. A field the subgraph
resolves itself (a field edge, or an ``@external`` field made local by ``@provides``) stays in
the group; every other field takes a key jump (one or more key edges) into an entity fetch of a
subgraph that resolves it. When several subgraphs could resolve a set of fields, the cheapest
assignment is chosen: fewest new fetches first, counting the fetches the fields' sub-selections
would need below. ``@requires`` plans the required fields at the same position first and makes
the entity fetch depend on every group that fetched them.

The root fields are planned by ``walk_roots``, fields with ``@fromContext`` arguments by
``walk_context``; this module plans every position below the roots: objects, abstract types,
interface objects, fields and jumps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from router.planner.context_arguments import (
    context_variable_names,
    contexts_by_type,
)
from router.planner.costs import INFEASIBLE, CostModel
from router.planner.errors import BudgetTracker, PlanningError
from router.planner.fetch_graph import FetchGraph, FetchGroup, JumpPoint
from router.planner.normalize import (
    TYPENAME,
    Conditions,
    NormalizedField,
    NormalizedOperation,
    NormalizedSelection,
    for_runtime_type,
    is_abstract,
    merge_selections,
)
from router.planner.plan import ValueSetter
from router.planner.position import Position
from router.planner.query_graph import FieldEdge, KeyEdge, QueryGraph
from router.planner.routes import Routes
from router.planner.selection_set import SelectionToFetch
from router.planner.walk_context import ContextWalk
from router.planner.walk_roots import RootWalk
from router.supergraph.model import ContextArgument

RESERVED_ALIAS_PREFIX = "__fedra_"

__all__ = ["RESERVED_ALIAS_PREFIX", "Position", "Walker"]


class Walker:
    def __init__(
        self, graph: QueryGraph, operation: NormalizedOperation, budget: BudgetTracker
    ) -> None:
        self.graph = graph
        self.supergraph = graph.supergraph
        self.operation = operation
        self.budget = budget
        self.fetch_graph = FetchGraph()
        self.root_groups: list[FetchGroup] = []
        self.aliases: dict[tuple[str, str], str] = {}
        self.routes = Routes(graph, budget)
        self.costs = CostModel(graph, self.routes, budget)
        uses_contexts = any(link.name == "context" for link in self.supergraph.links)
        self.context_setters = contexts_by_type(self.supergraph) if uses_contexts else {}
        self.context_variables = context_variable_names(self.supergraph) if uses_contexts else {}
        self.contextual_fields = {(key[1], key[2]) for key in self.context_variables}
        self.context_walk = ContextWalk(self)

    def walk(self) -> FetchGraph:
        """The fetch graph of the whole operation, its root groups in ``root_groups``."""
        return RootWalk(self).walk()

    # -- positions ------------------------------------------------------------------------

    def plan_at(
        self, position: Position, selection: NormalizedSelection, planner_added: bool
    ) -> set[int]:
        """Plan ``selection`` at ``position``; returns the groups that fetch any part of it."""
        self.budget.spend()
        position = self.context_walk.entering(position)
        if self.routes.is_interface_object(position.type_name, position.subgraph):
            return self._plan_interface_object(position, selection, planner_added)
        if is_abstract(self.supergraph, position.type_name):
            return self._plan_abstract(position, selection, planner_added)
        if selection.type_name != position.type_name:
            selection = for_runtime_type(self.supergraph, selection, position.type_name)
        return self._plan_object(position, selection, planner_added)

    def _plan_object(
        self, position: Position, selection: NormalizedSelection, planner_added: bool
    ) -> set[int]:
        # work between two explored options can grow with the fetch graph: watch the clock too
        self.budget.check_deadline()
        position = self.context_walk.entering(position)
        touched = {position.group.id}
        local: list[tuple[NormalizedField, FieldEdge]] = []
        remote: list[NormalizedField] = []
        contextual: list[tuple[NormalizedField, str, list[ContextArgument]]] = []
        for item in selection.fields.values():
            if item.name == TYPENAME:
                self._add_typename(position, item, planner_added)
                continue
            if (position.type_name, item.name) in self.contextual_fields:
                found = self.context_walk.target(position, item)
                if found is not None:
                    contextual.append((item, *found))
                    continue
            edge = self.local_edge(position, item.name)
            if edge is None or self._unreachable_below(position, item, edge):
                remote.append(item)
            else:
                local.append((item, edge))
        jumps: list[tuple[NormalizedField, str]] = []
        via_interfaces: list[tuple[NormalizedField, KeyEdge]] = []
        if remote:
            direct: list[NormalizedField] = []
            for item in remote:
                if self._candidates(position, item):
                    direct.append(item)
                    continue
                via = self.routes.interface_object_route(
                    position.type_name, position.subgraph, item.name
                )
                if via is None:
                    raise PlanningError(
                        f"cannot plan field {position.type_name}.{item.name}: no subgraph that "
                        f"resolves it can be reached from subgraph {position.subgraph!r}"
                    )
                via_interfaces.append((item, via))
            jumps = list(zip(direct, self._assign(position, direct), strict=True))
            if not planner_added:
                local = self._move_cheaper_fields(position, local, jumps)
        for item, edge in local:
            touched |= self._add_local_field(position, item, edge, planner_added)
        touched |= self._plan_jumps(position, jumps, planner_added)
        for item, target, arguments in contextual:
            touched |= self.context_walk.plan(position, item, target, arguments, planner_added)
        for item, via in via_interfaces:
            edge = self.graph.field_edge(via.type_name, via.target, item.name)
            required: NormalizedSelection | None = None
            dependencies: set[int] = set()
            if edge is not None and edge.requires:
                required = self.graph.field_sets.read(position.type_name, edge.requires)
                guarded = replace(position, conditions=position.conditions | item.conditions)
                dependencies = self.plan_at(guarded, required, planner_added=True)
                touched |= dependencies
            child = self.jump(
                position,
                via.target,
                dependencies,
                required,
                position.conditions | item.conditions,
                route=[via],
                target_type=via.type_name,
            )
            touched.add(child.group.id)
            touched |= self.add_resolved_field(child, item, planner_added, via.target)
        return touched

    def _unreachable_below(
        self, position: Position, item: NormalizedField, edge: FieldEdge
    ) -> bool:
        """Whether a local field's selection cannot be completed from this subgraph (a value
        type whose other fields live elsewhere) while another subgraph can resolve it all."""
        if item.selection is None or edge.provides or position.provided is not None:
            return False
        below = self.costs.estimate(edge.return_named_type, position.subgraph, item.selection, 0)
        if below < INFEASIBLE:
            return False
        return any(
            self.costs.estimate_below(position.type_name, item, target, 0) < INFEASIBLE
            for target in self._candidates(position, item)
        )

    def _move_cheaper_fields(
        self,
        position: Position,
        local: list[tuple[NormalizedField, FieldEdge]],
        jumps: list[tuple[NormalizedField, str]],
    ) -> list[tuple[NormalizedField, FieldEdge]]:
        """Resolve a local field in a subgraph the walk jumps to anyway when that saves fetches."""
        targets = sorted({target for _, target in jumps}, key=self.costs.subgraph_order)
        kept: list[tuple[NormalizedField, FieldEdge]] = []
        for item, edge in local:
            here = self.costs.estimate_field(position.type_name, item, position.subgraph)
            moved_to = None
            if here > 0 and item.selection is not None:
                for target in targets:
                    other = self.graph.field_edge(position.type_name, target, item.name)
                    if other is None or other.requires:
                        continue
                    if self.costs.estimate_field(position.type_name, item, target) < here:
                        moved_to = target
                        break
            if moved_to is None:
                kept.append((item, edge))
            else:
                jumps.append((item, moved_to))
        return kept

    def _plan_interface_object(
        self, position: Position, selection: NormalizedSelection, planner_added: bool
    ) -> set[int]:
        """An interface the subgraph models as an object: the runtime type comes from elsewhere."""
        interface = position.type_name
        typenames = {k: f for k, f in selection.fields.items() if f.name == TYPENAME}
        others = {k: f for k, f in selection.fields.items() if f.name != TYPENAME}
        touched = self._plan_object(
            position, NormalizedSelection(interface, fields=others), planner_added
        )
        if not typenames and not selection.fragments:
            return touched
        owner = next(
            (
                subgraph
                for subgraph, definition in self.supergraph.types[interface].graphs.items()
                if not definition.is_interface_object
                and definition.resolvable_keys
                and self.routes.route(interface, position.subgraph, subgraph) is not None
            ),
            None,
        )
        if owner is None:
            raise PlanningError(
                f"cannot resolve the runtime type of {interface} from subgraph "
                f"{position.subgraph!r}: no subgraph owning the interface is reachable"
            )
        child = self.jump(position, owner, set(), None, position.conditions)
        rest = NormalizedSelection(interface, fields=typenames, fragments=selection.fragments)
        touched.add(child.group.id)
        touched |= self._plan_abstract(child, rest, planner_added)
        return touched

    def _plan_abstract(
        self, position: Position, selection: NormalizedSelection, planner_added: bool
    ) -> set[int]:
        touched = {position.group.id}
        position.selection.add_field(TYPENAME)
        runtime = self.graph.runtime_types(position.type_name, position.subgraph)
        direct = [f for f in selection.fields.values() if f.name != TYPENAME]
        if self._abstract_is_local(position, direct, runtime):
            touched |= self._plan_object(
                position,
                NormalizedSelection(position.type_name, fields=selection.fields),
                planner_added,
            )
            for condition, fragment in selection.fragments.items():
                touched |= self._plan_fragment(
                    position, condition, fragment, runtime, planner_added
                )
            return touched
        for object_type in runtime:
            part = for_runtime_type(self.supergraph, selection, object_type)
            if part.is_empty():
                continue
            touched |= self._plan_object(
                self._narrow(position, object_type, part), part, planner_added
            )
        return touched

    def _plan_fragment(
        self,
        position: Position,
        condition: str,
        fragment: NormalizedSelection,
        runtime: Sequence[str],
        planner_added: bool,
    ) -> set[int]:
        if not is_abstract(self.supergraph, condition):
            if condition not in runtime:
                return set()  # the subgraph never returns this type here
            merged = for_runtime_type(self.supergraph, fragment, condition)
            return self._plan_object(
                self._narrow(position, condition, merged), merged, planner_added
            )
        if self.graph.has_vertex(condition, position.subgraph):
            narrowed = self._narrow(position, condition, fragment)
            return self._plan_abstract(narrowed, fragment, planner_added)
        touched: set[int] = set()
        possible = set(self.supergraph.possible_types(condition))
        for object_type in runtime:
            if object_type in possible:
                part = for_runtime_type(self.supergraph, fragment, object_type)
                touched |= self._plan_object(
                    self._narrow(position, object_type, part), part, planner_added
                )
        return touched

    def _narrow(
        self,
        position: Position,
        type_name: str,
        client: NormalizedSelection | None,
        *,
        inspect_only: bool = False,
    ) -> Position:
        """The position of a fragment on ``type_name`` here (``inspect_only``: for questions
        about it, without adding the fragment to the fetched selection)."""
        provided = position.provided
        if provided is not None and provided.type_name != type_name:
            if is_abstract(self.supergraph, type_name):
                provided = provided.fragments.get(type_name, provided)
            else:
                provided = for_runtime_type(self.supergraph, provided, type_name)
        return replace(
            position,
            selection=position.selection
            if inspect_only
            else position.selection.fragment(type_name),
            type_name=type_name,
            provided=provided,
            client=client,
        )

    def _abstract_is_local(
        self, position: Position, direct: list[NormalizedField], runtime: Sequence[str]
    ) -> bool:
        """Whether the fields selected on the abstract type can be planned on it as a whole."""
        for item in direct:
            on_interface = self.local_edge(position, item.name) is not None
            on_types = [
                self.local_edge(
                    self._narrow(position, object_type, None, inspect_only=True), item.name
                )
                is not None
                for object_type in runtime
            ]
            if on_interface and all(on_types):
                continue
            if not on_interface and not any(on_types) and self._interface_jump(position, item):
                continue
            return False
        return True

    def _interface_jump(self, position: Position, item: NormalizedField) -> bool:
        return any(target != position.subgraph for target in self._candidates(position, item))

    # -- fields ---------------------------------------------------------------------------

    def local_edge(self, position: Position, field_name: str) -> FieldEdge | None:
        edge = self.graph.field_edge(position.type_name, position.subgraph, field_name)
        if edge is not None:
            if edge.requires is None:
                return edge
            if self.graph.resolves(position.type_name, position.subgraph, edge.requires):
                return edge
            return None
        if position.provided is not None and field_name in _field_names(position.provided):
            return self.graph.external_edge(position.type_name, position.subgraph, field_name)
        return None

    def _add_typename(self, position: Position, item: NormalizedField, planner_added: bool) -> None:
        alias = None if planner_added else item.alias
        position.selection.add_field(TYPENAME, alias, conditions=item.conditions)

    def alias_for(
        self, client: NormalizedSelection | None, item: NormalizedField, planner_added: bool
    ) -> str | None:
        """The response key a field is fetched under. Fields the planner adds for itself keep
        their name, unless a client field of another signature uses it, or they carry
        arguments (two planner fields may differ by arguments alone): then a reserved alias
        per signature, the same in every fetch."""
        if not planner_added:
            return item.alias
        clash = client.fields.get(item.name) if client is not None else None
        if clash is not None and clash.signature == item.signature:
            return None
        if clash is None and not item.arguments:
            return None
        signature = item.signature
        alias = self.aliases.get(signature)
        if alias is None:
            alias = f"{RESERVED_ALIAS_PREFIX}{len(self.aliases)}"
            self.aliases[signature] = alias
        return alias

    def _add_local_field(
        self, position: Position, item: NormalizedField, edge: FieldEdge, planner_added: bool
    ) -> set[int]:
        return self.add_resolved_field(position, item, planner_added, position.subgraph, edge=edge)

    def add_resolved_field(
        self,
        position: Position,
        item: NormalizedField,
        planner_added: bool,
        subgraph: str,
        edge: FieldEdge | None = None,
    ) -> set[int]:
        if edge is None:
            edge = self.graph.field_edge(position.type_name, subgraph, item.name)
            assert edge is not None
        alias = self.alias_for(position.client, item, planner_added)
        fetched = position.selection.add_field(
            item.name,
            alias,
            item.arguments,
            item.conditions,
            composite=item.selection is not None,
        )
        position.group.variables |= item.variables
        if item.selection is None:
            return {position.group.id}
        assert fetched.selection is not None
        child_type = edge.return_named_type
        if child_type not in self.supergraph.types:
            child_type = item.type_name
        key = alias or item.name
        child_client: NormalizedSelection | None = None
        if position.client is not None:
            candidate = position.client.fields.get(key)
            if candidate is not None and candidate.signature == item.signature:
                child_client = candidate.selection
        child = Position(
            group=position.group,
            selection=fetched.selection,
            type_name=child_type,
            subgraph=position.subgraph,
            path=position.path + (key,) + ("@",) * edge.return_ref.list_depth,
            conditions=position.conditions | item.conditions,
            provided=self._provided_below(position, item, edge, child_type),
            client=child_client,
            contexts=position.contexts,
        )
        return self.plan_at(child, item.selection, planner_added)

    def _provided_below(
        self, position: Position, item: NormalizedField, edge: FieldEdge, child_type: str
    ) -> NormalizedSelection | None:
        provided: NormalizedSelection | None = None
        if position.provided is not None:
            inherited = position.provided.fields.get(item.name)
            if inherited is not None and inherited.selection is not None:
                provided = NormalizedSelection(child_type)
                merge_selections(provided, inherited.selection)
        if edge.provides:
            own = self.graph.field_sets.read(child_type, edge.provides)
            if provided is None:
                provided = NormalizedSelection(child_type)
            merge_selections(provided, own)
        return provided

    # -- jumps ----------------------------------------------------------------------------

    def _candidates(self, position: Position, item: NormalizedField) -> list[str]:
        type_name, subgraph = position.type_name, position.subgraph
        candidates: list[str] = []
        for target in self.graph.subgraphs_resolving(type_name, item.name):
            if target == subgraph:
                edge = self.graph.field_edge(type_name, target, item.name)
                if edge is None or not edge.requires:
                    continue  # resolved here: no jump back into the same subgraph
            if self.routes.route(type_name, subgraph, target) is not None:
                candidates.append(target)
        candidates.sort(key=lambda t: self._option_rank(type_name, item.name, t))
        return candidates

    def _assign(self, position: Position, fields: list[NormalizedField]) -> list[str]:
        if not fields:
            return []
        options = [self._candidates(position, item) for item in fields]
        return self.costs.choose(
            fields,
            options,
            position.type_name,
            lambda target: self.fetch_graph.existing_child(target, position.path, position.group),
        )

    def _plan_jumps(
        self, position: Position, jumps: list[tuple[NormalizedField, str]], planner_added: bool
    ) -> set[int]:
        type_name = position.type_name
        touched: set[int] = set()
        carried: list[tuple[Position, NormalizedField, str, FieldEdge]] = []
        for item, target in jumps:
            edge = self.graph.field_edge(type_name, target, item.name)
            assert edge is not None
            required: NormalizedSelection | None = None
            dependencies: set[int] = set()
            if edge.requires:
                required = self.graph.field_sets.read(type_name, edge.requires)
                # Fetched only when the field needing them is: they share its conditions.
                guarded = replace(position, conditions=position.conditions | item.conditions)
                dependencies = self.plan_at(guarded, required, planner_added=True)
            child = self.jump(
                position, target, dependencies, required, position.conditions | item.conditions
            )
            touched.add(child.group.id)
            if self._carried_by_key(child, item):
                carried.append((child, item, target, edge))
                continue
            touched |= self.add_resolved_field(child, item, planner_added, target, edge=edge)
        for child, item, target, edge in carried:
            if child.selection.is_empty():  # nothing else to fetch there: keep the fetch valid
                touched |= self.add_resolved_field(child, item, planner_added, target, edge=edge)
        return touched

    def _carried_by_key(self, child: Position, item: NormalizedField) -> bool:
        """Whether a leaf field is already in the data as a key field of the jump itself: it
        is fetched before the jump, under its own name, so the target need not resolve it."""
        if item.selection is not None or item.arguments or item.alias not in (None, item.name):
            return False
        typed = child.group.requires.fragments.get(child.type_name)
        if typed is None:
            return False
        carried = typed.fields.get(item.name)
        return carried is not None and carried.alias is None and carried.selection is None

    def _option_rank(self, type_name: str, field_name: str, target: str) -> tuple[int, int]:
        edge = self.graph.field_edge(type_name, target, field_name)
        return (1 if edge is not None and edge.requires else 0, self.costs.subgraph_order(target))

    def jump(
        self,
        position: Position,
        target: str,
        dependencies: set[int],
        required: NormalizedSelection | None,
        conditions: Conditions,
        *,
        route: list[KeyEdge] | None = None,
        target_type: str | None = None,
    ) -> Position:
        type_name = position.type_name
        if route is None:
            route = self.routes.route(type_name, position.subgraph, target)
        assert route is not None
        current = position
        for index, hop in enumerate(route):
            last = index == len(route) - 1
            entity_type = target_type if last and target_type else type_name
            key = self.graph.field_sets.read(current.type_name, hop.key)
            current.selection.add_field(TYPENAME)
            self._plan_object(current, key, planner_added=True)
            hop_dependencies = {current.group.id} | (dependencies if last else set())
            representation = SelectionToFetch()
            typed = representation.fragment(entity_type)
            typed.add_field(TYPENAME)
            self.add_representation(typed, key, current.client)
            if last and required is not None:
                self.add_representation(typed, required, current.client)
            group = self.fetch_graph.find_or_create_child(
                hop.target, current.path, current.group, hop_dependencies, representation
            )
            if last and required is not None:
                group.uses_requires = True
            group.add_conditions(conditions)
            group.jump_points.append(JumpPoint(current.group.id, entity_type, current.selection))
            if self.routes.is_interface_object(entity_type, hop.target):
                # The subgraph only knows the interface: representations must say so.
                group.add_input_rewrite(
                    ValueSetter((f"... on {entity_type}", TYPENAME), entity_type)
                )
            current = Position(
                group=group,
                selection=group.selection.fragment(entity_type),
                type_name=entity_type,
                subgraph=hop.target,
                path=current.path,
                conditions=current.conditions,
                provided=None,
                client=current.client,
                contexts=current.contexts,
            )
        return current

    def add_representation(
        self,
        into: SelectionToFetch,
        selection: NormalizedSelection,
        client: NormalizedSelection | None,
    ) -> None:
        for item in selection.fields.values():
            alias = self.alias_for(client, item, True)
            added = into.add_field(
                item.name, alias, item.arguments, composite=item.selection is not None
            )
            if item.selection is not None and added.selection is not None:
                nested_client: NormalizedSelection | None = None
                if client is not None:
                    candidate = client.fields.get(item.name)
                    if candidate is not None and candidate.signature == item.signature:
                        nested_client = candidate.selection
                if is_abstract(self.supergraph, item.selection.type_name):
                    added.selection.add_field(TYPENAME)
                self.add_representation(added.selection, item.selection, nested_client)
        for condition, fragment in selection.fragments.items():
            self.add_representation(into.fragment(condition), fragment, client)


def _field_names(selection: NormalizedSelection) -> set[str]:
    return {item.name for item in selection.fields.values()}

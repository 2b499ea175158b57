"""Planning ``@defer``: split an operation into its primary part and deferred parts, plan each.

The split works on the operation's syntax tree (fragment spreads inlined). A fragment with an
active ``@defer`` (``if`` absent, true, or a variable that is true) becomes a deferred part at
its response path; what its enclosing part must fetch for it replaces it there:

- on the query root at the top: nothing (the part is planned as a query of its own);
- on an entity type: ``__typename`` and a key (the part is an entity fetch from the objects the
  enclosing part fetched, into the subgraph that resolves most of its fields, with further jumps
  after it as usual);
- otherwise (a value type, an abstract type, a mutation root, or fields the enclosing part
  selects anyway): its own selection. Such a part fetches nothing; it is delivered from the
  data the enclosing part fetched.

The enclosing part's plan thus fetches what every part nested in it starts from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from graphql import (
    REMOVE,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLCompositeType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    NameNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    VariableNode,
    Visitor,
    get_named_type,
    is_composite_type,
    parse,
    print_ast,
    visit,
)

from router.planner.defer_directives import (
    DEFER,
    argument,
    defer_is_active,
    defer_label,
    directive,
)
from router.planner.defer_plan import (
    DeferCondition,
    DeferKey,
    DeferPlanTree,
    DeferredQueryPlan,
    DeferredStep,
)
from router.planner.errors import BudgetTracker, PlanningBudget, PlanningError
from router.planner.fetch_graph import FetchGraph, FetchGroup
from router.planner.nodes import build_nodes
from router.planner.normalize import (
    NO_CONDITIONS,
    TYPENAME,
    NormalizedOperation,
    Normalizer,
)
from router.planner.operation_text import fetch_node
from router.planner.optimize import optimize
from router.planner.pipeline import run_pipeline
from router.planner.plan import (
    ConditionNode,
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    SequenceNode,
    query_node,
)
from router.planner.query_graph import QueryGraph
from router.planner.routes import Routes
from router.planner.selection_set import SelectionToFetch
from router.planner.walker import Position, Walker
from router.supergraph.model import Supergraph

STREAM = "stream"

DeferMode = Literal["root", "entity", "fetched"]


@dataclass(frozen=True, slots=True)
class EntityStart:
    """Where an entity part starts: the subgraph of its first fetch and the key it sends."""

    subgraph: str
    key: str


@dataclass(slots=True)
class DeferredFragment:
    """A deferred fragment of the operation, as the split found it."""

    key: DeferKey
    label: str | None
    path: tuple[str, ...]
    type_name: str
    node: InlineFragmentNode | FragmentSpreadNode  # the fragment as written
    client_selection: SelectionSetNode  # its selection as written (nested defers in it)
    selection_set: SelectionSetNode = field(default_factory=lambda: SelectionSetNode(selections=()))
    mode: DeferMode = "fetched"
    start: EntityStart | None = None
    children: list[DeferredFragment] = field(default_factory=list)
    # Per step of ``path``: the object types its field was selected on (None for list steps),
    # so sibling branches under different type conditions at one path stay apart.
    owners: tuple[frozenset[str] | None, ...] = ()


@dataclass(slots=True)
class DeferSplit:
    """The primary part's selection (with what the deferred parts need) and the parts."""

    selection_set: SelectionSetNode
    parts: list[DeferredFragment]

    def all_parts(self) -> list[DeferredFragment]:
        found: list[DeferredFragment] = []
        stack = list(reversed(self.parts))
        while stack:
            part = stack.pop()
            found.append(part)
            stack.extend(reversed(part.children))
        return found


# -- directives ---------------------------------------------------------------------------


def _without_defer(directives: Iterable[DirectiveNode] | None) -> tuple[DirectiveNode, ...]:
    return tuple(d for d in directives or () if d.name.value != DEFER)


def uses_directive(
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    name: str,
) -> bool:
    """Whether ``@name`` appears anywhere in the operation or the fragments it can spread."""

    def visit(selection_set: SelectionSetNode | None) -> bool:
        if selection_set is None:
            return False
        for selection in selection_set.selections:
            if directive(selection.directives, name) is not None:
                return True
            if isinstance(selection, FieldNode | InlineFragmentNode) and visit(
                selection.selection_set
            ):
                return True
        return False

    return visit(operation.selection_set) or any(
        visit(fragment.selection_set) for fragment in fragments.values()
    )


class _RemoveDefer(Visitor):
    def enter_directive(self, node: DirectiveNode, *_: Any) -> Any:
        return REMOVE if node.name.value == DEFER else None


def without_defer(document: DocumentNode) -> DocumentNode:
    """``document`` with every ``@defer`` removed (for what never runs incrementally, such as
    introspection)."""
    result = visit(document, _RemoveDefer())
    assert isinstance(result, DocumentNode)
    return result


def defer_variables(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> tuple[str, ...]:
    """Variables used by ``@defer(if:)`` anywhere in the operation, sorted."""
    names: set[str] = set()

    def visit(selection_set: SelectionSetNode | None) -> None:
        if selection_set is None:
            return
        for selection in selection_set.selections:
            found = directive(selection.directives, DEFER)
            if found is not None:
                condition = argument(found, "if")
                if isinstance(condition, VariableNode):
                    names.add(condition.name.value)
            if isinstance(selection, FieldNode | InlineFragmentNode):
                visit(selection.selection_set)

    visit(operation.selection_set)
    for fragment in fragments.values():
        visit(fragment.selection_set)
    return tuple(sorted(names))


# -- the split ----------------------------------------------------------------------------


def _list_depth(type_: GraphQLOutputType) -> int:
    depth = 0
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        if isinstance(type_, GraphQLList):
            depth += 1
        type_ = type_.of_type
    return depth


class DeferSplitter:
    """Splits one operation; ``graph`` decides where entity parts start."""

    def __init__(
        self,
        schema: GraphQLSchema,
        graph: QueryGraph | None,
        fragments: Mapping[str, FragmentDefinitionNode],
        values: Mapping[str, Any],
        *,
        is_mutation: bool,
    ) -> None:
        self.schema = schema
        self.graph = graph
        self.fragments = fragments
        self.values = values
        self.is_mutation = is_mutation
        self._seen: dict[tuple[str, tuple[str, ...], str], int] = {}
        self.no_entity: set[DeferKey] = set()  # parts the enclosing part fetches instead
        # Names of fields taking @fromContext arguments: their values come from an ancestor
        # along the enclosing part's path, so a part reading one is fetched by that part.
        self.contextual_fields = _contextual_field_names(graph)

    def reset(self) -> None:
        self._seen.clear()

    def split(self, operation: OperationDefinitionNode) -> DeferSplit:
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            raise PlanningError(f"the schema has no {operation.operation.value} type")
        parts: list[DeferredFragment] = []
        selection = self._selection_set(root, operation.selection_set, (), (), parts, frozenset())
        return DeferSplit(selection, parts)

    def _selection_set(
        self,
        parent: GraphQLCompositeType,
        selection_set: SelectionSetNode,
        path: tuple[str, ...],
        owners: tuple[frozenset[str] | None, ...],
        parts: list[DeferredFragment],
        visited: frozenset[str],
    ) -> SelectionSetNode:
        kept: list[SelectionNode] = []
        deferred: list[tuple[InlineFragmentNode | FragmentSpreadNode, GraphQLCompositeType]] = []
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                kept.append(self._field(parent, selection, path, owners, parts, visited))
                continue
            assert isinstance(selection, InlineFragmentNode | FragmentSpreadNode)
            fragment_type, inner, seen = self._fragment(parent, selection, visited)
            if inner is None:
                continue
            if defer_is_active(selection.directives, self.values):
                deferred.append((selection, fragment_type))
                continue
            kept.append(
                InlineFragmentNode(
                    type_condition=_type_condition(fragment_type, parent),
                    directives=_without_defer(selection.directives),
                    selection_set=self._selection_set(
                        fragment_type, inner, path, owners, parts, seen
                    ),
                )
            )
        siblings = {print_ast(selection) for selection in kept}
        for selection, fragment_type in deferred:
            _, inner, seen = self._fragment(parent, selection, visited)
            assert inner is not None
            part = self._new_part(selection, fragment_type, inner, path, owners)
            part.selection_set = self._selection_set(
                fragment_type, inner, path, owners, part.children, seen
            )
            self._choose_mode(part, fragment_type, siblings)
            parts.append(part)
            needs = self._needs(part)
            if needs is not None:
                kept.append(
                    InlineFragmentNode(
                        type_condition=_type_condition(fragment_type, parent),
                        directives=_without_defer(selection.directives),
                        selection_set=needs,
                    )
                )
        return SelectionSetNode(selections=tuple(kept))

    def _field(
        self,
        parent: GraphQLCompositeType,
        node: FieldNode,
        path: tuple[str, ...],
        owners: tuple[frozenset[str] | None, ...],
        parts: list[DeferredFragment],
        visited: frozenset[str],
    ) -> FieldNode:
        if node.selection_set is None:
            return node
        definition = getattr(parent, "fields", {}).get(node.name.value)
        if definition is None:
            return node
        child = get_named_type(definition.type)
        if not is_composite_type(child):
            return node
        assert isinstance(child, GraphQLCompositeType)
        key = node.alias.value if node.alias else node.name.value
        depth = _list_depth(definition.type)
        below = (*path, key, *("@",) * depth)
        below_owners = (*owners, self._object_types(parent), *(None,) * depth)
        selection = self._selection_set(
            child, node.selection_set, below, below_owners, parts, visited
        )
        return FieldNode(
            alias=node.alias,
            name=node.name,
            arguments=node.arguments,
            directives=node.directives,
            selection_set=selection,
        )

    def _fragment(
        self,
        parent: GraphQLCompositeType,
        node: InlineFragmentNode | FragmentSpreadNode,
        visited: frozenset[str],
    ) -> tuple[GraphQLCompositeType, SelectionSetNode | None, frozenset[str]]:
        if isinstance(node, FragmentSpreadNode):
            name = node.name.value
            definition = self.fragments.get(name)
            if definition is None or name in visited:
                return parent, None, visited
            condition: NamedTypeNode | None = definition.type_condition
            inner = definition.selection_set
            visited = visited | {name}
        else:
            condition = node.type_condition
            inner = node.selection_set
        fragment_type = parent
        if condition is not None:
            named = self.schema.get_type(condition.name.value)
            if named is None or not is_composite_type(named):
                return parent, None, visited
            assert isinstance(named, GraphQLCompositeType)
            fragment_type = named
        return fragment_type, inner, visited

    def _new_part(
        self,
        node: InlineFragmentNode | FragmentSpreadNode,
        fragment_type: GraphQLCompositeType,
        inner: SelectionSetNode,
        path: tuple[str, ...],
        owners: tuple[frozenset[str] | None, ...],
    ) -> DeferredFragment:
        label = defer_label(node.directives)
        identity = (label or "", path, fragment_type.name)
        ordinal = self._seen.get(identity, 0)
        self._seen[identity] = ordinal + 1
        return DeferredFragment(
            key=(*identity, ordinal),
            label=label,
            path=path,
            type_name=fragment_type.name,
            node=node,
            client_selection=inner,
            owners=owners,
        )

    def _object_types(self, parent: GraphQLCompositeType) -> frozenset[str]:
        if isinstance(parent, GraphQLObjectType):
            return frozenset((parent.name,))
        # an interface object's answer may name the interface itself
        possible = (t.name for t in self.schema.get_possible_types(parent))
        return frozenset((parent.name, *possible))

    def _choose_mode(
        self, part: DeferredFragment, fragment_type: GraphQLCompositeType, siblings: set[str]
    ) -> None:
        query_root = self.schema.query_type
        if (
            not part.path
            and not self.is_mutation
            and query_root is not None
            and fragment_type.name == query_root.name
        ):
            part.mode = "root"
            return
        selections = part.selection_set.selections
        if not part.children and all(print_ast(s) in siblings for s in selections):
            part.mode = "fetched"  # the enclosing part fetches all of it anyway
            return
        start = None
        if part.key not in self.no_entity and not self._reads_context(part.selection_set):
            start = self._entity_start(fragment_type, selections)
        if start is not None:
            part.mode, part.start = "entity", start
        else:
            part.mode = "fetched"

    def _reads_context(self, selection_set: SelectionSetNode | None) -> bool:
        """Whether a field under ``selection_set`` takes a ``@fromContext`` argument (by name,
        whatever its type: a part that may read one is never planned from its key)."""
        if not self.contextual_fields or selection_set is None:
            return False
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value in self.contextual_fields:
                    return True
                if self._reads_context(selection.selection_set):
                    return True
            elif isinstance(selection, InlineFragmentNode):
                if self._reads_context(selection.selection_set):
                    return True
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None and self._reads_context(fragment.selection_set):
                    return True
        return False

    def _entity_start(
        self, fragment_type: GraphQLCompositeType, selections: Iterable[SelectionNode]
    ) -> EntityStart | None:
        """The subgraph an entity part starts in: one with a resolvable key for the type that
        resolves most of the part's fields itself (the first by name among equals)."""
        graph = self.graph
        if graph is None or not isinstance(fragment_type, GraphQLObjectType):
            return None
        named = graph.supergraph.types.get(fragment_type.name)
        if named is None:
            return None
        type_name = fragment_type.name
        names = [s.name.value for s in selections if isinstance(s, FieldNode)]
        names = [name for name in names if name != TYPENAME]
        routes = Routes(graph, BudgetTracker(PlanningBudget()))
        best: tuple[int, str, str] | None = None
        for subgraph in sorted(named.graphs):
            keys = named.keys_in(subgraph)
            if not keys or named.graphs[subgraph].is_interface_object:
                continue
            score = 0
            reachable = True
            for name in names:
                edge = graph.field_edge(type_name, subgraph, name)
                if edge is not None and edge.requires is None:
                    score += 1
                elif not any(
                    target == subgraph or routes.route(type_name, subgraph, target) is not None
                    for target in graph.subgraphs_resolving(type_name, name)
                ):
                    reachable = False  # from this key, no subgraph resolving it is reachable
                    break
            if reachable and (best is None or score > best[0]):
                best = (score, subgraph, keys[0].fields)
        if best is None:
            return None
        return EntityStart(best[1], best[2])

    def _needs(self, part: DeferredFragment) -> SelectionSetNode | None:
        """What the enclosing part fetches for ``part`` at its position."""
        if part.mode == "root":
            return None
        if part.mode == "entity":
            assert part.start is not None
            key = _parse_selection(part.start.key)
            typename = FieldNode(name=NameNode(value=TYPENAME))
            return SelectionSetNode(selections=(typename, *key.selections))
        if not part.selection_set.selections:
            return None
        return part.selection_set


def _type_condition(
    fragment_type: GraphQLCompositeType, parent: GraphQLCompositeType
) -> NamedTypeNode | None:
    if fragment_type is parent:
        return None
    return NamedTypeNode(name=NameNode(value=fragment_type.name))


def _parse_selection(field_set: str) -> SelectionSetNode:
    document = parse("{" + field_set + "}", no_location=True)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return operation.selection_set


# -- planning -----------------------------------------------------------------------------


class _EntityPartInfeasible(Exception):
    def __init__(self, key: DeferKey, message: str) -> None:
        super().__init__(message)
        self.key = key


class _PartWalker(Walker):
    """The walker started at the objects an entity part begins from."""

    def walk_part(
        self, part: DeferredFragment, operation: NormalizedOperation, first_id: int
    ) -> FetchGroup:
        assert part.start is not None
        self.fetch_graph.next_id = first_id
        group = self.fetch_graph.new_group(part.start.subgraph, part.path, is_entity=True)
        typed = group.requires.fragment(part.type_name)
        typed.add_field(TYPENAME)
        key = self.graph.field_sets.read(part.type_name, part.start.key)
        self.add_representation(typed, key, None)
        selection = operation.selection
        position = Position(
            group=group,
            selection=group.selection.fragment(part.type_name),
            type_name=part.type_name,
            subgraph=part.start.subgraph,
            path=part.path,
            conditions=NO_CONDITIONS,
            provided=None,
            client=selection,
        )
        self.plan_at(position, selection, planner_added=False)
        return group


class DeferPlanner:
    """Plans one operation's parts: the primary part, then every deferred part."""

    def __init__(
        self,
        supergraph: Supergraph,
        graph: QueryGraph,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
        values: Mapping[str, Any],
        budget: PlanningBudget | None = None,
    ) -> None:
        self.supergraph = supergraph
        self.graph = graph
        self.operation = operation
        self.budget = budget
        self.is_mutation = operation.operation is OperationType.MUTATION
        self.splitter = DeferSplitter(
            supergraph.api_schema, graph, fragments, values, is_mutation=self.is_mutation
        )
        self.fetches = 0
        self.next_id = 0

    def plan(self) -> DeferredQueryPlan:
        """The plan; an entity part the walk cannot plan from its key (a field reachable only
        along the enclosing part's path) is planned again as fetched by the enclosing part."""
        while True:
            try:
                return self._plan()
            except _EntityPartInfeasible as infeasible:
                if infeasible.key in self.splitter.no_entity:
                    raise PlanningError(str(infeasible)) from infeasible
                self.splitter.no_entity.add(infeasible.key)

    def _plan(self) -> DeferredQueryPlan:
        self.splitter.reset()
        split = self.splitter.split(self.operation)
        document = self._document(split.selection_set, self.operation.operation)
        name = self.operation.name.value if self.operation.name else None
        run = run_pipeline(self.supergraph, document, name, graph=self.graph, budget=self.budget)
        self.next_id = run.fetch_graph.next_id
        self.fetches = run.plan.stats.get("fetches", 0)
        self.normalized = run.operation
        steps = tuple(self._step(part, query_node(run.plan), None) for part in split.parts)
        stats = {"fetches": self.fetches, "deferred": len(split.all_parts())}
        return DeferredQueryPlan(
            run.plan, _print_client_selection(self.operation.selection_set), steps, stats
        )

    def _document(self, selection: SelectionSetNode, kind: OperationType) -> DocumentNode:
        operation = OperationDefinitionNode(
            operation=kind,
            name=self.operation.name,
            variable_definitions=self.operation.variable_definitions,
            directives=self.operation.directives,
            selection_set=selection,
        )
        return DocumentNode(definitions=(operation,))

    def _step(
        self, part: DeferredFragment, enclosing: PlanNode | None, parent_label: str | None
    ) -> DeferredStep:
        node: PlanNode | None = None
        depends: tuple[str, ...] = ()
        if part.mode == "root":
            node = self._plan_root_part(part)
        else:
            depends = _fetches_above(enclosing, part.path)
            if part.mode == "entity":
                node = self._plan_entity_part(part)
        # parts nested in this one start from what its own plan fetched, or, when it fetches
        # nothing, from what the enclosing part fetched
        inner, inner_label = (node, part.label) if node is not None else (enclosing, parent_label)
        children = tuple(self._step(child, inner, inner_label) for child in part.children)
        return DeferredStep(
            key=part.key,
            label=part.label,
            path=part.path,
            type_name=part.type_name,
            subselection=_print_client_selection(part.client_selection),
            depends=depends,
            node=node,
            children=children,
            parent_label=parent_label,
        )

    def _plan_root_part(self, part: DeferredFragment) -> PlanNode | None:
        document = self._document(part.selection_set, OperationType.QUERY)
        name = self.operation.name.value if self.operation.name else None
        run = run_pipeline(self.supergraph, document, name, graph=self.graph, budget=self.budget)
        root = query_node(run.plan)
        if root is None:
            return None
        node, self.next_id = _renumber(root, self.next_id)
        self.fetches += run.plan.stats.get("fetches", 0)
        return node

    def _plan_entity_part(self, part: DeferredFragment) -> PlanNode | None:
        tracker = BudgetTracker(self.budget or PlanningBudget())
        selection = Normalizer(self.supergraph).selection(part.type_name, part.selection_set)
        operation = replace(self.normalized, kind="query", selection=selection)
        walker = _PartWalker(self.graph, operation, tracker)
        try:
            start = walker.walk_part(part, operation, self.next_id)
        except RecursionError as error:
            raise PlanningError("query planning recursed too deeply") from error
        except PlanningError as error:
            raise _EntityPartInfeasible(part.key, str(error)) from error
        fetch_graph = walker.fetch_graph
        optimize(fetch_graph, is_mutation=False, check=tracker.check_deadline)
        roots = _start_from_enclosing_part(fetch_graph, start)
        self.next_id = fetch_graph.next_id

        def make_fetch(group: FetchGroup) -> FetchNode:
            node = fetch_node(group, operation, self.fetches, self.supergraph)
            self.fetches += 1
            return node

        return build_nodes(fetch_graph, roots, is_mutation=False, make_fetch=make_fetch)


def _start_from_enclosing_part(fetch_graph: FetchGraph, start: FetchGroup) -> list[int]:
    """A start fetch that fetches nothing but the key it starts from goes: what needed it
    needs only that key, which the enclosing part fetched. Otherwise fetches needing from it
    only that key run beside it, from the enclosing part's objects. Returns the part's first
    fetches."""
    key = start.requires.print()
    if start.selection.print() == key:
        for group in fetch_graph.dependents(start.id):
            group.dependencies.discard(start.id)
        del fetch_graph.groups[start.id]
        for group in fetch_graph.groups.values():
            if group.parent == start.id:
                group.parent = None
    else:
        for group in fetch_graph.groups.values():
            if (
                group is not start
                and group.dependencies == {start.id}
                and group.merge_path == start.merge_path
                and group.requires.print() == key
                and not group.uses_requires
            ):
                group.dependencies = set()
        if not fetch_graph.dependents(start.id):
            _drop_key_fields(start.selection, start.requires)
    return sorted(g.id for g in fetch_graph.groups.values() if not g.dependencies)


def _drop_key_fields(selection: SelectionToFetch, key: SelectionToFetch) -> None:
    """Leave out of a start fetch's ``selection`` the leaf fields of the ``key`` it sends: the
    enclosing part fetched them, and no fetch after it reads them from this one."""
    for type_condition, typed_key in key.fragments.items():
        typed = selection.fragments.get(type_condition)
        if typed is None:
            continue
        for name, key_field in typed_key.fields.items():
            found = typed.fields.get(name)
            if (
                found is not None
                and key_field.selection is None
                and found.selection is None
                and found.alias is None
                and not found.arguments
            ):
                del typed.fields[name]


def plan_deferred(
    supergraph: Supergraph,
    graph: QueryGraph,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    values: Mapping[str, Any] | None = None,
    budget: PlanningBudget | None = None,
) -> DeferredQueryPlan:
    """The deferred plan of a validated operation for these ``@defer(if:)`` variable values."""
    return DeferPlanner(supergraph, graph, operation, fragments, values or {}, budget).plan()


def plan_deferred_tree(
    supergraph: Supergraph,
    graph: QueryGraph,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    budget: PlanningBudget | None = None,
) -> DeferPlanTree:
    """The deferred plan of a validated operation for every value of its ``@defer(if:)``
    variables: a condition per variable, in name order, the plans for its values below it."""
    names = defer_variables(operation, fragments)

    def tree(values: dict[str, Any], rest: tuple[str, ...]) -> DeferPlanTree:
        if not rest:
            return plan_deferred(supergraph, graph, operation, fragments, values, budget)
        name, later = rest[0], rest[1:]
        return DeferCondition(
            name, tree({**values, name: True}, later), tree({**values, name: False}, later)
        )

    return tree({}, names)


def _fetches_above(node: PlanNode | None, path: tuple[str, ...]) -> tuple[str, ...]:
    """Ids of the fetches in ``node`` that fetched the objects at ``path`` or above them: an
    entity fetch at a path on it, a root fetch of its first field."""
    found: list[str] = []

    def visit(current: PlanNode | None, at: tuple[str, ...] | None) -> None:
        if current is None:
            return
        if isinstance(current, FetchNode):
            if current.id is None:
                return
            if at is None:
                if path and path[0] in _root_keys(current.operation):
                    found.append(current.id)
            elif path[: len(at)] == at:
                found.append(current.id)
        elif isinstance(current, FlattenNode):
            for flatten_path in current.paths:
                visit(current.node, flatten_path)
        elif isinstance(current, SequenceNode | ParallelNode):
            for child in current.nodes:
                visit(child, at)
        else:
            visit(current.if_clause, at)
            visit(current.else_clause, at)

    visit(node, None)
    return tuple(dict.fromkeys(found))


def _root_keys(operation: str) -> set[str]:
    document = parse(operation, no_location=True)
    definition = document.definitions[0]
    assert isinstance(definition, OperationDefinitionNode)
    return {
        (s.alias or s.name).value
        for s in definition.selection_set.selections
        if isinstance(s, FieldNode)
    }


def _renumber(node: PlanNode, first: int) -> tuple[PlanNode, int]:
    """``node`` with its fetches numbered from ``first`` (ids unique across all parts)."""
    counter = [first]

    def visit(current: PlanNode) -> PlanNode:
        if isinstance(current, FetchNode):
            renumbered = replace(current, id=str(counter[0]))
            counter[0] += 1
            return renumbered
        if isinstance(current, FlattenNode):
            return replace(current, node=visit(current.node))
        if isinstance(current, SequenceNode | ParallelNode):
            return replace(current, nodes=tuple(visit(child) for child in current.nodes))
        assert isinstance(current, ConditionNode)
        return replace(
            current,
            if_clause=visit(current.if_clause) if current.if_clause is not None else None,
            else_clause=visit(current.else_clause) if current.else_clause is not None else None,
        )

    return visit(node), counter[0]


def _print_client_selection(selection_set: SelectionSetNode) -> str:
    """The client's selection of a part, nested deferred fragments left out."""
    return print_ast(_strip_deferred(selection_set))


def _strip_deferred(selection_set: SelectionSetNode) -> SelectionSetNode:
    kept: list[SelectionNode] = []
    for selection in selection_set.selections:
        if directive(selection.directives, DEFER) is not None and not isinstance(
            selection, FieldNode
        ):
            continue
        if isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
            if isinstance(selection, FieldNode):
                selection = FieldNode(
                    alias=selection.alias,
                    name=selection.name,
                    arguments=selection.arguments,
                    directives=selection.directives,
                    selection_set=_strip_deferred(selection.selection_set),
                )
            else:
                selection = InlineFragmentNode(
                    type_condition=selection.type_condition,
                    directives=selection.directives,
                    selection_set=_strip_deferred(selection.selection_set),
                )
        kept.append(selection)
    return SelectionSetNode(selections=tuple(kept))


def _contextual_field_names(graph: QueryGraph | None) -> frozenset[str]:
    if graph is None:
        return frozenset()
    return frozenset(
        field_def.name
        for named in graph.supergraph.types.values()
        for field_def in named.fields.values()
        if any(source.context_arguments for source in field_def.sources.values())
    )

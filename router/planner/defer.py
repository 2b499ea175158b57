"""Planning ``@defer``: the primary part and every deferred part of a split operation
(``defer_split``), each planned on its own, into one ``DeferredQueryPlan``; and the tree of such
plans for every value of the ``@defer(if:)`` variables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    parse,
    print_ast,
)

from router.planner.defer_directives import (
    DEFER,
    directive,
)
from router.planner.defer_plan import (
    DeferCondition,
    DeferKey,
    DeferPlanTree,
    DeferredQueryPlan,
    DeferredStep,
)
from router.planner.defer_split import DeferredFragment, DeferSplitter, defer_variables
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
from router.planner.selection_set import SelectionToFetch
from router.planner.walker import Position, Walker
from router.supergraph.model import Supergraph


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
            run.plan, print_client_selection(self.operation.selection_set), steps, stats
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
            subselection=print_client_selection(part.client_selection),
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
    fixed: Mapping[str, Any] | None = None,
) -> DeferPlanTree:
    """The deferred plan of a validated operation for every value of its ``@defer(if:)``
    variables: a condition per variable, in name order, the plans for its values below it.
    Variables in ``fixed`` take the value given there (an absent one defers) and get no
    condition."""
    given = {name: bool(value) for name, value in (fixed or {}).items()}
    names = tuple(n for n in defer_variables(operation, fragments) if n not in given)

    def tree(values: dict[str, Any], rest: tuple[str, ...]) -> DeferPlanTree:
        if not rest:
            return plan_deferred(supergraph, graph, operation, fragments, values, budget)
        name, later = rest[0], rest[1:]
        return DeferCondition(
            name, tree({**values, name: True}, later), tree({**values, name: False}, later)
        )

    return tree(given, names)


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


def print_client_selection(selection_set: SelectionSetNode) -> str:
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

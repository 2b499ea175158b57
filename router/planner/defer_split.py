"""Splitting an operation with ``@defer`` into its primary part and its deferred parts.

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
from dataclasses import dataclass, field
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
    DeferKey,
)
from router.planner.errors import BudgetTracker, PlanningBudget, PlanningError
from router.planner.normalize import (
    TYPENAME,
)
from router.planner.query_graph import QueryGraph
from router.planner.routes import Routes

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


def _contextual_field_names(graph: QueryGraph | None) -> frozenset[str]:
    if graph is None:
        return frozenset()
    return frozenset(
        field_def.name
        for named in graph.supergraph.types.values()
        for field_def in named.fields.values()
        if any(source.context_arguments for source in field_def.sources.values())
    )

"""A plan checker independent of the planner: does a plan fetch everything, in time?

- every field the client selects is fetched at its response path by some fetch;
- every value an entity fetch needs for its representations (its ``requires``) is fetched by a
  fetch that has finished before it starts (Sequence order; Parallel branches don't count);
- every fetch's operation is valid GraphQL that declares exactly the variables it uses.

Paths are response keys without list markers; type conditions are ignored (a superset check).
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import (
    BooleanValueNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    VariableNode,
    parse,
    visit,
)
from graphql.language import Visitor

from router.planner.plan import (
    LIST_MARKER,
    ConditionNode,
    FetchNode,
    FieldSelection,
    FlattenNode,
    ParallelNode,
    PlanNode,
    QueryPlan,
    Selection,
    SequenceNode,
)
from router.supergraph import Supergraph, TypeKind

Path = tuple[str, ...]


def check_plan(
    plan: QueryPlan,
    document: DocumentNode,
    operation_name: str | None = None,
    supergraph: Supergraph | None = None,
) -> None:
    """Raise AssertionError describing the first problem found.

    With the supergraph, a client field under a fragment on type T of an abstract position is
    only required where a subgraph that fetched that position can return a T there."""
    placed = list(_placed_fetches(plan.node, (), frozenset()))
    fetched_by: dict[int, set[Path]] = {}
    subgraphs_at: dict[Path, set[str]] = {}
    for index, path, fetch, _ in placed:
        found = _fetched_paths(fetch, path)
        fetched_by.setdefault(index, set()).update(found)
        for fetched in found:
            subgraphs_at.setdefault(fetched, set()).add(fetch.service_name)
        _check_variables(fetch)
    for client_path, conditions in _client_paths(document, operation_name, supergraph).items():
        if supergraph is not None and not all(
            _can_return(supergraph, subgraphs_at.get(at, set()), abstract, object_type)
            for at, abstract, object_type in conditions
        ):
            continue
        assert client_path in subgraphs_at, f"nothing fetches {'.'.join(client_path)}"
    # A multi-path fetch is placed at each of its paths; its typed requires are met when the
    # objects at one of them (those of the type) have each required field.
    placements: dict[int, list[tuple[Path, frozenset[int]]]] = {}
    fetches: dict[int, FetchNode] = {}
    for _, path, fetch, before in placed:
        placements.setdefault(id(fetch), []).append((path, before))
        fetches[id(fetch)] = fetch
    for key, at in placements.items():
        fetch = fetches[key]
        for relative in _required_paths(fetch.requires, ()):
            satisfied = False
            for path, before in at:
                available = set().union(*(fetched_by[i] for i in before)) if before else set()
                if (*_strip(path), *relative) in available:
                    satisfied = True
                    break
            first = _strip(at[0][0])
            assert satisfied, (
                f"fetch {fetch.service_name} at {' + '.join('.'.join(p) for p, _ in at)} needs "
                f"{'.'.join((*first, *relative))} before it runs"
            )


# -- plan traversal -----------------------------------------------------------------------------


def _placed_fetches(
    node: PlanNode | None, path: Path, before: frozenset[int]
) -> Iterator[tuple[int, Path, FetchNode, frozenset[int]]]:
    """(fetch index, flatten path, fetch, indexes of fetches finished before it), in plan
    order; a multi-path fetch once per path, with one index."""
    yield from _walk(node, path, before, [0])


def _walk(
    node: PlanNode | None, path: Path, before: frozenset[int], counter: list[int]
) -> Iterator[tuple[int, Path, FetchNode, frozenset[int]]]:
    if node is None:
        return
    if isinstance(node, FetchNode):
        counter[0] += 1
        yield counter[0] - 1, path, node, before
    elif isinstance(node, FlattenNode):
        start = counter[0]
        for flatten_path in node.paths:  # a multi-path Flatten: one fetch, placed at each path
            counter[0] = start
            yield from _walk(node.node, flatten_path, before, counter)
    elif isinstance(node, ConditionNode):
        yield from _walk(node.if_clause, path, before, counter)
        yield from _walk(node.else_clause, path, before, counter)
    elif isinstance(node, SequenceNode):
        done = set(before)
        for child in node.nodes:
            start = counter[0]
            yield from _walk(child, path, frozenset(done), counter)
            done |= set(range(start, counter[0]))
    elif isinstance(node, ParallelNode):
        for child in node.nodes:
            yield from _walk(child, path, before, counter)


# -- what fetches return ------------------------------------------------------------------------


def _strip(path: Path) -> Path:
    return tuple(key for key in path if key != LIST_MARKER)


def _fetched_paths(fetch: FetchNode, path: Path) -> set[Path]:
    document = parse(fetch.operation)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    selection_set = operation.selection_set
    if fetch.requires:
        entities = selection_set.selections[0]
        assert isinstance(entities, FieldNode) and entities.name.value == "_entities"
        assert entities.selection_set is not None
        selection_set = entities.selection_set
    found: set[Path] = set()
    _collect(selection_set, _strip(path), found, {})
    return found


def _collect(
    selection_set: SelectionSetNode,
    prefix: Path,
    found: set[Path],
    fragments: dict[str, FragmentDefinitionNode],
) -> None:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            key = selection.alias.value if selection.alias else selection.name.value
            found.add((*prefix, key))
            if selection.selection_set is not None:
                _collect(selection.selection_set, (*prefix, key), found, fragments)
        elif isinstance(selection, InlineFragmentNode):
            _collect(selection.selection_set, prefix, found, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            _collect(fragments[selection.name.value].selection_set, prefix, found, fragments)


def _required_paths(selections: tuple[Selection, ...], prefix: Path) -> Iterator[Path]:
    for selection in selections:
        if isinstance(selection, FieldSelection):
            path = (*prefix, selection.response_key)
            yield path
            yield from _required_paths(selection.selections, path)
        else:
            yield from _required_paths(selection.selections, prefix)


def _check_variables(fetch: FetchNode) -> None:
    document = parse(fetch.operation)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    declared = {d.variable.name.value for d in operation.variable_definitions or ()}
    used: set[str] = set()

    class _Uses(Visitor):
        def enter_variable(self, node: VariableNode, *_: object) -> None:
            used.add(node.name.value)

    visit(operation.selection_set, _Uses())
    assert declared == used, f"{fetch.operation}: declares {declared}, uses {used}"
    # @fromContext values are set per entity by the router, not forwarded from the client
    expected = declared - {"representations"} - {v.variable for v in fetch.context_values}
    assert set(fetch.variable_usages) == expected, fetch.operation


# -- what the client asks for -------------------------------------------------------------------


# (path of the abstract position, abstract type, object type the fragment is on)
Narrowing = tuple[Path, str, str]


def _client_paths(
    document: DocumentNode, operation_name: str | None, supergraph: Supergraph | None
) -> dict[Path, tuple[Narrowing, ...]]:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    operation = next(
        (
            o
            for o in operations
            if operation_name is None or (o.name is not None and o.name.value == operation_name)
        ),
        operations[0],
    )
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    found: dict[Path, tuple[Narrowing, ...]] = {}
    root = supergraph.root_types()[operation.operation.value] if supergraph else ""
    _collect_client(operation.selection_set, (), root, (), found, fragments, supergraph)
    return found


def _collect_client(
    selection_set: SelectionSetNode,
    prefix: Path,
    type_name: str,
    narrowings: tuple[Narrowing, ...],
    found: dict[Path, tuple[Narrowing, ...]],
    fragments: dict[str, FragmentDefinitionNode],
    supergraph: Supergraph | None,
) -> None:
    for selection in selection_set.selections:
        if _literally_excluded(selection):
            continue
        if isinstance(selection, FieldNode):
            name = selection.name.value
            if not prefix and name in ("__typename", "__schema", "__type"):
                continue  # answered by the router itself
            key = selection.alias.value if selection.alias else name
            path = (*prefix, key)
            if path not in found or len(narrowings) < len(found[path]):
                found[path] = narrowings
            if selection.selection_set is not None:
                child = _field_type(supergraph, type_name, name)
                _collect_client(
                    selection.selection_set, path, child, narrowings, found, fragments, supergraph
                )
            continue
        if isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition.name.value if selection.type_condition else None
            selections = selection.selection_set
        else:
            assert isinstance(selection, FragmentSpreadNode)
            fragment = fragments[selection.name.value]
            condition = fragment.type_condition.name.value
            selections = fragment.selection_set
        inner, narrowed = type_name, narrowings
        if supergraph is not None and condition is not None and condition != type_name:
            named = supergraph.types.get(type_name)
            target = supergraph.types.get(condition)
            if named is not None and named.is_abstract and target is not None:
                if target.kind is TypeKind.OBJECT:
                    narrowed = (*narrowings, (prefix, type_name, condition))
                inner = condition
        _collect_client(selections, prefix, inner, narrowed, found, fragments, supergraph)


def _field_type(supergraph: Supergraph | None, type_name: str, field_name: str) -> str:
    if supergraph is None or field_name == "__typename":
        return ""
    named = supergraph.types.get(type_name)
    field = named.fields.get(field_name) if named else None
    if field is None:
        return ""
    return field.type.replace("[", "").replace("]", "").replace("!", "")


def _can_return(
    supergraph: Supergraph, subgraphs: set[str], abstract: str, object_type: str
) -> bool:
    named = supergraph.types[abstract]
    member = supergraph.types[object_type]
    for subgraph in subgraphs:
        definition = named.graphs.get(subgraph)
        if definition is not None and definition.is_interface_object:
            return True
        if named.kind is TypeKind.UNION and subgraph in named.members.get(object_type, set()):
            return True
        if subgraph in member.implements.get(abstract, set()):
            return True
    return False


def _literally_excluded(selection: SelectionNode) -> bool:
    conditions: dict[str, set[object]] = {}
    for directive in selection.directives or ():
        name = directive.name.value
        if name not in ("skip", "include"):
            continue
        for argument in directive.arguments or ():
            value = argument.value
            if isinstance(value, BooleanValueNode) and value.value == (name == "skip"):
                return True
            if isinstance(value, VariableNode):
                conditions.setdefault(value.name.value, set()).add(name)
    return any(len(kinds) == 2 for kinds in conditions.values())

"""SATISFIABILITY_ERROR: every field of the API schema must be reachable by some query plan.

A walk over the query graph: a vertex is (type, subgraph); from a root type any subgraph
defining it can start; a field resolvable in the current subgraph leads to its type in that
subgraph; a key jump moves an entity to another subgraph that defines a resolvable ``@key``
whose fields the current subgraph can provide. A field that some subgraph resolves but that
cannot be reached from a vertex where it is selectable is unsatisfiable.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, replace

from router.compose.errors import Diagnostics
from router.federation.field_sets import FieldSelection
from router.federation.reachability import KeyReachability, LocalFields
from router.federation.type_refs import named_type, parse_type_ref
from router.supergraph.model import Field, FieldInSubgraph, NamedType, Supergraph, TypeKind

_EXAMPLE_VALUES = {
    "String": '"A string value"',
    "ID": '"<any id>"',
    "Int": "0",
    "Float": "3.14",
    "Boolean": "true",
}


@dataclass(frozen=True, slots=True)
class PathStep:
    """One step of the query that reaches a state: a field or a type condition."""

    name: str  # ``parcel`` or ``... on Book``
    arguments: tuple[str, ...] = ()  # ``trackingNumber: "A string value"``


@dataclass(frozen=True, slots=True)
class Vertex:
    """A type in one subgraph, with what a ``@provides`` on the way makes local there."""

    type_name: str
    subgraph: str
    provided: tuple[FieldSelection, ...] = ()


@dataclass(frozen=True, slots=True)
class State:
    """A query path and every vertex some query plan can be at after following it."""

    type_name: str
    vertices: frozenset[Vertex]
    path: tuple[PathStep, ...]
    operation: str = "query"
    contexts: frozenset[str] = frozenset()  # set by a type on the path (@context)


_MAX_LINE_LENGTH = 80  # graphql-js prints longer argument lists one per line

# Distinct states explored before giving up (a pathological schema must not hang composition).
STATE_BUDGET = 100_000


class _Walker:
    def __init__(self, supergraph: Supergraph, diagnostics: Diagnostics) -> None:
        self.supergraph = supergraph
        self.diagnostics = diagnostics
        self.seen: set[tuple[str, frozenset[Vertex], frozenset[str]]] = set()
        self.queue: deque[State] = deque()
        # Key jumps are answered by the federation core, as the planner's are (no labels: a
        # progressive @override's label is off).
        self.field_sets = supergraph.field_sets
        self.reachability = KeyReachability(
            LocalFields.build(supergraph, frozenset(), supergraph.field_sets)
        )
        self.reported: set[tuple[str, frozenset[str]]] = set()
        self.contexts: dict[str, frozenset[str]] = {}

    def run(self) -> None:
        for operation, root in self.supergraph.root_types().items():
            named = self.supergraph.types.get(root)
            if named is None:
                continue
            vertices = frozenset(Vertex(root, graph) for graph in named.graphs)
            self.push(State(root, vertices, (), operation))
        while self.queue and len(self.seen) <= STATE_BUDGET:
            self.visit(self.queue.popleft())
        if self.queue:
            self.diagnostics.hint(
                "SATISFIABILITY_CHECK_INCOMPLETE",
                f"The satisfiability check stopped after {STATE_BUDGET} query paths; some fields "
                "of the supergraph were not checked.",
            )

    def set_contexts(self, named: NamedType) -> frozenset[str]:
        found = self.contexts.get(named.name)
        if found is None:
            found = self.contexts[named.name] = set_contexts(self.supergraph, named)
        return found

    def push(self, state: State) -> None:
        marker = (state.type_name, state.vertices, state.contexts)
        if marker in self.seen:
            return
        self.seen.add(marker)
        self.queue.append(state)

    # -- facts ----------------------------------------------------------------------------

    def resolvers(
        self, named: NamedType, merged: Field, overridden: bool | None = None
    ) -> list[str]:
        """Subgraphs resolving the field; with a progressive @override, ``overridden`` says
        whether its label is on (the new owner resolves it) or off (the old one does)."""
        graphs = [
            graph
            for graph, source in merged.sources.items()
            if not source.external
            and not source.used_overridden
            and not (overridden is True and _old_owner(source))
            and not (overridden is False and _new_owner(source))
        ]
        if not merged.sources:
            for interface_name in named.interfaces:
                interface = self.supergraph.types.get(interface_name)
                if interface is None or merged.name not in interface.fields:
                    continue
                for graph, source in interface.fields[merged.name].sources.items():
                    definition = interface.graphs.get(graph)
                    if definition and definition.is_interface_object and not source.external:
                        graphs.append(graph)
        return graphs

    def key_targets(self, named: NamedType) -> dict[str, NamedType]:
        """Subgraphs an entity can be fetched from (its own type or an interface object)."""
        return self.reachability.jump_targets(named)

    def can_provide_key(
        self, named: NamedType, source_graph: str, target: NamedType, target_graph: str
    ) -> bool:
        """Whether ``source_graph`` can select a resolvable key of the entity there."""
        return (
            self.reachability.jump_key(named.name, source_graph, target, target_graph) is not None
        )

    def requirements_met(self, named: NamedType, merged: Field, graph: str) -> bool:
        """Whether the fields a ``@requires`` in ``graph`` names can be fetched for it."""
        source = merged.sources.get(graph)
        if source is None or not source.requires:
            return True
        reachable = self.closure(named, graph)
        for name in self.field_sets.top_level_names(source.requires):
            required = named.fields.get(name)
            if required is None:
                return False
            if not any(other in reachable for other in self.resolvers(named, required)):
                return False
        return True

    def closure(self, named: NamedType, start: str) -> list[str]:
        """Subgraphs reachable from ``start`` for an entity of type ``named`` by key jumps."""
        return self.reachability.closure(named, start)

    # -- walking --------------------------------------------------------------------------

    def visit(self, state: State) -> None:
        named = self.supergraph.types.get(state.type_name)
        if named is None or named.inaccessible:
            return
        if named.kind is TypeKind.OBJECT:
            self.check_fields(named, state)
            return
        if not named.is_abstract:
            return
        state = replace(state, contexts=state.contexts | self.set_contexts(named))
        object_like = frozenset(
            vertex
            for vertex in state.vertices
            if (definition := named.graphs.get(vertex.subgraph)) is not None
            and definition.is_interface_object
        )
        if object_like:
            self.check_fields(
                named,
                State(named.name, object_like, state.path, state.operation, state.contexts),
            )
        for runtime in self.supergraph.possible_types(named.name):
            runtime_type = self.supergraph.types.get(runtime)
            if runtime_type is None or runtime_type.inaccessible:
                continue
            step = PathStep(f"... on {runtime}")
            found = {
                Vertex(runtime, vertex.subgraph, _narrowed(vertex.provided, runtime))
                for vertex in state.vertices
                if vertex not in object_like and self.returns(named, runtime_type, vertex.subgraph)
            }
            for vertex in object_like:
                owners = self.interface_owners(named, runtime_type, vertex.subgraph)
                if not owners:
                    self.report_unresolvable_implementation(named, vertex, state, step)
                found.update(Vertex(runtime, graph) for graph in owners)
            if found:
                self.push(
                    State(
                        runtime,
                        frozenset(found),
                        (*state.path, step),
                        state.operation,
                        state.contexts,
                    )
                )

    def interface_owners(self, interface: NamedType, runtime: NamedType, start: str) -> list[str]:
        """Subgraphs with the real interface (and ``runtime`` implementing it) that an
        ``@interfaceObject`` in ``start`` can jump to, to learn an entity's concrete type."""
        owners: list[str] = []
        for graph, definition in interface.graphs.items():
            if definition.is_interface_object or not definition.resolvable_keys:
                continue
            if graph not in runtime.implements.get(interface.name, set()):
                continue
            if self.can_provide_key(interface, start, interface, graph):
                owners.append(graph)
        return owners

    def report_unresolvable_implementation(
        self, interface: NamedType, vertex: Vertex, state: State, step: PathStep
    ) -> None:
        marker = (f"{interface.name}@{vertex.subgraph}", frozenset({vertex.subgraph}))
        if marker in self.reported:
            return
        self.reported.add(marker)
        query = _print_query(state.operation, [*state.path, step], True)
        self.diagnostics.error(
            "SATISFIABILITY_ERROR",
            f"The following supergraph API query:\n{query}\n"
            "cannot be satisfied by the subgraphs because:\n"
            f'- from subgraph "{vertex.subgraph}": no subgraph can be reached to resolve the '
            f'implementation type of @interfaceObject type "{interface.name}".',
        )

    def returns(self, abstract: NamedType, runtime: NamedType, graph: str) -> bool:
        if abstract.kind is TypeKind.UNION:
            return graph in abstract.members.get(runtime.name, set())
        return graph in runtime.implements.get(abstract.name, set())

    def check_fields(self, named: NamedType, state: State) -> None:
        contexts = state.contexts | self.set_contexts(named)
        for merged in named.fields.values():
            if merged.inaccessible:
                continue
            options: set[Vertex] = set()
            failed_world: bool | None = None
            for world in _override_worlds(merged):
                found: set[Vertex] = set()
                for vertex in state.vertices:
                    found |= self.options(named, merged, vertex, world, contexts)
                if not found:
                    failed_world = world
                    options = set()
                    break
                options |= found
            if not options:
                self.report(named, merged, replace(state, contexts=contexts), failed_world)
                continue
            target = named_type(merged.type)
            target_type = self.supergraph.types.get(target)
            if target_type is None or not target_type.is_composite:
                continue
            step = self.field_step(merged)
            self.push(
                State(target, frozenset(options), (*state.path, step), state.operation, contexts)
            )

    def options(
        self,
        named: NamedType,
        merged: Field,
        vertex: Vertex,
        overridden: bool | None = None,
        contexts: frozenset[str] = frozenset(),
    ) -> set[Vertex]:
        """Where the field's value can come from, starting at ``vertex``."""
        target = named_type(merged.type)
        found: set[Vertex] = set()
        provided = _provided(vertex.provided, merged.name)
        if provided is not None:
            found.add(Vertex(target, vertex.subgraph, provided))
        resolving = self.resolvers(named, merged, overridden)
        for graph in self.closure(named, vertex.subgraph):
            if graph not in resolving or not self.requirements_met(named, merged, graph):
                continue
            source = merged.sources.get(graph)
            if source is not None and not _contexts_met(source, contexts):
                continue
            provides: tuple[FieldSelection, ...] = ()
            if source is not None and source.provides:
                provides = self.field_sets.selections(source.provides)
            found.add(Vertex(target, graph, provides))
        return found

    # -- reporting ------------------------------------------------------------------------

    def field_step(self, merged: Field) -> PathStep:
        arguments = tuple(
            f"{argument.name}: {self.example(argument.type)}"
            for argument in merged.arguments.values()
            if not argument.inaccessible
        )
        return PathStep(merged.name, arguments)

    def example(self, type_string: str) -> str:
        """A value of the type, as Apollo's satisfiability messages show one."""
        type_ref = parse_type_ref(type_string)
        if type_ref.is_list:
            return "[]"
        inner = type_ref.named
        if inner in _EXAMPLE_VALUES:
            return _EXAMPLE_VALUES[inner]
        named = self.supergraph.types.get(inner)
        if named is not None and named.kind is TypeKind.ENUM and named.values:
            return next(iter(named.values))
        if named is not None and named.kind is TypeKind.INPUT_OBJECT:
            fields = [
                f"{value.name}: {self.example(value.type)}"
                for value in named.input_fields.values()
                if parse_type_ref(value.type).non_null and value.default_value is None
            ]
            return "{" + ", ".join(fields) + "}"
        return '"<some value>"'

    def report(
        self, named: NamedType, merged: Field, state: State, overridden: bool | None = None
    ) -> None:
        coordinate = f"{named.name}.{merged.name}"
        starts = sorted({vertex.subgraph for vertex in state.vertices})
        marker = (coordinate, frozenset(starts))
        if marker in self.reported:
            return
        self.reported.add(marker)
        steps = [*state.path, self.field_step(merged)]
        target = self.supergraph.types.get(named_type(merged.type))
        query = _print_query(state.operation, steps, target is not None and target.is_composite)
        blocks: list[str] = []
        listed: set[str] = set()
        for start in starts:
            for graph in self.closure(named, start):
                if graph in listed:
                    continue
                listed.add(graph)
                reasons = [self.why_not_here(named, merged, graph, overridden, state.contexts)]
                reasons.extend(self.why_not_moved(named, merged, graph, overridden))
                if len(reasons) == 1:
                    blocks.append(f'- from subgraph "{graph}": {reasons[0]}')
                else:
                    blocks.append(
                        f'- from subgraph "{graph}":\n'
                        + "\n".join(f"  - {reason}" for reason in reasons)
                    )
        self.diagnostics.error(
            "SATISFIABILITY_ERROR",
            "The following supergraph API query:\n"
            + query
            + "\ncannot be satisfied by the subgraphs because:\n"
            + "\n".join(blocks),
        )

    def why_not_here(
        self,
        named: NamedType,
        merged: Field,
        graph: str,
        overridden: bool | None = None,
        contexts: frozenset[str] = frozenset(),
    ) -> str:
        coordinate = f"{named.name}.{merged.name}"
        source = merged.sources.get(graph)
        switched_off = source is not None and (
            (overridden is True and _old_owner(source))
            or (overridden is False and _new_owner(source))
        )
        if source is not None and switched_off:
            label = source.override_label
            holds = "false" if _old_owner(source) else "true"
            target = named_type(merged.type)
            return (
                f"Unable to take edge {named.name}({graph}) -> {target}({graph}) "
                f"({label} = {holds} ⊢ {merged.name}) because override condition "
                f'"{label}" is {str(overridden).lower()}.'
            )
        if source is not None and source.external:
            return f'field "{coordinate}" is not resolvable because marked @external.'
        if source is not None and source.requires:
            return f'cannot satisfy @require conditions on field "{coordinate}".'
        if source is not None and not _contexts_met(source, contexts):
            return f'could not find a match for required context for field "{coordinate}".'
        return f'cannot find field "{coordinate}".'

    def why_not_moved(
        self, named: NamedType, merged: Field, start: str, overridden: bool | None = None
    ) -> list[str]:
        coordinate = f"{named.name}.{merged.name}"
        reachable = self.closure(named, start)
        targets = self.key_targets(named)
        reasons: list[str] = []
        resolving = self.resolvers(named, merged, overridden)
        for graph in [*named.graphs, *(g for g in targets if g not in named.graphs)]:
            if graph in reachable:
                continue
            definition = named.graphs.get(graph)
            if graph in targets:
                reasons.extend(
                    f'cannot move to subgraph "{graph}" using @key(fields: "{key.fields}") of '
                    f'"{named.name}", the key field(s) cannot be resolved from subgraph '
                    f'"{start}".'
                    for key in targets[graph].keys_in(graph)
                )
            elif graph not in resolving:
                continue
            elif definition is not None and definition.keys:
                reasons.append(
                    f'cannot move to subgraph "{graph}", which has field "{coordinate}", because '
                    f'none of the @key defined on type "{named.name}" in subgraph "{graph}" are '
                    'resolvable (they are all declared with their "resolvable" argument set to '
                    "false)."
                )
            else:
                reasons.append(
                    f'cannot move to subgraph "{graph}", which has field "{coordinate}", because '
                    f'type "{named.name}" has no @key defined in subgraph "{graph}".'
                )
        return reasons


def set_contexts(supergraph: Supergraph, named: NamedType) -> frozenset[str]:
    """The (subgraph-qualified) contexts a type sets: ``@context(name:)`` on it, on an
    interface it implements or on a union it is a member of."""
    setters = [named, *(supergraph.types[i] for i in named.interfaces if i in supergraph.types)]
    setters += [t for t in supergraph.types.values() if named.name in t.members]
    return frozenset(
        match.group(1)
        for setter in setters
        for directive in setter.directives
        if directive.name == "context"
        for match in [_CONTEXT_NAME.search(directive.arguments)]
        if match is not None
    )


def _contexts_met(source: FieldInSubgraph, contexts: frozenset[str]) -> bool:
    """Whether every context the field's @fromContext arguments take is set above it."""
    return all(argument.context in contexts for argument in source.context_arguments)


_CONTEXT_NAME = re.compile(r'name:\s*"([^"]*)"')


def _old_owner(source: FieldInSubgraph) -> bool:
    """The subgraph a progressive @override moves the field away from."""
    return source.override_label is not None and source.override is None


def _new_owner(source: FieldInSubgraph) -> bool:
    """The subgraph a progressive @override moves the field to."""
    return source.override_label is not None and source.override is not None


def _override_worlds(merged: Field) -> tuple[bool | None, ...]:
    """Both states of a progressive @override's label must leave the field reachable."""
    if any(source.override_label is not None for source in merged.sources.values()):
        return (True, False)
    return (None,)


def _print_query(operation: str, steps: list[PathStep], ends_in_composite: bool) -> str:
    """The query reaching the last step, printed like graphql-js prints operations."""
    lines = ["{" if operation == "query" else f"{operation} {{"]
    for depth, step in enumerate(steps, start=1):
        indent = "  " * depth
        last = depth == len(steps)
        opens = not last or ends_in_composite
        suffix = " {" if opens else ""
        one_line = step.name + (f"({', '.join(step.arguments)})" if step.arguments else "")
        if len(one_line) <= _MAX_LINE_LENGTH:
            lines.append(f"{indent}{one_line}{suffix}")
        else:
            lines.append(f"{indent}{step.name}(")
            lines.extend(f"{indent}  {argument}" for argument in step.arguments)
            lines.append(f"{indent}){suffix}")
    if ends_in_composite:
        lines.append("  " * (len(steps) + 1) + "...")
        lines.append("  " * len(steps) + "}")
    for depth in range(len(steps) - 1, 0, -1):
        lines.append("  " * depth + "}")
    lines.append("}")
    return "\n".join(lines)


def _provided(
    selections: tuple[FieldSelection, ...], field_name: str
) -> tuple[FieldSelection, ...] | None:
    """The sub-selection a @provides gives for ``field_name``, or None if not provided."""
    for selection in selections:
        if selection.is_fragment:
            found = _provided(selection.selections, field_name)
            if found is not None:
                return found
        elif selection.name == field_name:
            return selection.selections
    return None


def _narrowed(selections: tuple[FieldSelection, ...], runtime: str) -> tuple[FieldSelection, ...]:
    """Provided selections that apply to ``runtime`` (plain fields and its fragments)."""
    result: list[FieldSelection] = []
    for selection in selections:
        if not selection.is_fragment:
            result.append(selection)
        elif selection.type_condition in (None, runtime):
            result.extend(selection.selections)
    return tuple(result)


def validate_satisfiability(supergraph: Supergraph, diagnostics: Diagnostics) -> None:
    """Report a SATISFIABILITY_ERROR for each field no query plan can reach."""
    _Walker(supergraph, diagnostics).run()

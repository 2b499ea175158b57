"""The walk's ``@fromContext`` part: which objects above a position set each context, and the
entity fetch that carries a field's context arguments as variables set per entity."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from router.planner.context_arguments import (
    context_value,
    contextual_arguments,
    levels_between,
    selection_text,
    value_selection,
    with_context_arguments,
)
from router.planner.errors import PlanningError
from router.planner.normalize import (
    TYPENAME,
    NormalizedField,
    NormalizedSelection,
    is_abstract,
)
from router.planner.position import Position
from router.supergraph.model import ContextArgument

if TYPE_CHECKING:
    from router.planner.walker import Walker


class ContextWalk:
    """A walker's ``@fromContext`` decisions."""

    def __init__(self, walker: Walker) -> None:
        self.walker = walker

    def entering(self, position: Position) -> Position:
        """The position, as the nearest setter of the contexts its type sets; at an abstract
        position, each runtime type setting a context is a partial setter there."""
        if not self.walker.context_setters:
            return position
        known = dict(position.contexts)
        changed = False
        if is_abstract(self.walker.supergraph, position.type_name):
            own = self.walker.context_setters.get(position.type_name, ())
            for name in own:
                changed |= _record(known, name, position)
            runtime = self.walker.graph.runtime_types(position.type_name, position.subgraph)
            setting: dict[str, list[str]] = {}
            for object_type in runtime:
                for name in self.walker.context_setters.get(object_type, ()):
                    if name not in own:
                        setting.setdefault(name, []).append(object_type)
            for name, object_types in setting.items():
                if len(object_types) == len(runtime):
                    # every object here sets it: the abstract position is the setter
                    changed |= _record(known, name, position)
                    continue
                for object_type in object_types:
                    narrowed = replace(
                        position,
                        selection=position.selection.fragment(object_type),
                        type_name=object_type,
                        partial=True,
                    )
                    changed |= _record(known, name, narrowed)
        else:
            for name, setters in known.items():
                # the partial setters of other runtime types at this place do not apply here
                kept = tuple(
                    s
                    for s in setters
                    if not (
                        s.partial
                        and s.type_name != position.type_name
                        and s.group is position.group
                        and s.path == position.path
                    )
                )
                if kept != setters:
                    known[name] = kept
                    changed = True
            for name in self.walker.context_setters.get(position.type_name, ()):
                changed |= _record(known, name, position)
        if not changed:
            return position
        return replace(position, contexts=tuple(known.items()))

    def target(
        self, position: Position, item: NormalizedField
    ) -> tuple[str, list[ContextArgument]] | None:
        """The subgraph resolving a field with context arguments, and those arguments."""
        options = self.walker.graph.subgraphs_resolving(position.type_name, item.name)
        options = sorted(options, key=lambda subgraph: subgraph != position.subgraph)
        for subgraph in options:
            arguments = contextual_arguments(
                self.walker.supergraph, position.type_name, item.name, subgraph
            )
            if arguments and self.walker.routes.route(
                position.type_name, position.subgraph, subgraph
            ):
                return subgraph, arguments
        return None

    def setter_resolving(
        self, candidates: tuple[Position, ...], required: NormalizedSelection
    ) -> Position:
        """Of the positions of one setter object, the first whose subgraph resolves the
        context's fields itself (no extra fetch for them); the nearest when none does."""
        for candidate in candidates:
            if all(
                item.name == TYPENAME or self.walker.local_edge(candidate, item.name) is not None
                for item in required.fields.values()
            ):
                return candidate
        return candidates[-1]

    def plan(
        self,
        position: Position,
        item: NormalizedField,
        target: str,
        arguments: list[ContextArgument],
        planner_added: bool,
    ) -> set[int]:
        """A field with context arguments: each context's selection is fetched at the object
        setting it, and the field by an entity fetch whose request carries each value as a
        variable set per entity: the fetch the walk is in when its entities are at or below
        every setter fetched before it, otherwise a new one (even into the same subgraph)."""
        setters = dict(position.contexts)
        conditions = position.conditions | item.conditions
        dependencies: set[int] = set()
        chosen: list[tuple[ContextArgument, str, Position, NormalizedSelection]] = []
        for argument in arguments:
            variable = self.walker.context_variables[
                (target, position.type_name, item.name, argument.name)
            ]
            text = selection_text(argument)
            # the nearest objects strictly above the field's object, by the types setting it
            for candidates in _nearest_setters(position, setters.get(argument.context, ())):
                required = self.walker.graph.field_sets.read(candidates[-1].type_name, text)
                setter = self.setter_resolving(candidates, required)
                setter.selection.add_field(TYPENAME)
                guarded = replace(setter, conditions=conditions, contexts=(), partial=False)
                dependencies |= self.walker.plan_at(guarded, required, planner_added=True)
                chosen.append((argument, variable, setter, required))
            if not chosen or chosen[-1][0] is not argument:
                raise PlanningError(
                    f"cannot plan field {position.type_name}.{item.name}: its argument "
                    f'"{argument.name}" takes its value from context '
                    f'"{argument.context.split("__", 1)[-1]}", which no type above it sets'
                )
        group = position.group
        in_place = (
            target == position.subgraph
            and group.is_entity
            and group.id not in dependencies
            and all(
                setter.group is not group and group.merge_path[: len(setter.path)] == setter.path
                for _, _, setter, _ in chosen
            )
            and self.walker.fetch_graph.may_depend_on(group, dependencies)
        )
        if in_place:
            group.dependencies |= dependencies
            child = position
        else:
            child = self.walker.jump(position, target, dependencies, None, conditions)
        bound: list[tuple[str, str]] = []
        for argument, variable, setter, required in chosen:
            keys = {
                f.name: self.walker.alias_for(setter.client, f, True)
                for f in required.fields.values()
            }
            value = context_value(
                variable,
                argument,
                levels_between(setter.path, child.group.merge_path),
                (setter.type_name,)
                if setter.partial
                else tuple(self.walker.supergraph.possible_types(setter.type_name)),
                value_selection(required, keys),
            )
            if value not in child.group.context_values:
                child.group.context_values.append(value)
            if (argument.name, variable) not in bound:
                bound.append((argument.name, variable))
        bound_item = replace(item, arguments=with_context_arguments(item.arguments, bound))
        touched = {child.group.id} | dependencies
        return touched | self.walker.add_resolved_field(child, bound_item, planner_added, target)


def _nearest_setters(
    position: Position, setters: tuple[Position, ...]
) -> list[tuple[Position, ...]]:
    """The setters a field at ``position`` may take a context's value from, nearest first, by
    setter type: the nearest full setters (one object, maybe in several subgraphs), after the
    partial setters (of some runtime types of abstract positions) between them and the field."""
    above = [p for p in setters if p.path != position.path]
    chosen: list[tuple[Position, ...]] = []
    for depth in sorted({len(p.path) for p in above}, reverse=True):
        level = [p for p in above if len(p.path) == depth]
        full = tuple(p for p in level if not p.partial)
        if full:
            chosen.append(full)
            break
        by_type: dict[str, list[Position]] = {}
        for partial in level:
            by_type.setdefault(partial.type_name, []).append(partial)
        chosen.extend(tuple(group) for group in by_type.values())
    return chosen


def _record(known: dict[str, tuple[Position, ...]], name: str, setter: Position) -> bool:
    """Add ``setter`` as the nearest setter of context ``name``; a full setter replaces a
    partial one at the same place. Whether ``known`` changed."""
    setters = known.get(name, ())
    for index, existing in enumerate(setters):
        if _same_place(existing, setter):
            if existing.partial and not setter.partial:
                known[name] = (*setters[:index], setter, *setters[index + 1 :])
                return True
            return False
    known[name] = (*setters, setter)
    return True


def _same_place(first: Position, second: Position) -> bool:
    return (
        first.group is second.group
        and first.selection is second.selection
        and first.type_name == second.type_name
    )

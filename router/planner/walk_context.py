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
from router.planner.normalize import TYPENAME, NormalizedField, NormalizedSelection
from router.planner.position import Position
from router.supergraph.model import ContextArgument

if TYPE_CHECKING:
    from router.planner.walker import Walker


class ContextWalk:
    """A walker's ``@fromContext`` decisions."""

    def __init__(self, walker: Walker) -> None:
        self.walker = walker

    def entering(self, position: Position) -> Position:
        """The position, as the nearest setter of the contexts its type sets."""
        names = self.walker.context_setters.get(position.type_name)
        if not names:
            return position
        known = dict(position.contexts)
        for name in names:
            setters = known.get(name, ())
            if setters and _same_place(setters[-1], position):
                continue
            known[name] = (*setters, position)
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
            # the nearest object strictly above the field's object
            above = [p for p in setters.get(argument.context, ()) if p.path != position.path]
            nearest = max((len(p.path) for p in above), default=-1)
            candidates = tuple(p for p in above if len(p.path) == nearest)
            if not candidates:
                raise PlanningError(
                    f"cannot plan field {position.type_name}.{item.name}: its argument "
                    f'"{argument.name}" takes its value from context '
                    f'"{argument.context.split("__", 1)[-1]}", which no type above it sets'
                )
            variable = self.walker.context_variables[
                (target, position.type_name, item.name, argument.name)
            ]
            text = selection_text(argument)
            required = self.walker.graph.field_sets.read(candidates[-1].type_name, text)
            setter = self.setter_resolving(candidates, required)
            setter.selection.add_field(TYPENAME)
            guarded = replace(setter, conditions=conditions, contexts=())
            dependencies |= self.walker.plan_at(guarded, required, planner_added=True)
            chosen.append((argument, variable, setter, required))
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
                tuple(self.walker.supergraph.possible_types(setter.type_name)),
                value_selection(required, keys),
            )
            if value not in child.group.context_values:
                child.group.context_values.append(value)
            bound.append((argument.name, variable))
        bound_item = replace(item, arguments=with_context_arguments(item.arguments, bound))
        touched = {child.group.id} | dependencies
        return touched | self.walker.add_resolved_field(child, bound_item, planner_added, target)


def _same_place(first: Position, second: Position) -> bool:
    return (
        first.group is second.group
        and first.selection is second.selection
        and first.type_name == second.type_name
    )

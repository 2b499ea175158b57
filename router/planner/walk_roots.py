"""The walk's roots: a query's root fields assigned to subgraphs at once (a shareable root
field split over several), a mutation's one by one and in order."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from router.planner.errors import PlanningError
from router.planner.fetch_graph import FetchGroup
from router.planner.normalize import (
    NO_CONDITIONS,
    TYPENAME,
    NormalizedField,
    NormalizedSelection,
    is_abstract,
)
from router.planner.position import Position

if TYPE_CHECKING:
    from router.planner.fetch_graph import FetchGraph
    from router.planner.walker import Walker


class RootWalk:
    """The root fields of a walker's operation, planned into its root groups."""

    def __init__(self, walker: Walker) -> None:
        self.walker = walker

    def walk(self) -> FetchGraph:
        selection = self.walker.operation.selection
        if self.walker.operation.kind == "mutation":
            self._walk_mutation(selection)
        else:
            self._walk_query(selection)
        return self.walker.fetch_graph

    def _root_fields(self, selection: NormalizedSelection) -> list[NormalizedField]:
        return [f for f in selection.fields.values() if f.name != TYPENAME]

    def _root_options(self, item: NormalizedField) -> list[str]:
        options = self.walker.graph.subgraphs_resolving(self.walker.operation.root_type, item.name)
        if not options:
            raise PlanningError(
                f"no subgraph resolves {self.walker.operation.root_type}.{item.name} "
                "(check @override labels and @inaccessible)"
            )
        return options

    def _root_position(self, group: FetchGroup) -> Position:
        return Position(
            group=group,
            selection=group.selection,
            type_name=self.walker.operation.root_type,
            subgraph=group.subgraph,
            path=(),
            conditions=NO_CONDITIONS,
            provided=None,
            client=self.walker.operation.selection,
        )

    def _walk_query(self, selection: NormalizedSelection) -> None:
        fields = self._root_fields(selection)
        options = [self._root_options(item) for item in fields]
        assignment = self.walker.costs.choose(
            fields, options, self.walker.operation.root_type, _never
        )
        groups: dict[str, FetchGroup] = {}

        def root_group(subgraph: str) -> FetchGroup:
            group = groups.get(subgraph)
            if group is None:
                group = self.walker.fetch_graph.new_group(subgraph, (), is_entity=False)
                groups[subgraph] = group
                self.walker.root_groups.append(group)
            return group

        for item, target, choices in zip(fields, assignment, options, strict=True):
            for subgraph, part in self._split_root_field(item, target, choices):
                group = root_group(subgraph)
                group.add_conditions(item.conditions)
                self.walker.add_resolved_field(self._root_position(group), part, False, subgraph)

    def _split_root_field(
        self, item: NormalizedField, target: str, choices: list[str]
    ) -> list[tuple[str, NormalizedField]]:
        """A shareable root field may be fetched from several subgraphs at once, each resolving
        the part of its selection it has: parallel root fetches instead of entity jumps."""
        if len(choices) < 2 or item.selection is None or item.selection.fragments:
            return [(target, item)]
        edge = self.walker.graph.field_edge(self.walker.operation.root_type, target, item.name)
        assert edge is not None
        child_type = edge.return_named_type
        if is_abstract(self.walker.supergraph, child_type):
            return [(target, item)]
        kept: dict[str, NormalizedField] = {}
        moved: dict[str, dict[str, NormalizedField]] = {}
        for key, sub in item.selection.fields.items():
            if sub.name == TYPENAME:
                kept[key] = sub
                continue
            here = self.walker.costs.cost_in(child_type, sub, target)
            elsewhere = None
            for other in choices:
                if other != target and self.walker.costs.cost_in(child_type, sub, other) < here:
                    elsewhere = other
                    break
            if elsewhere is None:
                kept[key] = sub
            else:
                moved.setdefault(elsewhere, {})[key] = sub
        if not moved:
            return [(target, item)]
        parts = [(target, replace(item, selection=NormalizedSelection(child_type, kept)))]
        for subgraph, subfields in moved.items():
            parts.append(
                (subgraph, replace(item, selection=NormalizedSelection(child_type, subfields)))
            )
        return parts

    def _walk_mutation(self, selection: NormalizedSelection) -> None:
        for item in self._root_fields(selection):
            options = self._root_options(item)
            previous = self.walker.root_groups[-1] if self.walker.root_groups else None
            reusable = (
                previous is not None
                and previous.subgraph in options
                and not self.walker.fetch_graph.dependents(previous.id)
            )
            if reusable and previous is not None:
                target = previous.subgraph
                group = previous
            else:
                target = self.walker.costs.choose(
                    [item], [options], self.walker.operation.root_type, _never
                )[0]
                group = self.walker.fetch_graph.new_group(target, (), is_entity=False)
                self.walker.root_groups.append(group)
            group.add_conditions(item.conditions)
            self.walker.add_resolved_field(self._root_position(group), item, False, target)


def _never(target: str) -> bool:
    return False

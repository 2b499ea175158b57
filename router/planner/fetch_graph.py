"""Stage 4: the fetch graph. One group per (subgraph, parent fetch, merge path); edges are
dependencies (a group needs the data another group fetches before it can run)."""

from __future__ import annotations

from dataclasses import dataclass, field

from router.planner.normalize import Conditions
from router.planner.plan import ContextValue, Rewrite
from router.planner.selection_set import SelectionToFetch

Path = tuple[str, ...]


@dataclass(slots=True)
class JumpPoint:
    """Where a group's entities come from in the group it jumped from."""

    parent: int
    type_name: str
    selection: SelectionToFetch  # the parent's selection at the jump position


@dataclass(eq=False, slots=True)
class FetchGroup:
    id: int
    subgraph: str
    merge_path: Path
    is_entity: bool
    parent: int | None = None
    selection: SelectionToFetch = field(default_factory=SelectionToFetch)
    requires: SelectionToFetch = field(default_factory=SelectionToFetch)
    dependencies: set[int] = field(default_factory=set)
    conditions: Conditions | None = None  # what every contribution to this group is under
    variables: set[str] = field(default_factory=set)
    jump_points: list[JumpPoint] = field(default_factory=list)
    uses_requires: bool = False  # carries @requires inputs beyond the key
    input_rewrites: list[Rewrite] = field(default_factory=list)
    # More merge paths, for an entity fetch serving objects at several paths at once.
    extra_paths: list[Path] = field(default_factory=list)
    # @fromContext arguments of its fields: variables set per entity (never merged away)
    context_values: list[ContextValue] = field(default_factory=list)

    @property
    def paths(self) -> tuple[Path, ...]:
        return (self.merge_path, *self.extra_paths)

    def add_input_rewrite(self, rewrite: Rewrite) -> None:
        if rewrite not in self.input_rewrites:
            self.input_rewrites.append(rewrite)

    def add_conditions(self, conditions: Conditions) -> None:
        self.conditions = conditions if self.conditions is None else self.conditions & conditions


def representations_compatible(first: SelectionToFetch, second: SelectionToFetch) -> bool:
    """Whether one representation can carry both: no field is read from two response keys
    (two @requires of one field with different arguments need separate fetches)."""
    for item in second.fields.values():
        for existing in first.fields.values():
            if existing.name == item.name and existing.response_key != item.response_key:
                return False
        mine = first.fields.get(item.response_key)
        if (
            mine is not None
            and mine.selection is not None
            and item.selection is not None
            and not representations_compatible(mine.selection, item.selection)
        ):
            return False
    for condition, fragment in second.fragments.items():
        existing_fragment = first.fragments.get(condition)
        if existing_fragment is not None and not representations_compatible(
            existing_fragment, fragment
        ):
            return False
    return True


@dataclass(slots=True)
class FetchGraph:
    groups: dict[int, FetchGroup] = field(default_factory=dict)
    next_id: int = 0

    def new_group(
        self, subgraph: str, merge_path: Path, *, is_entity: bool, parent: int | None = None
    ) -> FetchGroup:
        group = FetchGroup(self.next_id, subgraph, merge_path, is_entity, parent)
        self.groups[group.id] = group
        self.next_id += 1
        return group

    def ancestors(self, group_id: int) -> set[int]:
        """Every group ``group_id`` depends on, directly or not."""
        seen: set[int] = set()
        stack = list(self.groups[group_id].dependencies)
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            stack.extend(self.groups[current].dependencies)
        return seen

    def may_depend_on(self, group: FetchGroup, dependencies: set[int]) -> bool:
        """Whether adding ``dependencies`` to ``group`` keeps the graph acyclic."""
        return all(d != group.id and group.id not in self.ancestors(d) for d in dependencies)

    def find_or_create_child(
        self,
        subgraph: str,
        merge_path: Path,
        parent: FetchGroup,
        dependencies: set[int],
        representation: SelectionToFetch,
    ) -> FetchGroup:
        """The entity fetch into ``subgraph`` at ``merge_path`` below ``parent`` that can also
        take ``representation`` (a new one when none can), with its requires extended."""
        for group in self.groups.values():
            if (
                group.is_entity
                and group.subgraph == subgraph
                and group.merge_path == merge_path
                and group.parent == parent.id
                and self.may_depend_on(group, dependencies)
                and representations_compatible(group.requires, representation)
            ):
                group.dependencies |= dependencies
                group.requires.merge(representation)
                return group
        group = self.new_group(subgraph, merge_path, is_entity=True, parent=parent.id)
        group.dependencies |= dependencies
        group.requires.merge(representation)
        return group

    def existing_child(self, subgraph: str, merge_path: Path, parent: FetchGroup) -> bool:
        return any(
            group.is_entity
            and group.subgraph == subgraph
            and group.merge_path == merge_path
            and group.parent == parent.id
            for group in self.groups.values()
        )

    def dependents(self, group_id: int) -> list[FetchGroup]:
        return [g for g in self.groups.values() if group_id in g.dependencies]

    def absorb(self, keeper: FetchGroup, absorbed: FetchGroup) -> None:
        """Merge ``absorbed`` into ``keeper`` (same subgraph and path) and remove it."""
        keeper.selection.merge(absorbed.selection)
        keeper.requires.merge(absorbed.requires)
        keeper.dependencies |= absorbed.dependencies
        keeper.dependencies -= {keeper.id, absorbed.id}
        keeper.variables |= absorbed.variables
        keeper.uses_requires = keeper.uses_requires or absorbed.uses_requires
        if absorbed.conditions is not None:
            keeper.add_conditions(absorbed.conditions)
        keeper.jump_points.extend(absorbed.jump_points)
        for rewrite in absorbed.input_rewrites:
            keeper.add_input_rewrite(rewrite)
        for value in absorbed.context_values:
            if value not in keeper.context_values:
                keeper.context_values.append(value)
        for path in absorbed.paths:
            if path not in keeper.paths:
                keeper.extra_paths.append(path)
        self.remove(absorbed, replacement=keeper.id)

    def remove(self, group: FetchGroup, *, replacement: int | None) -> None:
        """Remove ``group``; its dependents depend on ``replacement`` (or its dependencies)."""
        del self.groups[group.id]
        for other in self.groups.values():
            if group.id in other.dependencies:
                other.dependencies.discard(group.id)
                if replacement is not None:
                    if replacement != other.id:
                        other.dependencies.add(replacement)
                else:
                    other.dependencies |= group.dependencies
            if other.parent == group.id:
                other.parent = replacement if replacement is not None else group.parent
            for point in other.jump_points:
                if point.parent == group.id and replacement is not None:
                    point.parent = replacement

    def describe(self) -> str:
        """A readable dump (``fedra plan --stage fetch-graph``)."""
        lines: list[str] = []
        for group in self.groups.values():
            path = " + ".join(".".join(p) or "(root)" for p in group.paths)
            deps = ", ".join(str(d) for d in sorted(group.dependencies)) or "-"
            conditions = ""
            if group.conditions:
                conditions = " if " + " and ".join(
                    f"{'' if include else '!'}${name}" for name, include in sorted(group.conditions)
                )
            lines.append(
                f"[{group.id}] {group.subgraph} at {path} after {deps}{conditions}: "
                + (f"{group.requires.print()} => " if group.is_entity else "")
                + group.selection.print()
            )
        return "\n".join(lines) + "\n"

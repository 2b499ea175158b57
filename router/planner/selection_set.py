"""The selection a fetch sends to its subgraph, built up field by field while planning."""

from __future__ import annotations

from dataclasses import dataclass, field

from router.planner.normalize import NO_CONDITIONS, Conditions


@dataclass(slots=True)
class FieldToFetch:
    name: str
    alias: str | None
    arguments: str  # printed argument list, "" when none
    conditions: Conditions
    selection: SelectionToFetch | None = None

    @property
    def response_key(self) -> str:
        return self.alias or self.name


@dataclass(slots=True)
class SelectionToFetch:
    """An ordered selection set: fields by response key, then fragments by type condition."""

    fields: dict[str, FieldToFetch] = field(default_factory=dict)
    fragments: dict[str, SelectionToFetch] = field(default_factory=dict)

    def add_field(
        self,
        name: str,
        alias: str | None = None,
        arguments: str = "",
        conditions: Conditions = NO_CONDITIONS,
        composite: bool = False,
    ) -> FieldToFetch:
        key = alias or name
        existing = self.fields.get(key)
        if existing is None:
            existing = FieldToFetch(name, alias, arguments, conditions)
            if key == "__typename" and self.fields:
                self.fields = {key: existing, **self.fields}  # first, as GraphQL tools print it
            else:
                self.fields[key] = existing
        else:
            existing.conditions = existing.conditions & conditions
        if composite and existing.selection is None:
            existing.selection = SelectionToFetch()
        return existing

    def fragment(self, type_condition: str) -> SelectionToFetch:
        existing = self.fragments.get(type_condition)
        if existing is None:
            existing = SelectionToFetch()
            self.fragments[type_condition] = existing
        return existing

    def is_empty(self) -> bool:
        return not self.fields and all(f.is_empty() for f in self.fragments.values())

    def merge(self, other: SelectionToFetch) -> None:
        for item in other.fields.values():
            mine = self.add_field(
                item.name,
                item.alias,
                item.arguments,
                item.conditions,
                composite=item.selection is not None,
            )
            if item.selection is not None and mine.selection is not None:
                mine.selection.merge(item.selection)
        for condition, fragment in other.fragments.items():
            self.fragment(condition).merge(fragment)

    def variables(self, implied: Conditions = NO_CONDITIONS) -> set[str]:
        """Variables the printed conditions use (arguments are tracked by the caller)."""
        found: set[str] = set()
        for item in self.fields.values():
            found.update(name for name, _ in item.conditions - implied)
            if item.selection is not None:
                found |= item.selection.variables()
        for fragment in self.fragments.values():
            found |= fragment.variables(implied)
        return found

    def print(self, implied: Conditions = NO_CONDITIONS) -> str:
        """Compact GraphQL text: ``{a b:c(x:1){d} ...on T{e}}``. Conditions in ``implied``
        (the fetch only runs when they hold) are left out at this level."""
        parts: list[str] = []
        for item in self.fields.values():
            text = f"{item.alias}:{item.name}" if item.alias else item.name
            if item.arguments:
                text += f"({item.arguments})"
            for variable, include in sorted(item.conditions - implied):
                text += f"@{'include' if include else 'skip'}(if:${variable})"
            if item.selection is not None:
                inner = item.selection.print()
                text += inner if inner != "{}" else "{__typename}"
            parts.append(text)
        for condition, fragment in self.fragments.items():
            if fragment.is_empty():
                continue
            parts.append(f"...on {condition}{fragment.print(implied)}")
        return "{" + " ".join(parts) + "}"

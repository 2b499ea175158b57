"""The response keys a fetch fills in: the top-level fields of its subgraph document.

A root fetch fills the keys of its operation's selection at its merge path; an ``_entities``
fetch fills, on each object it was sent a representation of, the keys of the ``_entities``
selection for that object's type. Read only when a fetch reports errors, to tell which nulls
those errors explain; parsed once per distinct document.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)

ENTITIES_FIELD = "_entities"


@dataclass(frozen=True, slots=True)
class FetchKeys:
    """Top-level response keys of a fetch: for any type, and per type condition."""

    common: frozenset[str]
    by_type: dict[str, frozenset[str]]

    def for_type(self, typename: object) -> frozenset[str]:
        """The keys filled on an object of type ``typename``; every key when it is unknown."""
        if isinstance(typename, str):
            typed = self.by_type.get(typename)
            if typed is not None:
                return self.common | typed
        return self.common.union(*self.by_type.values())


_NO_KEYS = FetchKeys(frozenset(), {})


@lru_cache(maxsize=1024)
def fetch_keys(document: str, entities: bool) -> FetchKeys:
    """The keys ``document`` fills: under ``_entities`` when ``entities``, else at its root."""
    try:
        parsed = parse(document, no_location=True)
    except GraphQLError:
        return _NO_KEYS
    fragments: dict[str, FragmentDefinitionNode] = {}
    operation: OperationDefinitionNode | None = None
    for definition in parsed.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            fragments[definition.name.value] = definition
        elif isinstance(definition, OperationDefinitionNode) and operation is None:
            operation = definition
    if operation is None:
        return _NO_KEYS
    selection_set = operation.selection_set
    if entities:
        entity_selection = _entities_selection(selection_set)
        if entity_selection is None:
            return _NO_KEYS
        selection_set = entity_selection
    collector = _KeyCollector(fragments)
    collector.collect(selection_set, None)
    return FetchKeys(
        frozenset(collector.common),
        {name: frozenset(keys) for name, keys in collector.by_type.items()},
    )


def _entities_selection(selection_set: SelectionSetNode) -> SelectionSetNode | None:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode) and selection.name.value == ENTITIES_FIELD:
            return selection.selection_set
    return None


class _KeyCollector:
    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self._fragments = fragments
        self._spread: set[str] = set()
        self.common: set[str] = set()
        self.by_type: dict[str, set[str]] = {}

    def collect(self, selection_set: SelectionSetNode, type_condition: str | None) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                key = (selection.alias or selection.name).value
                if type_condition is None:
                    self.common.add(key)
                else:
                    self.by_type.setdefault(type_condition, set()).add(key)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = type_condition if condition is None else condition.name.value
                self.collect(selection.selection_set, inner)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self._fragments.get(name)
                if fragment is None or name in self._spread:
                    continue
                self._spread.add(name)
                self.collect(fragment.selection_set, fragment.type_condition.name.value)

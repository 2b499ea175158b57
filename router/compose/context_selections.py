"""The selections ``@fromContext`` arguments read from the types that set their context."""

from __future__ import annotations

import re
from dataclasses import dataclass

from router.compose.fieldset_walk import SelectedField, walk_field_set
from router.compose.subgraph import SubgraphSchema
from router.federation.field_sets import FieldSetError

_CONTEXT_REFERENCE = re.compile(r"\s*\$([_A-Za-z][_0-9A-Za-z]*)(.*)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class ContextSelection:
    """One ``@fromContext`` selection as read from one type that sets the context."""

    setter: str
    selection: str


def context_selections(subgraph: SubgraphSchema) -> list[ContextSelection]:
    found: list[ContextSelection] = []
    for subgraph_type in subgraph.types.values():
        for subgraph_field in subgraph_type.fields.values():
            for argument in subgraph_field.arguments.values():
                match = _CONTEXT_REFERENCE.match(argument.from_context or "")
                if match is None:
                    continue
                name, selection = match.group(1), match.group(2).strip()
                if selection.startswith("{") and selection.endswith("}"):
                    selection = selection[1:-1]
                found.extend(
                    ContextSelection(setter.name, selection)
                    for setter in subgraph.types.values()
                    if name in setter.contexts
                )
    return found


def fields_read_by_contexts(subgraph: SubgraphSchema) -> list[SelectedField]:
    """Every field some ``@fromContext`` selection reads, from each type setting its context."""
    reached: list[SelectedField] = []
    for item in context_selections(subgraph):
        try:
            selections = subgraph.field_sets.parse(item.selection).selections
        except FieldSetError:
            continue  # reported by the @fromContext validation
        reached.extend(walk_field_set(subgraph, item.setter, selections, lambda _: None))
    return reached

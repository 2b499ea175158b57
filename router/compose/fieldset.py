"""FieldSet strings (``@key(fields:)``, ``@requires``, ``@provides``) parsed to selections."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from graphql import (
    FieldNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)


class FieldSetError(Exception):
    """The FieldSet text is not a valid selection set."""


@dataclass(frozen=True, slots=True)
class FieldSelection:
    """A field (or, with ``type_condition``, an inline fragment) of a FieldSet."""

    name: str
    selections: tuple[FieldSelection, ...] = ()
    type_condition: str | None = None
    has_arguments: bool = False
    has_directives: bool = False
    alias: str | None = None

    @property
    def is_fragment(self) -> bool:
        return self.type_condition is not None or self.name == ""


def _convert(selection_set: SelectionSetNode | None) -> tuple[FieldSelection, ...]:
    if selection_set is None:
        return ()
    result: list[FieldSelection] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            result.append(
                FieldSelection(
                    name=selection.name.value,
                    selections=_convert(selection.selection_set),
                    has_arguments=bool(selection.arguments),
                    has_directives=bool(selection.directives),
                    alias=selection.alias.value if selection.alias else None,
                )
            )
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition.name.value if selection.type_condition else None
            result.append(
                FieldSelection(
                    name="",
                    selections=_convert(selection.selection_set),
                    type_condition=condition,
                    has_directives=bool(selection.directives),
                )
            )
        else:
            raise FieldSetError("named fragments are not allowed in a FieldSet")
    return tuple(result)


@lru_cache(maxsize=4096)
def parse_field_set(text: str) -> tuple[FieldSelection, ...]:
    """Parse ``"id sku { code }"``; raises ``FieldSetError``."""
    try:
        document = parse("{" + text + "}", no_location=True)
    except GraphQLError as error:
        raise FieldSetError(error.message) from error
    if len(document.definitions) != 1 or not isinstance(
        document.definitions[0], OperationDefinitionNode
    ):
        raise FieldSetError("a FieldSet is a single selection set")
    selections = _convert(document.definitions[0].selection_set)
    if not selections:
        raise FieldSetError("a FieldSet selects at least one field")
    return selections

"""FieldSet texts (``@key(fields:)``, ``@requires``, ``@provides``) parsed to selections."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class FieldSet:
    """One parsed FieldSet: its text, its GraphQL selection set and its selections."""

    text: str
    selection_set: SelectionSetNode
    selections: tuple[FieldSelection, ...]


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


def parse_field_set(text: str) -> FieldSet:
    """Parse ``"id sku { code }"``; raises ``FieldSetError``."""
    try:
        document = parse("{" + text + "}", no_location=True)
    except GraphQLError as error:
        raise FieldSetError(error.message) from error
    if len(document.definitions) != 1 or not isinstance(
        document.definitions[0], OperationDefinitionNode
    ):
        raise FieldSetError("a FieldSet is a single selection set")
    selection_set = document.definitions[0].selection_set
    selections = _convert(selection_set)
    if not selections:
        raise FieldSetError("a FieldSet selects at least one field")
    return FieldSet(text, selection_set, selections)


def top_level_names(selections: Iterable[FieldSelection]) -> set[str]:
    """Field names selected at the top level (through inline fragments too)."""
    names: set[str] = set()
    for selection in selections:
        if selection.is_fragment:
            names |= top_level_names(selection.selections)
        else:
            names.add(selection.name)
    return names


def field_names(selections: Iterable[FieldSelection]) -> set[str]:
    """Field names selected at any depth."""
    names: set[str] = set()
    for selection in selections:
        if not selection.is_fragment:
            names.add(selection.name)
        names |= field_names(selection.selections)
    return names


class FieldSets:
    """FieldSets parsed once per distinct text, for the owner's lifetime (a subgraph schema
    during composition, a supergraph for satisfiability and planning)."""

    def __init__(self) -> None:
        self._parsed: dict[str, FieldSet | FieldSetError] = {}

    def parse(self, text: str) -> FieldSet:
        """The parsed FieldSet; raises ``FieldSetError`` (every time) for invalid text."""
        parsed = self._parsed.get(text)
        if parsed is None:
            try:
                parsed = parse_field_set(text)
            except FieldSetError as error:
                parsed = error
            self._parsed[text] = parsed
        if isinstance(parsed, FieldSetError):
            raise FieldSetError(str(parsed))
        return parsed

    def selections(self, text: str | None) -> tuple[FieldSelection, ...]:
        """The selections of ``text``; none when it is empty or does not parse."""
        if not text:
            return ()
        try:
            return self.parse(text).selections
        except FieldSetError:
            return ()

    def top_level_names(self, text: str | None) -> set[str]:
        """Top-level field names of ``text`` (empty when it is empty or does not parse)."""
        return top_level_names(self.selections(text))

"""Introspection: split out of the operation and answered from the API schema."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    execute_sync,
)

from router.executor.shape import INTROSPECTION_ROOT_FIELDS

META_FIELDS = INTROSPECTION_ROOT_FIELDS | {"__typename"}


def root_field_names(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> set[str]:
    """Names of every field selected at the root, through fragments, directives ignored."""
    names: set[str] = set()
    visited: set[str] = set()

    def visit(selection_set: SelectionSetNode) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                names.add(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                visit(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = fragments.get(name)
                if fragment is not None and name not in visited:
                    visited.add(name)
                    visit(fragment.selection_set)

    visit(operation.selection_set)
    return names


def without_introspection(document: DocumentNode) -> DocumentNode:
    """``document`` with ``__schema``/``__type`` removed everywhere (they are root-only).

    Fragments and inline fragments left empty are removed, and so are spreads of them.
    """
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    removed: set[str] = set()
    kept: dict[str, FragmentDefinitionNode] = {}
    changed = True
    while changed:  # an emptied fragment can empty the fragments spreading it
        changed = False
        for name, fragment in fragments.items():
            if name in removed:
                continue
            selection_set = _strip(fragment.selection_set, removed)
            if selection_set is None:
                removed.add(name)
                changed = True
            else:
                kept[name] = replace(fragment, selection_set=selection_set)
    definitions: list[Any] = []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            selection_set = _strip(definition.selection_set, removed)
            if selection_set is not None:
                definitions.append(replace(definition, selection_set=selection_set))
        elif isinstance(definition, FragmentDefinitionNode):
            if definition.name.value not in removed:
                definitions.append(kept[definition.name.value])
        else:
            definitions.append(definition)
    return DocumentNode(definitions=tuple(definitions))


def _strip(selection_set: SelectionSetNode, removed: set[str]) -> SelectionSetNode | None:
    selections: list[SelectionNode] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value in INTROSPECTION_ROOT_FIELDS:
                continue
            selections.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            inner = _strip(selection.selection_set, removed)
            if inner is not None:
                selections.append(replace(selection, selection_set=inner))
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in removed:
            selections.append(selection)
    if not selections:
        return None
    return replace(selection_set, selections=tuple(selections))


def introspection_only(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> DocumentNode:
    """A document that selects only the operation's root introspection fields.

    Root-level spreads are inlined (they may hold data fields too); the fragments spread
    inside the introspection fields (e.g. ``...FullType``) come along as definitions.
    """
    selection_set = _keep_introspection(operation.selection_set, fragments, set())
    assert selection_set is not None
    return DocumentNode(
        definitions=(replace(operation, selection_set=selection_set), *fragments.values())
    )


def _keep_introspection(
    selection_set: SelectionSetNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    visiting: set[str],
) -> SelectionSetNode | None:
    selections: list[SelectionNode] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value in INTROSPECTION_ROOT_FIELDS:
                selections.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            inner = _keep_introspection(selection.selection_set, fragments, visiting)
            if inner is not None:
                selections.append(replace(selection, selection_set=inner))
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is None or fragment.name.value in visiting:
                continue
            inner = _keep_introspection(
                fragment.selection_set, fragments, visiting | {fragment.name.value}
            )
            if inner is not None:
                selections.append(
                    InlineFragmentNode(
                        type_condition=fragment.type_condition,
                        directives=selection.directives,
                        selection_set=inner,
                    )
                )
    if not selections:
        return None
    return replace(selection_set, selections=tuple(selections))


def run_introspection(
    schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any] | None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The introspection fields' values (by response key) and errors, from the API schema."""
    result = execute_sync(schema, document, variable_values=dict(variables or {}))
    assert isinstance(result, ExecutionResult)
    errors = [dict(error.formatted) for error in result.errors or ()]
    return result.data or {}, errors

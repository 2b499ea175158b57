"""CONTEXT_INVALID_SELECTION: what a ``@fromContext`` selection may read from the types that
set its context.

The selection is one field (possibly with sub-fields), or only inline fragments with distinct
object type conditions, each reading one field. From every setter type it must select
fields that exist, with no alias or directive, and a value whose type fits the argument: the
value's type is the selected field's with every non-null dropped (a setter may be null), so
a non-null argument never fits. Each type condition must match some setter.
"""

from __future__ import annotations

from collections.abc import Callable

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)

from router.compose.subgraph import SubgraphSchema, SubgraphType
from router.federation.type_refs import named_type
from router.supergraph.model import TypeKind

Report = Callable[[str], None]


class _Invalid(Exception):
    pass


def validate_context_selection(
    subgraph: SubgraphSchema,
    context: str,
    coordinate: str,
    argument_type: str,
    selection: str,
    setters: list[SubgraphType],
    report: Report,
) -> None:
    def invalid(reason: str) -> None:
        report(
            f'Context "{context}" is used in "{coordinate}" but the selection is invalid: {reason}'
        )

    parsed = _parse(selection, invalid)
    if parsed is None:
        return
    fragments = all(isinstance(s, InlineFragmentNode) for s in parsed.selections)
    used_conditions: set[str] = set()
    for setter in setters:
        try:
            _check_names(subgraph, setter.name, parsed)
        except _Invalid as error:
            report(
                f'Context "{context}" is used in "{coordinate}" but the selection is invalid '
                f"for type {setter.name}. Error: {error}"
            )
            return
        if _has(parsed, lambda node: bool(node.directives)):
            invalid("directives are not allowed in the selection")
        if _has(parsed, lambda node: isinstance(node, FieldNode) and node.alias is not None):
            invalid("aliases are not allowed in the selection")
        if not fragments:
            value = _value_type(subgraph, setter.name, parsed)
            if value is None or not _fits(value, argument_type):
                # fields of different types give the selection no type, shown as "undefined"
                shown = "undefined" if value is None else value
                invalid(
                    f'the type of the selection "{shown}" does not match the expected type '
                    f'"{argument_type}"'
                )
                return
            continue
        matching = []
        for node in parsed.selections:
            assert isinstance(node, InlineFragmentNode) and node.type_condition is not None
            condition = node.type_condition.name.value
            if condition in _possible_types(subgraph, setter):
                matching.append(node)
                used_conditions.add(condition)
        if not matching:
            invalid(f'no type condition matches the location "{setter.name}"')
            return
        for node in matching:
            assert node.type_condition is not None
            value = _value_type(subgraph, node.type_condition.name.value, node.selection_set)
            if value is None:
                invalid(
                    f'the type of the selection does not match the expected type "{argument_type}"'
                )
                return
            if not _fits(value, argument_type):
                invalid(
                    f'the type of the selection "{value}" does not match the expected type '
                    f'"{argument_type}"'
                )
                return
    if fragments:
        for node in parsed.selections:
            assert isinstance(node, InlineFragmentNode) and node.type_condition is not None
            condition = node.type_condition.name.value
            if condition not in used_conditions:
                invalid(f'type condition "{condition}" is never used.')


def _parse(selection: str, invalid: Report) -> SelectionSetNode | None:
    text = selection if selection.strip().startswith("{") else "{" + selection + "}"
    try:
        document = parse(text, no_location=True)
    except GraphQLError as error:
        invalid(error.message)
        return None
    operation = document.definitions[0]
    if not isinstance(operation, OperationDefinitionNode) or len(document.definitions) != 1:
        invalid("the selection must be a selection set")
        return None
    selections = operation.selection_set.selections
    if not selections:
        invalid("no selection is made")
        return None
    first = selections[0]
    if isinstance(first, FieldNode):
        if len(selections) != 1:
            invalid("multiple selections are made")
            return None
    elif isinstance(first, InlineFragmentNode):
        if not all(isinstance(s, InlineFragmentNode) for s in selections):
            invalid("multiple fields could be selected")
            return None
        conditions = {
            s.type_condition.name.value
            for s in selections
            if isinstance(s, InlineFragmentNode) and s.type_condition is not None
        }
        if len(conditions) != len(selections):
            invalid("type conditions have same name")
            return None
    elif isinstance(first, FragmentSpreadNode):
        invalid("fragment spread is not allowed")
        return None
    return operation.selection_set


def _check_names(subgraph: SubgraphSchema, type_name: str, selection: SelectionSetNode) -> None:
    parent = subgraph.types.get(type_name)
    if parent is None:
        raise _Invalid(f'Unknown type "{type_name}"')
    for node in selection.selections:
        if isinstance(node, InlineFragmentNode):
            condition = node.type_condition.name.value if node.type_condition else type_name
            if condition not in subgraph.types:
                raise _Invalid(f'Unknown type "{condition}"')
            _check_names(subgraph, condition, node.selection_set)
        elif isinstance(node, FieldNode):
            name = node.name.value
            if name == "__typename":
                continue
            found = parent.fields.get(name)
            if found is None:
                raise _Invalid(f'Cannot query field "{name}" on type "{type_name}".')
            target = subgraph.types.get(named_type(found.type))
            composite = target is not None and target.kind in (
                TypeKind.OBJECT,
                TypeKind.INTERFACE,
                TypeKind.UNION,
            )
            if composite and node.selection_set is None:
                raise _Invalid(
                    f'Field "{type_name}.{name}" of type "{found.type}" must have a selection '
                    "of subfields."
                )
            if not composite and node.selection_set is not None:
                raise _Invalid(
                    f'Field "{type_name}.{name}" must not have a selection since type '
                    f'"{found.type}" has no subfields.'
                )
            if node.selection_set is not None:
                _check_names(subgraph, named_type(found.type), node.selection_set)


def _has(
    selection: SelectionSetNode, predicate: Callable[[FieldNode | InlineFragmentNode], bool]
) -> bool:
    for node in selection.selections:
        if isinstance(node, FieldNode | InlineFragmentNode):
            if predicate(node):
                return True
            if node.selection_set is not None and _has(node.selection_set, predicate):
                return True
    return False


def _value_type(
    subgraph: SubgraphSchema, type_name: str, selection: SelectionSetNode
) -> str | None:
    """The type of the value the selection reads (non-null dropped), None when its fields
    would make values of different types."""
    parent = subgraph.types[type_name]
    found: list[str | None] = []
    for node in selection.selections:
        if not isinstance(node, FieldNode):
            found.append(None)
            continue
        field = parent.fields[node.name.value] if node.name.value != "__typename" else None
        field_type = field.type if field is not None else "String!"
        if node.selection_set is not None:
            inner = _value_type(subgraph, named_type(field_type), node.selection_set)
            found.append(None if inner is None else _rewrap(field_type, inner))
        else:
            found.append(_rewrap(field_type, named_type(field_type)))
    first = found[0] if found else None
    return first if all(item == first for item in found) else None


def _rewrap(original: str, inner: str) -> str:
    """``inner`` in the lists of ``original``, every non-null dropped."""
    depth = original.count("[")
    return "[" * depth + inner + "]" * depth


def _fits(value: str, expected: str) -> bool:
    """A value of type ``value`` can be passed where ``expected`` is wanted."""
    if value.endswith("!"):
        return _fits(value[:-1], expected[:-1] if expected.endswith("!") else expected)
    if expected.endswith("!"):
        return False
    if value.startswith("[") and expected.startswith("["):
        return _fits(value[1:-1], expected[1:-1])
    return not value.startswith("[") and not expected.startswith("[") and value == expected


def _possible_types(subgraph: SubgraphSchema, setter: SubgraphType) -> set[str]:
    if setter.kind is TypeKind.OBJECT:
        return {setter.name}
    if setter.kind is TypeKind.UNION:
        return set(setter.members)
    return {
        t.name
        for t in subgraph.types.values()
        if t.kind is TypeKind.OBJECT and setter.name in t.interfaces
    }

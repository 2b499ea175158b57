"""Removing from an operation what the caller may not see, before it is planned.

The rules (Apollo Router's):

- A field is removed when the caller misses the field's requirement or that of the type it
  returns (object, interface, union, scalar or enum).
- An interface demands what any of its implementations demands (see
  ``router.supergraph.authorization``), and a field selected on an interface is removed when
  the caller misses the requirement of that field on any implementation or of the type that
  implementation's field returns: selected on the interface, the field reads every
  implementation.
- A fragment (inline or named) on a type whose requirement the caller misses is removed.
- A field whose whole selection was removed is removed too.
- ``__typename`` and introspection are never removed.

Every removed field answers ``null`` (the response is shaped from the original operation, so
non-null fields propagate their null as usual) with one error at its path: response keys, and
``"@"`` for the elements of a list, since the path is in the operation, not in the data. A
removed fragment reports the path of the field it was selected in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DirectiveNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    get_named_type,
)

from router.authorization.errors import Conditions, Path, Removal, errors_for
from router.authorization.permissions import Permissions
from router.supergraph.authorization import AuthorizationIndex, Requirement

LIST_ELEMENT = "@"
_Removed = tuple[Path, bool, Conditions]  # a removed field (True) or fragment at a path


@dataclass(frozen=True, slots=True)
class FilteredOperation:
    """The operation as the caller may run it, and what was taken out of the original."""

    operation: OperationDefinitionNode  # empty selection: nothing left to fetch
    fragments: dict[str, FragmentDefinitionNode]  # the fragments still spread, filtered
    removed: frozenset[int]  # ids of the original's removed field and fragment nodes
    removals: tuple[Removal, ...]  # one per removed path, in operation order

    @property
    def changed(self) -> bool:
        return bool(self.removed)

    @property
    def errors(self) -> list[dict[str, Any]]:
        """Every removal's error, whatever the variables (each path once)."""
        return errors_for(self.removals, None)


def filter_operation(
    schema: GraphQLSchema,
    index: AuthorizationIndex,
    permissions: Permissions,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> FilteredOperation:
    """``operation`` without what ``permissions`` do not allow (it must be valid for ``schema``)."""
    root = schema.get_root_type(operation.operation)
    if root is None or index.empty:
        return FilteredOperation(operation, dict(fragments), frozenset(), ())
    walker = _Filter(schema, index, permissions, fragments, root)
    selection_set = walker.selection_set(root, operation.selection_set, ())
    if not walker.removed:
        return FilteredOperation(operation, dict(fragments), frozenset(), ())
    filtered = OperationDefinitionNode(
        operation=operation.operation,
        name=operation.name,
        variable_definitions=operation.variable_definitions,
        directives=operation.directives,
        selection_set=selection_set or SelectionSetNode(selections=()),
        loc=operation.loc,
    )
    return FilteredOperation(
        filtered,
        walker.fragments_out,
        frozenset(walker.removed),
        tuple(Removal(path, conditions) for path, conditions in walker.error_paths()),
    )


class _Filter:
    def __init__(
        self,
        schema: GraphQLSchema,
        index: AuthorizationIndex,
        permissions: Permissions,
        fragments: Mapping[str, FragmentDefinitionNode],
        root: GraphQLObjectType,
    ) -> None:
        self.schema = schema
        self.index = index
        self.permissions = permissions
        self.fragments = fragments
        self.root = root
        self.removed: set[int] = set()
        self.fragments_out: dict[str, FragmentDefinitionNode] = {}
        # (path, True, ...) for a removed field, (path, False, ...) for a removed fragment
        self._paths: list[_Removed] = []
        self._conditions: list[tuple[DirectiveNode, ...]] = []
        self._allowed_fields: dict[tuple[str, str], bool] = {}
        self._allowed_types: dict[str, bool] = {}
        # A fragment's filtered selection and its removals relative to where it is spread:
        # each definition is walked once however often (and however deeply) it is spread.
        self._walked: dict[str, tuple[SelectionSetNode | None, list[_Removed]]] = {}

    # -- decisions ------------------------------------------------------------------------

    def type_allowed(self, name: str) -> bool:
        allowed = self._allowed_types.get(name)
        if allowed is None:
            allowed = self.permissions.allow(self.index.type_requirement(name))
            self._allowed_types[name] = allowed
        return allowed

    def field_allowed(self, scope: GraphQLNamedType, name: str) -> bool:
        memo_key = (scope.name, name)
        allowed = self._allowed_fields.get(memo_key)
        if allowed is None:
            allowed = self.permissions.allow(self._field_requirement(scope, name))
            self._allowed_fields[memo_key] = allowed
        return allowed

    def _field_requirement(self, scope: GraphQLNamedType, name: str) -> Requirement:
        requirement = self._own_requirement(scope, name)
        if scope is self.root:
            requirement = requirement & self.index.type_requirement(scope.name)
        if isinstance(scope, GraphQLInterfaceType):
            for implementation in self.schema.get_possible_types(scope):
                if name not in implementation.fields:
                    continue
                requirement = (
                    requirement
                    & self._own_requirement(implementation, name)
                    & self.index.type_requirement(implementation.name)
                )
        return requirement

    def _own_requirement(self, scope: GraphQLNamedType, name: str) -> Requirement:
        fields = getattr(scope, "fields", {})
        definition = fields.get(name)
        requirement = self.index.field_requirement(scope.name, name)
        if definition is not None:
            requirement = requirement & self.index.type_requirement(
                get_named_type(definition.type).name
            )
        return requirement

    # -- the walk -------------------------------------------------------------------------

    def selection_set(
        self, scope: GraphQLNamedType, node: SelectionSetNode, path: Path
    ) -> SelectionSetNode | None:
        kept: list[SelectionNode] = []
        for selection in node.selections:
            conditional = tuple(
                d for d in selection.directives or () if d.name.value in ("skip", "include")
            )
            if conditional:
                self._conditions.append(conditional)
            result: SelectionNode | None
            if isinstance(selection, FieldNode):
                result = self.field(scope, selection, path)
            elif isinstance(selection, InlineFragmentNode):
                result = self.inline_fragment(scope, selection, path)
            elif isinstance(selection, FragmentSpreadNode):
                result = self.fragment_spread(selection, path)
            else:  # pragma: no cover - graphql-core has no other selection
                result = selection
            if conditional:
                self._conditions.pop()
            if result is not None:
                kept.append(result)
        if not kept:
            return None
        if len(kept) == len(node.selections) and all(
            a is b for a, b in zip(kept, node.selections, strict=True)
        ):
            return node
        return SelectionSetNode(selections=tuple(kept), loc=node.loc)

    def field(self, scope: GraphQLNamedType, node: FieldNode, path: Path) -> FieldNode | None:
        name = node.name.value
        if name.startswith("__"):
            return node  # __typename, __schema, __type
        field_path = (*path, node.alias.value if node.alias else name)
        if not self.field_allowed(scope, name):
            self._remove_field(node, field_path)
            return None
        if node.selection_set is None:
            return node
        definition = getattr(scope, "fields", {})[name]
        child_path = field_path + (LIST_ELEMENT,) * _list_depth(definition.type)
        inner = self.selection_set(get_named_type(definition.type), node.selection_set, child_path)
        if inner is None:
            self._remove_field(node, field_path)
            return None
        if inner is node.selection_set:
            return node
        return FieldNode(
            alias=node.alias,
            name=node.name,
            arguments=node.arguments,
            directives=node.directives,
            selection_set=inner,
            loc=node.loc,
        )

    def inline_fragment(
        self, scope: GraphQLNamedType, node: InlineFragmentNode, path: Path
    ) -> InlineFragmentNode | None:
        inner_scope = scope
        if node.type_condition is not None:
            condition = node.type_condition.name.value
            if not self.type_allowed(condition):
                self._remove_fragment(node, path)
                return None
            found = self.schema.get_type(condition)
            assert found is not None  # the operation is valid
            inner_scope = found
        inner = self.selection_set(inner_scope, node.selection_set, path)
        if inner is None:
            return None
        if inner is node.selection_set:
            return node
        return InlineFragmentNode(
            type_condition=node.type_condition,
            directives=node.directives,
            selection_set=inner,
            loc=node.loc,
        )

    def fragment_spread(self, node: FragmentSpreadNode, path: Path) -> FragmentSpreadNode | None:
        name = node.name.value
        fragment = self.fragments[name]
        condition = fragment.type_condition.name.value
        if not self.type_allowed(condition):
            self._remove_fragment(node, path)
            return None
        scope = self.schema.get_type(condition)
        assert scope is not None  # the operation is valid
        # Decisions do not depend on where a fragment is spread, only the paths do: the
        # filtered definition is the same for every spread.
        walked = self._walked.get(name)
        if walked is None:
            outer_paths, outer_conditions = self._paths, self._conditions
            self._paths, self._conditions = [], []
            try:
                inner = self.selection_set(scope, fragment.selection_set, ())
                relative = list(dict.fromkeys(self._paths))
            finally:
                self._paths, self._conditions = outer_paths, outer_conditions
            walked = self._walked[name] = (inner, relative)
        inner, relative = walked
        enclosing = tuple(self._conditions)
        for inner_path, is_field, conditions in relative:
            self._paths.append(((*path, *inner_path), is_field, enclosing + conditions))
        if inner is None:
            return None
        if name not in self.fragments_out:
            self.fragments_out[name] = (
                fragment
                if inner is fragment.selection_set
                else FragmentDefinitionNode(
                    name=fragment.name,
                    variable_definitions=fragment.variable_definitions,
                    type_condition=fragment.type_condition,
                    directives=fragment.directives,
                    selection_set=inner,
                    loc=fragment.loc,
                )
            )
        return node

    def _remove_field(self, node: FieldNode, path: Path) -> None:
        self.removed.add(id(node))
        self._paths.append((path, True, tuple(self._conditions)))

    def _remove_fragment(self, node: InlineFragmentNode | FragmentSpreadNode, path: Path) -> None:
        self.removed.add(id(node))
        self._paths.append((path, False, tuple(self._conditions)))

    def error_paths(self) -> list[tuple[Path, Conditions]]:
        """Removed paths, each once; none below a removed field (its null explains them)."""
        fields = {path for path, is_field, _ in self._paths if is_field}
        seen: set[tuple[Path, Conditions]] = set()
        ordered: list[tuple[Path, Conditions]] = []
        for path, is_field, conditions in self._paths:
            # a field's own path is in `fields`; a fragment's path is that of its parent field
            start = len(path) - 1 if is_field else len(path)
            if (path, conditions) in seen or any(
                path[:end] in fields for end in range(start, 0, -1)
            ):
                continue
            seen.add((path, conditions))
            ordered.append((path, conditions))
        return ordered


def _list_depth(type_: GraphQLOutputType) -> int:
    depth = 0
    while True:
        if isinstance(type_, GraphQLNonNull):
            type_ = type_.of_type
        elif isinstance(type_, GraphQLList):
            depth += 1
            type_ = type_.of_type
        else:
            return depth

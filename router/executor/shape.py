"""A precompiled description of the client's selection, used to shape the response.

``compile_shape`` runs once per cached operation (and per combination of the ``@skip`` /
``@include`` variables it uses); shaping a response then walks plain tuples and dicts.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    BooleanValueNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLAbstractType,
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_abstract_type,
    is_composite_type,
)
from graphql.language import DirectiveNode

from router.planner.defer_directives import defer_is_active

INTROSPECTION_ROOT_FIELDS = frozenset({"__schema", "__type"})


class FieldKind(enum.Enum):
    DATA = 1  # read from the merged subgraph data
    TYPENAME = 2  # the runtime type's name
    INTROSPECTION = 3  # answered from the API schema
    UNAUTHORIZED = 4  # removed by authorization: null, its error already reported


@dataclass(slots=True)
class OutputType:
    """A field's type: non-null or not, a list of ``item``, or an object with ``selection``."""

    non_null: bool
    item: OutputType | None = None
    selection: SelectionShape | None = None
    enum_name: str | None = None  # an enum: its name and the values the API schema has
    enum_values: frozenset[str] | None = None


@dataclass(slots=True)
class FieldShape:
    key: str  # the response key
    kind: FieldKind
    type: OutputType
    coordinate: str  # "Type.field", for error messages
    leaf: bool = field(init=False)  # a scalar or enum value: copied as it is

    def __post_init__(self) -> None:
        self.leaf = self.type.item is None and self.type.selection is None


@dataclass(slots=True)
class SelectionShape:
    """The fields to output for an object, by its runtime type, in the client's order."""

    type_name: str
    abstract: bool
    by_type: dict[str, tuple[FieldShape, ...]]
    fallback: tuple[FieldShape, ...]  # the runtime type is unknown
    # Abstract types of the schema: a ``__typename`` naming one of them (an interface object's)
    # is "not known yet"; any other name outside ``by_type`` is not a possible type.
    abstract_names: frozenset[str] = frozenset()
    # The generated shaper of each runtime type's fields (None: the fallback), made on first
    # use: ``router.executor.object_shapers``.
    compiled: dict[str | None, Any] = field(default_factory=dict, compare=False, repr=False)


def condition_variables(
    operation: OperationDefinitionNode, fragments: Iterable[FragmentDefinitionNode]
) -> tuple[str, ...]:
    """Variables used by ``@skip``/``@include`` anywhere in the operation, sorted."""
    names: set[str] = set()

    def visit(selection_set: SelectionSetNode | None) -> None:
        if selection_set is None:
            return
        for selection in selection_set.selections:
            for directive in selection.directives or ():
                if directive.name.value in ("skip", "include"):
                    for argument in directive.arguments or ():
                        if isinstance(argument.value, VariableNode):
                            names.add(argument.value.name.value)
            if isinstance(selection, FieldNode | InlineFragmentNode):
                visit(selection.selection_set)

    visit(operation.selection_set)
    for fragment in fragments:
        visit(fragment.selection_set)
    return tuple(sorted(names))


def is_included(directives: Iterable[DirectiveNode] | None, values: Mapping[str, Any]) -> bool:
    for directive in directives or ():
        name = directive.name.value
        if name not in ("skip", "include"):
            continue
        condition = False
        for argument in directive.arguments or ():
            if argument.name.value != "if":
                continue
            value = argument.value
            if isinstance(value, BooleanValueNode):
                condition = value.value
            elif isinstance(value, VariableNode):
                condition = bool(values.get(value.name.value))
        if (name == "skip") == condition:
            return False
    return True


class ShapeCompiler:
    """Compiles selection sets of one operation against the API schema."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        condition_values: Mapping[str, Any],
        unauthorized: frozenset[int] = frozenset(),
        *,
        skip_deferred: bool = False,
    ) -> None:
        self._schema = schema
        # deferred fragments (an active @defer) are left out: another payload delivers them
        self._skip_deferred = skip_deferred
        self._fragments = fragments
        self._values = condition_values
        self._unauthorized = unauthorized
        self._memo: dict[tuple[str, tuple[int, ...]], SelectionShape] = {}
        self._abstract_names = frozenset(
            name for name, named in schema.type_map.items() if is_abstract_type(named)
        )

    def compile_root(
        self, root: GraphQLObjectType, selection_set: SelectionSetNode
    ) -> SelectionShape:
        return self.compile_selection(root, (selection_set,), root_level=True)

    def compile_selection(
        self,
        parent: GraphQLObjectType | GraphQLAbstractType,
        selection_sets: tuple[SelectionSetNode, ...],
        *,
        root_level: bool = False,
    ) -> SelectionShape:
        memo_key = (parent.name, tuple(id(s) for s in selection_sets))
        cached = self._memo.get(memo_key)
        if cached is not None:
            return cached
        abstract = is_abstract_type(parent)
        shape = SelectionShape(
            parent.name, abstract, {}, (), self._abstract_names if abstract else frozenset()
        )
        self._memo[memo_key] = shape  # before recursing: selections may nest the same type
        if isinstance(parent, GraphQLObjectType):
            shape.by_type[parent.name] = self._fields(parent, parent, selection_sets, root_level)
            shape.fallback = shape.by_type[parent.name]
        else:
            for possible in self._schema.get_possible_types(parent):
                shape.by_type[possible.name] = self._fields(
                    possible, parent, selection_sets, root_level
                )
            shape.fallback = self._fields(None, parent, selection_sets, root_level)
        return shape

    def _fields(
        self,
        runtime: GraphQLObjectType | None,
        parent: GraphQLObjectType | GraphQLAbstractType,
        selection_sets: tuple[SelectionSetNode, ...],
        root_level: bool,
    ) -> tuple[FieldShape, ...]:
        grouped: dict[str, list[FieldNode]] = {}
        for selection_set in selection_sets:
            self._collect(runtime, parent, selection_set, grouped, set())
        owner = runtime if runtime is not None else parent
        fields: list[FieldShape] = []
        for key, nodes in grouped.items():
            name = nodes[0].name.value
            if name == "__typename":
                fields.append(
                    FieldShape(key, FieldKind.TYPENAME, OutputType(True), f"{owner.name}.{name}")
                )
                continue
            if root_level and name in INTROSPECTION_ROOT_FIELDS:
                fields.append(
                    FieldShape(
                        key, FieldKind.INTROSPECTION, OutputType(False), f"{owner.name}.{name}"
                    )
                )
                continue
            definition = getattr(owner, "fields", {}).get(name)
            if definition is None:
                continue  # not on this runtime type (validated operations never get here)
            if self._unauthorized and all(id(n) in self._unauthorized for n in nodes):
                fields.append(
                    FieldShape(
                        key,
                        FieldKind.UNAUTHORIZED,
                        OutputType(isinstance(definition.type, GraphQLNonNull)),
                        f"{owner.name}.{name}",
                    )
                )
                continue
            sub_selections = tuple(n.selection_set for n in nodes if n.selection_set is not None)
            fields.append(
                FieldShape(
                    key,
                    FieldKind.DATA,
                    self._output_type(definition.type, sub_selections),
                    f"{owner.name}.{name}",
                )
            )
        return tuple(fields)

    def _output_type(
        self, type_: GraphQLOutputType, selections: tuple[SelectionSetNode, ...]
    ) -> OutputType:
        non_null = isinstance(type_, GraphQLNonNull)
        inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if isinstance(inner, GraphQLList):
            return OutputType(non_null, item=self._output_type(inner.of_type, selections))
        named = get_named_type(inner)
        if is_composite_type(named) and selections:
            assert isinstance(named, GraphQLObjectType | GraphQLAbstractType)
            return OutputType(non_null, selection=self.compile_selection(named, selections))
        if isinstance(named, GraphQLEnumType):
            # A subgraph may return values the API schema hides (@inaccessible).
            return OutputType(non_null, enum_name=named.name, enum_values=frozenset(named.values))
        return OutputType(non_null)

    def _collect(
        self,
        runtime: GraphQLObjectType | None,
        parent: GraphQLObjectType | GraphQLAbstractType,
        selection_set: SelectionSetNode,
        grouped: dict[str, list[FieldNode]],
        visited: set[str],
    ) -> None:
        for selection in selection_set.selections:
            if not is_included(selection.directives, self._values):
                continue
            if not isinstance(selection, FieldNode) and id(selection) in self._unauthorized:
                continue  # a fragment on a type the caller may not see
            if (
                self._skip_deferred
                and not isinstance(selection, FieldNode)
                and defer_is_active(selection.directives, self._values)
            ):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                grouped.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is None or self._applies(condition.name.value, runtime, parent):
                    self._collect(runtime, parent, selection.selection_set, grouped, visited)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self._fragments.get(name)
                if fragment is None or name in visited:
                    continue
                visited.add(name)
                if self._applies(fragment.type_condition.name.value, runtime, parent):
                    self._collect(runtime, parent, fragment.selection_set, grouped, visited)

    def _applies(
        self,
        condition: str,
        runtime: GraphQLObjectType | None,
        parent: GraphQLObjectType | GraphQLAbstractType,
    ) -> bool:
        if runtime is None:
            return condition == parent.name
        if condition == runtime.name:
            return True
        condition_type = self._schema.get_type(condition)
        if condition_type is None or not is_abstract_type(condition_type):
            return False
        assert isinstance(condition_type, GraphQLAbstractType)
        return self._schema.is_sub_type(condition_type, runtime)


def compile_shape(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    condition_values: Mapping[str, Any] | None = None,
    unauthorized: frozenset[int] = frozenset(),
) -> SelectionShape:
    """The shape of ``operation``'s response for the given ``@skip``/``@include`` values.

    ``unauthorized`` holds the ids of field and fragment nodes authorization removed: such a
    field answers null (and propagates it when non-null), such a fragment applies to nothing.
    """
    root = schema.get_root_type(operation.operation)
    if root is None:
        raise ValueError(f"the schema has no {operation.operation.value} type")
    compiler = ShapeCompiler(schema, fragments, condition_values or {}, unauthorized)
    return compiler.compile_root(root, operation.selection_set)


def compile_deferred_shapes(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    parts: Iterable[tuple[str, SelectionSetNode]],
    condition_values: Mapping[str, Any] | None = None,
    unauthorized: frozenset[int] = frozenset(),
) -> tuple[SelectionShape, list[SelectionShape]]:
    """For incremental delivery: the initial payload's shape (deferred fragments left out) and
    each deferred fragment's (its type and selection; fragments deferred in it left out)."""
    root = schema.get_root_type(operation.operation)
    if root is None:
        raise ValueError(f"the schema has no {operation.operation.value} type")
    compiler = ShapeCompiler(
        schema, fragments, condition_values or {}, unauthorized, skip_deferred=True
    )
    primary = compiler.compile_root(root, operation.selection_set)
    shapes: list[SelectionShape] = []
    for type_name, selection_set in parts:
        named = schema.get_type(type_name)
        assert isinstance(named, GraphQLObjectType | GraphQLAbstractType)
        shapes.append(compiler.compile_selection(named, (selection_set,)))
    return primary, shapes

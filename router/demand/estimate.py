"""The estimated cost of an operation, before it runs (IBM GraphQL cost spec).

A composite value (object, interface, union) costs 1 and a leaf 0, unless ``@cost`` on the
field or its type says otherwise; root mutation fields cost ``mutation_cost``; ``@cost`` on a
given argument adds its weight. A list multiplies the cost of each item by its size: the
largest value given to one of its ``@listSize(slicingArguments:)`` (a literal, a variable, or
the argument's default), else its ``assumedSize``, else the configured default list size.
With ``sizedFields`` the size applies to those child fields instead (connections).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    BooleanValueNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLArgument,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_composite_type,
    value_from_ast_untyped,
)
from graphql.language import DirectiveNode
from graphql.pyutils import Undefined
from graphql.type import GraphQLOutputType

from router.demand.directives import CostDirectives, ListSize


class SlicingArgumentError(ValueError):
    """A ``@listSize(requireOneSlicingArgument: true)`` field got no or several sizes."""


def is_list(type_: GraphQLOutputType) -> bool:
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


def included(directives: tuple[DirectiveNode, ...] | None, variables: Mapping[str, Any]) -> bool:
    """Whether @skip/@include keep the selection (literal or variable conditions)."""
    for directive in directives or ():
        name = directive.name.value
        if name not in ("skip", "include"):
            continue
        for argument in directive.arguments or ():
            if argument.name.value != "if":
                continue
            value: Any = None
            if isinstance(argument.value, BooleanValueNode):
                value = argument.value.value
            elif isinstance(argument.value, VariableNode):
                value = variables.get(argument.value.name.value)
            if (name == "skip" and value is True) or (name == "include" and value is False):
                return False
    return True


class CostEstimator:
    def __init__(
        self,
        schema: GraphQLSchema,
        directives: CostDirectives,
        *,
        list_size: int = 10,
        mutation_cost: int = 10,
    ) -> None:
        self.schema = schema
        self.directives = directives
        self.list_size = list_size
        self.mutation_cost = mutation_cost

    def estimate(
        self,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> float:
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return 0.0
        run = _Run(self, fragments, variables, operation.operation is OperationType.MUTATION)
        return run.selection_set([operation.selection_set], root.name, None, True)

    def base_cost(self, parent: str, name: str, field: GraphQLField) -> int:
        weight = self.directives.field_weights.get((parent, name))
        if weight is not None:
            return weight
        named = get_named_type(field.type)
        weight = self.directives.type_weights.get(named.name)
        if weight is not None:
            return weight
        return 1 if is_composite_type(named) else 0

    def size_of(
        self,
        spec: ListSize | None,
        field: GraphQLField,
        node: FieldNode,
        variables: Mapping[str, Any],
    ) -> int:
        if spec is None:
            return self.list_size
        if spec.slicing_arguments:
            given: list[int] = []
            explicit = 0
            for argument in node.arguments or ():
                if argument.name.value not in spec.slicing_arguments:
                    continue
                value: Any = None
                if isinstance(argument.value, IntValueNode):
                    value = int(argument.value.value)
                elif isinstance(argument.value, VariableNode):
                    value = variables.get(argument.value.name.value)
                if isinstance(value, int):
                    given.append(value)
                    explicit += 1
            if not given:
                for name in spec.slicing_arguments:
                    definition = field.args.get(name)
                    default = _default_of(definition)
                    if isinstance(default, int):
                        given.append(default)
            if spec.require_one_slicing_argument and explicit > 1:
                raise SlicingArgumentError(
                    f'Exactly one slicing argument of "{node.name.value}" is required '
                    f"({', '.join(spec.slicing_arguments)})"
                )
            if given:
                return max(given)
            if spec.require_one_slicing_argument and spec.assumed_size is None:
                raise SlicingArgumentError(
                    f'Exactly one slicing argument of "{node.name.value}" is required '
                    f"({', '.join(spec.slicing_arguments)})"
                )
        return spec.assumed_size if spec.assumed_size is not None else self.list_size


def _default_of(argument: GraphQLArgument | None) -> object:
    """An argument's default value (from its definition's AST when the schema keeps it there)."""
    if argument is None:
        return None
    if argument.default_value is not Undefined:
        return argument.default_value
    node = argument.ast_node
    if node is not None and node.default_value is not None:
        return value_from_ast_untyped(node.default_value)
    return None


class _Run:
    """One estimate. Fields are merged by response name as execution merges them, and each
    fragment is collected once per selection set, so fragments spread many times cost time
    and cost linear in the document, not in its expansion."""

    def __init__(
        self,
        estimator: CostEstimator,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        mutation: bool,
    ) -> None:
        self.estimator = estimator
        self.fragments = fragments
        self.variables = variables
        self.mutation = mutation

    def collect(
        self,
        selection_set: SelectionSetNode,
        parent: str,
        out: dict[tuple[str, str], list[FieldNode]],
        visited: set[str],
    ) -> None:
        for selection in selection_set.selections:
            if not included(selection.directives, self.variables):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                out.setdefault((parent, key), []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = condition.name.value if condition is not None else parent
                self.collect(selection.selection_set, inner, out, visited)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in visited:
                    continue
                visited.add(name)
                inner = fragment.type_condition.name.value
                self.collect(fragment.selection_set, inner, out, visited)

    def selection_set(
        self,
        selection_sets: list[SelectionSetNode],
        parent: str,
        sized: tuple[tuple[str, ...], int] | None,
        root: bool = False,
    ) -> float:
        fields: dict[tuple[str, str], list[FieldNode]] = {}
        visited: set[str] = set()
        for selection_set in selection_sets:
            self.collect(selection_set, parent, fields, visited)
        return sum(
            self.field(nodes, type_name, sized, root) for (type_name, _), nodes in fields.items()
        )

    def field(
        self,
        nodes: list[FieldNode],
        parent: str,
        sized: tuple[tuple[str, ...], int] | None,
        root: bool,
    ) -> float:
        node = nodes[0]
        name = node.name.value
        if name.startswith("__"):
            return 0.0
        parent_type = self.estimator.schema.get_type(parent)
        fields = getattr(parent_type, "fields", None)
        if fields is None or name not in fields:
            return 0.0
        definition: GraphQLField = fields[name]
        estimator = self.estimator
        directives = estimator.directives
        base = float(estimator.base_cost(parent, name, definition))
        if root and self.mutation:
            base = max(base, float(estimator.mutation_cost))
        for argument in node.arguments or ():
            base += directives.argument_weights.get((parent, name, argument.name.value), 0)
        named = get_named_type(definition.type).name
        spec = directives.list_sizes.get((parent, name))
        child_sized: tuple[tuple[str, ...], int] | None = None
        multiplier = 1
        if spec is not None and spec.sized_fields:
            size = estimator.size_of(spec, definition, node, self.variables)
            child_sized = (spec.sized_fields, size)
        elif is_list(definition.type):
            multiplier = estimator.size_of(spec, definition, node, self.variables)
        if sized is not None and name in sized[0]:
            multiplier = sized[1]
        subselections = [n.selection_set for n in nodes if n.selection_set is not None]
        children = self.selection_set(subselections, named, child_sized)
        return multiplier * (base + children)

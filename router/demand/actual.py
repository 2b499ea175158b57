"""The actual cost of an operation, from its response: the estimate's rules applied to the
lists as they came back instead of their assumed sizes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    is_abstract_type,
)

from router.demand.estimate import CostEstimator, included


class ActualCost:
    def __init__(self, estimator: CostEstimator) -> None:
        self.estimator = estimator
        self.schema: GraphQLSchema = estimator.schema

    def measure(
        self,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        data: object,
    ) -> float:
        root = self.schema.get_root_type(operation.operation)
        if root is None or not isinstance(data, dict):
            return 0.0
        mutation = operation.operation is OperationType.MUTATION
        walk = _Walk(self, fragments, variables)
        return walk.selections(operation.selection_set, root.name, data, mutation)


class _Walk:
    def __init__(
        self,
        actual: ActualCost,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.actual = actual
        self.fragments = fragments
        self.variables = variables

    def _applies(self, condition: str, typename: object, parent: str) -> bool:
        if condition == parent or not isinstance(typename, str):
            return True
        if condition == typename:
            return True
        schema = self.actual.schema
        abstract = schema.get_type(condition)
        concrete = schema.get_type(typename)
        if abstract is None or concrete is None or not is_abstract_type(abstract):
            return False
        return schema.is_sub_type(abstract, concrete)

    def selections(
        self, selection_set: SelectionSetNode | None, parent: str, value: dict[str, Any], root: bool
    ) -> float:
        if selection_set is None:
            return 0.0
        typename = value.get("__typename")
        concrete = typename if isinstance(typename, str) else parent
        total = 0.0
        for selection in selection_set.selections:
            if not included(selection.directives, self.variables):
                continue
            if isinstance(selection, FieldNode):
                total += self.field(selection, concrete, value, root)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is None or self._applies(condition.name.value, typename, parent):
                    total += self.selections(selection.selection_set, parent, value, root)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None and self._applies(
                    fragment.type_condition.name.value, typename, parent
                ):
                    total += self.selections(fragment.selection_set, parent, value, root)
        return total

    def field(self, node: FieldNode, parent: str, value: dict[str, Any], root: bool) -> float:
        name = node.name.value
        if name.startswith("__"):
            return 0.0
        parent_type = self.actual.schema.get_type(parent)
        fields = getattr(parent_type, "fields", None)
        if fields is None or name not in fields:
            return 0.0
        definition: GraphQLField = fields[name]
        estimator = self.actual.estimator
        base = float(estimator.base_cost(parent, name, definition))
        if root:  # a root mutation field
            base = max(base, float(estimator.mutation_cost))
        for argument in node.arguments or ():
            base += estimator.directives.argument_weights.get(
                (parent, name, argument.name.value), 0
            )
        named = get_named_type(definition.type).name
        return self.value(node, named, value.get(node.alias.value if node.alias else name), base)

    def value(self, node: FieldNode, named: str, value: object, base: float) -> float:
        if value is None:
            return 0.0
        if isinstance(value, list):
            return sum(self.value(node, named, item, base) for item in value)
        if isinstance(value, dict):
            return base + self.selections(node.selection_set, named, value, False)
        return base

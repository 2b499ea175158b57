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
        return walk.selections([operation.selection_set], root.name, data, mutation)


class _Walk:
    """Fields are merged by response name, each fragment collected once per object."""

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
        if condition in (parent, typename) or not isinstance(typename, str):
            return True
        schema = self.actual.schema
        abstract = schema.get_type(condition)
        concrete = schema.get_type(typename)
        if abstract is None or concrete is None or not is_abstract_type(abstract):
            return False
        return schema.is_sub_type(abstract, concrete)

    def collect(
        self,
        selection_set: SelectionSetNode,
        parent: str,
        typename: object,
        out: dict[str, list[FieldNode]],
        visited: set[str],
    ) -> None:
        for selection in selection_set.selections:
            if not included(selection.directives, self.variables):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                out.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is None or self._applies(condition.name.value, typename, parent):
                    self.collect(selection.selection_set, parent, typename, out, visited)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in visited:
                    continue
                visited.add(name)
                if self._applies(fragment.type_condition.name.value, typename, parent):
                    self.collect(fragment.selection_set, parent, typename, out, visited)

    def selections(
        self, selection_sets: list[SelectionSetNode], parent: str, value: dict[str, Any], root: bool
    ) -> float:
        typename = value.get("__typename")
        concrete = typename if isinstance(typename, str) else parent
        fields: dict[str, list[FieldNode]] = {}
        visited: set[str] = set()
        for selection_set in selection_sets:
            self.collect(selection_set, parent, typename, fields, visited)
        return sum(
            self.field(nodes, concrete, value.get(key), root) for key, nodes in fields.items()
        )

    def field(self, nodes: list[FieldNode], parent: str, value: object, root: bool) -> float:
        node = nodes[0]
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
        subselections = [n.selection_set for n in nodes if n.selection_set is not None]
        return self.value(subselections, named, value, base)

    def value(
        self, subselections: list[SelectionSetNode], named: str, value: object, base: float
    ) -> float:
        if value is None:
            return 0.0
        if isinstance(value, list):
            return sum(self.value(subselections, named, item, base) for item in value)
        if isinstance(value, dict):
            return base + self.selections(subselections, named, value, False)
        return base

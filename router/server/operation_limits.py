"""Operation limits as graphql-core validation rules: depth, aliases and root fields.

Each rule counts through fragment spreads and inline fragments, reports one error naming the
limit (``extensions.code`` = ``MAX_DEPTH_EXCEEDED`` …), and is handed to the gateway through
``GatewayOptions.validation_rules`` so limits are checked once per cached operation.
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
    ValidationContext,
    ValidationRule,
)

from router.config.model import LimitsConfig

Measure = Callable[[SelectionSetNode, frozenset[str]], int]


class _Counter:
    """Measures one operation; each fragment is measured once, so a document whose fragments
    spread each other many times costs time linear in its size, not in its expanded size."""

    def __init__(self, context: ValidationContext) -> None:
        self._context = context
        self._memo: dict[tuple[str, str], int] = {}

    def _fragment(
        self, spread: FragmentSpreadNode, visiting: frozenset[str], measure: Measure
    ) -> int:
        name = spread.name.value
        key = (measure.__name__, name)
        if key in self._memo:
            return self._memo[key]
        fragment = self._context.get_fragment(name)
        if fragment is None or name in visiting:
            return 0
        measured = self._memo[key] = measure(fragment.selection_set, visiting | {name})
        return measured

    def depth(self, selection_set: SelectionSetNode | None, visiting: frozenset[str]) -> int:
        if selection_set is None:
            return 0
        deepest = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                deepest = max(deepest, 1 + self.depth(selection.selection_set, visiting))
            elif isinstance(selection, InlineFragmentNode):
                deepest = max(deepest, self.depth(selection.selection_set, visiting))
            elif isinstance(selection, FragmentSpreadNode):
                deepest = max(deepest, self._fragment(selection, visiting, self.depth))
        return deepest

    def aliases(self, selection_set: SelectionSetNode | None, visiting: frozenset[str]) -> int:
        if selection_set is None:
            return 0
        count = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                count += (selection.alias is not None) + self.aliases(
                    selection.selection_set, visiting
                )
            elif isinstance(selection, InlineFragmentNode):
                count += self.aliases(selection.selection_set, visiting)
            elif isinstance(selection, FragmentSpreadNode):
                count += self._fragment(selection, visiting, self.aliases)
        return count

    def root_fields(self, selection_set: SelectionSetNode, visiting: frozenset[str]) -> int:
        count = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                count += 1
            elif isinstance(selection, InlineFragmentNode):
                count += self.root_fields(selection.selection_set, visiting)
            elif isinstance(selection, FragmentSpreadNode):
                count += self._fragment(selection, visiting, self.root_fields)
        return count


class _LimitRule(ValidationRule):
    limit_name = ""
    code = ""
    maximum = 0

    def measure(self, counter: _Counter, node: OperationDefinitionNode) -> int:
        raise NotImplementedError

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args: object) -> None:
        measured = self.measure(_Counter(self.context), node)
        if measured > self.maximum:
            self.report_error(
                GraphQLError(
                    f"Operation exceeds the {self.limit_name} limit: {measured} > {self.maximum}",
                    node,
                    extensions={"code": self.code, "limit": self.limit_name},
                )
            )


def max_depth_rule(maximum: int) -> type[ValidationRule]:
    class MaxDepthRule(_LimitRule):
        limit_name = "max_depth"
        code = "MAX_DEPTH_EXCEEDED"

        def measure(self, counter: _Counter, node: OperationDefinitionNode) -> int:
            return counter.depth(node.selection_set, frozenset())

    MaxDepthRule.maximum = maximum
    return MaxDepthRule


def max_aliases_rule(maximum: int) -> type[ValidationRule]:
    class MaxAliasesRule(_LimitRule):
        limit_name = "max_aliases"
        code = "MAX_ALIASES_EXCEEDED"

        def measure(self, counter: _Counter, node: OperationDefinitionNode) -> int:
            return counter.aliases(node.selection_set, frozenset())

    MaxAliasesRule.maximum = maximum
    return MaxAliasesRule


def max_root_fields_rule(maximum: int) -> type[ValidationRule]:
    class MaxRootFieldsRule(_LimitRule):
        limit_name = "max_root_fields"
        code = "MAX_ROOT_FIELDS_EXCEEDED"

        def measure(self, counter: _Counter, node: OperationDefinitionNode) -> int:
            return counter.root_fields(node.selection_set, frozenset())

    MaxRootFieldsRule.maximum = maximum
    return MaxRootFieldsRule


def limit_rules(limits: LimitsConfig) -> tuple[type[ValidationRule], ...]:
    rules: list[type[ValidationRule]] = []
    if limits.max_depth is not None:
        rules.append(max_depth_rule(limits.max_depth))
    if limits.max_aliases is not None:
        rules.append(max_aliases_rule(limits.max_aliases))
    if limits.max_root_fields is not None:
        rules.append(max_root_fields_rule(limits.max_root_fields))
    return tuple(rules)

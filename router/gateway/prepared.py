"""A prepared operation: everything about a client operation that does not change per request.

Parse, validation, operation selection, plan, compiled plan and response shapes are computed
once and cached; a request for a prepared operation only coerces its variables and executes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    VariableDefinitionNode,
    value_from_ast_untyped,
)

from router.authorization import Removal
from router.executor import CompiledPlan, SelectionShape, compile_shape
from router.gateway.lru import LRUCache
from router.gateway.operation_usage import OperationSignature, operation_signature
from router.planner.plan import QueryPlan


@dataclass(slots=True)
class PreparedOperation:
    errors: list[dict[str, Any]] | None = None  # set: the operation cannot run
    document: DocumentNode | None = None
    operation: OperationDefinitionNode | None = None
    fragments: dict[str, FragmentDefinitionNode] = field(default_factory=dict)
    variable_definitions: tuple[VariableDefinitionNode, ...] = ()
    variable_defaults: dict[str, Any] = field(default_factory=dict)
    condition_variables: tuple[str, ...] = ()
    query_plan: QueryPlan | None = None
    plan: CompiledPlan | None = None  # None: nothing to fetch from subgraphs
    introspection_document: DocumentNode | None = None
    override_labels: frozenset[str] = frozenset()
    plan_printer: Callable[[QueryPlan], str] | None = None
    schema: GraphQLSchema | None = None
    shapes: LRUCache[tuple[bool, ...], SelectionShape] = field(default_factory=lambda: LRUCache(32))
    # Introspection answers do not change for an operation without variables: kept here.
    static_introspection: tuple[dict[str, Any], list[dict[str, Any]]] | None = None
    # Authorization: ids of the operation's nodes the caller may not see, and their errors.
    unauthorized: frozenset[int] = frozenset()
    authorization_removals: tuple[Removal, ...] = ()
    _plan_text: str | None = None
    static_cost: float | None = None  # demand control: the estimate when it needs no variables
    _signature: OperationSignature | None = None

    def signature(self) -> OperationSignature | None:
        """Hash, name and field coordinates for usage reporting (None: the operation cannot
        run); computed on first use."""
        if self._signature is None and self.operation is not None and self.schema is not None:
            self._signature = operation_signature(self.schema, self.operation, self.fragments)
        return self._signature

    # The operation as planned (authorization may have filtered it; None: the operation itself).
    planned_operation: OperationDefinitionNode | None = None
    planned_fragments: dict[str, FragmentDefinitionNode] = field(default_factory=dict)
    # @defer: whether the operation uses it, the variables of its `if`s, and the incremental
    # plans (each with a condition on those) by the values of the @skip/@include variables.
    has_defer: bool = False
    defer_variables: tuple[str, ...] = ()
    incremental: LRUCache[tuple[bool, ...], Any] = field(default_factory=lambda: LRUCache(8))

    @property
    def kind(self) -> OperationType | None:
        return self.operation.operation if self.operation is not None else None

    @property
    def operation_name(self) -> str | None:
        if self.operation is None or self.operation.name is None:
            return None
        return self.operation.name.value

    def shape_for(self, variables: Mapping[str, Any]) -> SelectionShape:
        """The response shape for these variable values (they decide @skip/@include)."""
        key = tuple(bool(variables.get(name)) for name in self.condition_variables)
        shape = self.shapes.get(key)
        if shape is None:
            assert self.schema is not None and self.operation is not None
            shape = compile_shape(
                self.schema, self.operation, self.fragments, variables, self.unauthorized
            )
            self.shapes.put(key, shape)
        return shape

    def incremental_key(self, variables: Mapping[str, Any]) -> tuple[bool, ...]:
        """The @skip/@include values: one incremental plan serves every @defer(if:) value."""
        return tuple(bool(variables.get(name)) for name in self.condition_variables)

    def forwarded_variables(self, provided: Mapping[str, Any]) -> dict[str, Any]:
        """Variables as sent to subgraphs: the client's values, defaults for the rest."""
        if not self.variable_defaults:
            return dict(provided)
        forwarded = dict(self.variable_defaults)
        forwarded.update(provided)
        return forwarded

    @property
    def plan_text(self) -> str | None:
        if self.query_plan is None:
            return None
        if self._plan_text is None:
            printer = self.plan_printer or repr
            self._plan_text = printer(self.query_plan)
        return self._plan_text


def variable_defaults(definitions: tuple[VariableDefinitionNode, ...]) -> dict[str, Any]:
    return {
        definition.variable.name.value: value_from_ast_untyped(definition.default_value)
        for definition in definitions
        if definition.default_value is not None
    }

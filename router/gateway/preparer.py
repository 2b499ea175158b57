"""Turning a query string into a ``PreparedOperation``: parse, validate, select, plan."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    KnownOperationTypesRule,
    OperationDefinitionNode,
    OperationType,
    parse,
    specified_rules,
    validate,
)

from router.authorization import FilteredOperation, Permissions, filter_operation
from router.executor import CompiledPlan, condition_variables
from router.gateway.errors import (
    GRAPHQL_PARSE_FAILED,
    GRAPHQL_VALIDATION_FAILED,
    INTROSPECTION_DISABLED,
    INVALID_GRAPHQL,
    OPERATION_NOT_SUPPORTED,
    QUERY_PLANNING_FAILED,
    from_graphql_error,
    request_error,
)
from router.gateway.introspection import (
    META_FIELDS,
    introspection_only,
    root_field_names,
    without_introspection,
)
from router.gateway.options import OperationGuard
from router.gateway.prepared import PreparedOperation, variable_defaults
from router.gateway.validation_deadline import (
    DeadlineRule,
    ValidationDeadlineExceeded,
    validation_deadline,
)
from router.planner.defer_directives import DEFER
from router.planner.defer_split import STREAM, defer_variables, uses_directive, without_defer
from router.planner.plan import QueryPlan
from router.supergraph.model import Supergraph

VALIDATION_TIMEOUT = "VALIDATION_TIMEOUT"


class Planner(Protocol):
    def __call__(
        self,
        supergraph: Supergraph,
        document: DocumentNode,
        operation_name: str | None,
        *,
        override_labels: frozenset[str] = ...,
    ) -> QueryPlan: ...


class OperationPreparer:
    """Prepares operations against one supergraph; stateless between calls."""

    def __init__(
        self,
        supergraph: Supergraph,
        planner: Planner,
        compile_plan: Callable[[QueryPlan], CompiledPlan],
        *,
        validation_rules: tuple[type[ASTValidationRule], ...] = (),
        max_validation_errors: int = 100,
        max_parser_tokens: int | None = 15_000,
        introspection: bool = True,
        plan_printer: Callable[[QueryPlan], str] | None = None,
        shapes_per_operation: int = 32,
        max_validation_ms: float | None = None,
        guard: OperationGuard | None = None,
    ) -> None:
        self.guard = guard
        self.max_validation_ms = max_validation_ms
        self.supergraph = supergraph
        self.schema: GraphQLSchema = supergraph.api_schema
        self.planner = planner
        self.compile_plan = compile_plan
        # An operation type without a root type is reported once an operation is selected
        # (`root_type_error`), as the document may hold other operations that can run.
        self.rules: tuple[type[ASTValidationRule], ...] = (
            DeadlineRule,
            *(rule for rule in specified_rules if rule is not KnownOperationTypesRule),
            *validation_rules,
        )
        self.max_validation_errors = max_validation_errors
        self.max_parser_tokens = max_parser_tokens
        self.introspection = introspection
        self.plan_printer = plan_printer
        self.shapes_per_operation = shapes_per_operation

    def prepare(
        self,
        query: str,
        operation_name: str | None,
        override_labels: frozenset[str],
        permissions: Permissions | None = None,
    ) -> PreparedOperation:
        """The operation prepared for a caller with ``permissions`` (None: no authorization)."""
        try:
            # Selection sets must not be empty (the spec's grammar; graphql-core 3.3 allows them
            # by default), and a token limit stops oversized documents before any work.
            document = parse(
                query, max_tokens=self.max_parser_tokens, allow_empty_selection_sets=False
            )
        except GraphQLError as error:
            return PreparedOperation(errors=[from_graphql_error(error, GRAPHQL_PARSE_FAILED)])
        try:
            with validation_deadline(self.max_validation_ms):
                validation_errors = validate(
                    self.schema, document, self.rules, max_errors=self.max_validation_errors
                )
        except ValidationDeadlineExceeded as exceeded:
            return PreparedOperation(errors=[request_error(str(exceeded), VALIDATION_TIMEOUT)])
        if validation_errors:
            return PreparedOperation(
                errors=[
                    from_graphql_error(error, GRAPHQL_VALIDATION_FAILED)
                    for error in validation_errors
                ]
            )
        selected = select_operation(document, operation_name)
        if isinstance(selected, dict):
            return PreparedOperation(errors=[selected])
        operation = selected
        no_root_type = root_type_error(self.schema, operation.operation)
        if no_root_type is not None:
            return PreparedOperation(errors=[no_root_type])
        if uses_directive(operation, fragments_of(document), STREAM):
            return PreparedOperation(
                errors=[
                    request_error(
                        "@stream is not supported: remove it (lists are returned whole); "
                        "@defer is supported",
                        OPERATION_NOT_SUPPORTED,
                    )
                ]
            )
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        if operation.operation is OperationType.SUBSCRIPTION and uses_directive(
            operation, fragments, DEFER
        ):
            return PreparedOperation(
                errors=[
                    request_error(
                        "@defer is not supported in subscriptions: remove it (each event is "
                        "sent whole)",
                        OPERATION_NOT_SUPPORTED,
                    )
                ]
            )
        root_fields = root_field_names(operation, fragments)
        has_introspection = bool(root_fields & {"__schema", "__type"})
        if has_introspection and not self.introspection:
            return PreparedOperation(
                errors=[request_error("Introspection is disabled.", INTROSPECTION_DISABLED)]
            )
        allowed: FilteredOperation | None = None
        if permissions is not None:
            allowed = filter_operation(
                self.schema, self.supergraph.authorization, permissions, operation, fragments
            )
        definitions = tuple(operation.variable_definitions or ())
        prepared = PreparedOperation(
            document=document,
            operation=operation,
            fragments=fragments,
            variable_definitions=definitions,
            variable_defaults=variable_defaults(definitions),
            condition_variables=condition_variables(operation, fragments.values()),
            override_labels=override_labels,
            plan_printer=self.plan_printer,
            schema=self.schema,
        )
        prepared.shapes.maxsize = self.shapes_per_operation
        if uses_directive(operation, fragments, DEFER):
            prepared.has_defer = True
            prepared.defer_variables = defer_variables(operation, fragments)
        if has_introspection:
            prepared.introspection_document = introspection_only(operation, fragments)
            if prepared.has_defer:
                prepared.introspection_document = without_defer(prepared.introspection_document)
        planned_operation, planned_fragments = operation, fragments
        if allowed is not None and allowed.changed:
            prepared.unauthorized = allowed.removed
            prepared.authorization_removals = allowed.removals
            planned_operation, planned_fragments = allowed.operation, allowed.fragments
            prepared.planned_operation = planned_operation
            prepared.planned_fragments = planned_fragments
            root_fields = root_field_names(planned_operation, planned_fragments)
        if self.guard is not None and self.guard.refuses_statically(prepared):
            # Its cost needs no variables and is over the limit: every request of it is refused
            # (by the guard, before execution), so it is never planned.
            prepared.query_plan = QueryPlan()
            return prepared
        if root_fields - META_FIELDS:
            planned = self._plan(
                planned_operation, planned_fragments, has_introspection, override_labels
            )
            if isinstance(planned, dict):
                return PreparedOperation(errors=[planned])
            prepared.query_plan = planned
            prepared.plan = self.compile_plan(planned)
        else:
            prepared.query_plan = QueryPlan()  # introspection and __typename only
        prepared.shape_for({})  # compile the common shape now, off the request path
        return prepared

    def _plan(
        self,
        operation: OperationDefinitionNode,
        fragments: dict[str, FragmentDefinitionNode],
        has_introspection: bool,
        override_labels: frozenset[str],
    ) -> QueryPlan | dict[str, Any]:
        planned_document = DocumentNode(definitions=(operation, *fragments.values()))
        if has_introspection:
            planned_document = without_introspection(planned_document)
        name = operation.name.value if operation.name else None
        try:
            return self.planner(
                self.supergraph, planned_document, name, override_labels=override_labels
            )
        except Exception as error:  # a planner bug must not take the server down
            return request_error(f"Query planning failed: {error}", QUERY_PLANNING_FAILED)


def fragments_of(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def select_operation(
    document: DocumentNode, operation_name: str | None
) -> OperationDefinitionNode | dict[str, Any]:
    """The operation to run, or the request error explaining why there is none."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        for operation in operations:
            if operation.name is not None and operation.name.value == operation_name:
                return operation
        return request_error(f'Unknown operation named "{operation_name}".', INVALID_GRAPHQL)
    if len(operations) == 1:
        return operations[0]
    if not operations:
        return request_error("Must provide an operation.", INVALID_GRAPHQL)
    return request_error(
        "Must provide operation name if query contains multiple operations.", INVALID_GRAPHQL
    )


def root_type_error(schema: GraphQLSchema, operation: OperationType) -> dict[str, Any] | None:
    """The request error for an operation type the schema has no root type for, if so."""
    root: GraphQLObjectType | None = schema.get_root_type(operation)
    if root is not None:
        return None
    return request_error(
        f'The schema has no "{operation.value}" root type defined', INVALID_GRAPHQL
    )

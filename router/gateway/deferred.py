"""The incremental plan of a prepared operation with ``@defer``, for given variable values.

The client's operation decides what each payload holds (shapes, with authorization's removals
answered null); the planned operation (authorization-filtered) decides what is fetched. Both
are split the same way, so their deferred fragments match by ``DeferKey``; a fragment that
filtering emptied fetches nothing and delivers nulls (with its authorization errors).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphql import DocumentNode, FragmentDefinitionNode, OperationDefinitionNode

from router.executor.compiled_plan import CompiledPlan
from router.executor.incremental import CompiledDeferredPart, IncrementalPlan
from router.executor.shape import compile_deferred_shapes
from router.gateway.introspection import without_introspection
from router.gateway.prepared import PreparedOperation
from router.planner.defer import plan_deferred, plan_deferred_tree
from router.planner.defer_plan import (
    DeferCondition,
    DeferKey,
    DeferPlanTree,
    DeferredQueryPlan,
    DeferredStep,
)
from router.planner.defer_split import DeferredFragment, DeferSplitter
from router.planner.plan import QueryPlan
from router.planner.planner import Planner
from router.supergraph.model import Supergraph

IncrementalTree = IncrementalPlan | DeferCondition[IncrementalPlan]


def build_incremental_tree(
    prepared: PreparedOperation,
    supergraph: Supergraph,
    planner: Planner,
    compile_plan: Callable[[QueryPlan], CompiledPlan],
    values: Mapping[str, Any],
    fixed: Mapping[str, bool] | None = None,
) -> tuple[IncrementalTree, DeferPlanTree]:
    """One plan for every value of the ``@defer(if:)`` variables (``values`` give the
    ``@skip``/``@include`` ones), with a condition on each, and its compiled counterpart; the
    variables in ``fixed`` take the value given there instead."""
    planned_operation, planned_fragments = _planned(prepared)
    tree = plan_deferred_tree(
        supergraph,
        planner.query_graph(prepared.override_labels),
        planned_operation,
        planned_fragments,
        planner.budget,
        fixed,
    )

    def compiled(node: DeferPlanTree, chosen: dict[str, Any]) -> IncrementalTree:
        if isinstance(node, DeferCondition):
            return DeferCondition(
                node.variable,
                compiled(node.if_clause, {**chosen, node.variable: True}),
                compiled(node.else_clause, {**chosen, node.variable: False}),
            )
        plan, _ = build_incremental_plan(
            prepared, supergraph, planner, compile_plan, {**values, **(fixed or {}), **chosen}, node
        )
        return plan

    return compiled(tree, {}), tree


def build_incremental_plan(
    prepared: PreparedOperation,
    supergraph: Supergraph,
    planner: Planner,
    compile_plan: Callable[[QueryPlan], CompiledPlan],
    values: Mapping[str, Any],
    planned: DeferredQueryPlan | None = None,
) -> tuple[IncrementalPlan, DeferredQueryPlan]:
    assert prepared.operation is not None and prepared.schema is not None
    operation = prepared.operation
    schema = prepared.schema
    client = DeferSplitter(
        schema,
        None,
        prepared.fragments,
        values,
        is_mutation=operation.operation.value == "mutation",
    ).split(operation)
    client_parts = client.all_parts()
    primary_shape, shapes = compile_deferred_shapes(
        schema,
        operation,
        prepared.fragments,
        [(part.type_name, part.client_selection) for part in client_parts],
        values,
        prepared.unauthorized,
    )
    shape_of = {id(part): shape for part, shape in zip(client_parts, shapes, strict=True)}
    if planned is None:
        planned_operation, planned_fragments = _planned(prepared)
        planned = plan_deferred(
            supergraph,
            planner.query_graph(prepared.override_labels),
            planned_operation,
            planned_fragments,
            values,
            planner.budget,
        )
    deferred = planned
    steps: dict[DeferKey, DeferredStep] = {step.key: step for step in deferred.steps()}

    def compiled(part: DeferredFragment) -> CompiledDeferredPart:
        step = steps.get(part.key)
        plan = None
        if step is not None and step.node is not None:
            plan = compile_plan(QueryPlan(step.node))
        return CompiledDeferredPart(
            label=part.label,
            path=part.path,
            plan=plan,
            shape=shape_of[id(part)],
            directives=tuple(part.node.directives or ()),
            children=tuple(compiled(child) for child in part.children),
            owners=part.owners,
        )

    primary = deferred.primary
    incremental = IncrementalPlan(
        primary=compile_plan(primary) if primary.node is not None else None,
        primary_shape=primary_shape,
        parts=tuple(compiled(part) for part in client.parts),
        fetch_count=deferred.stats.get("fetches", 0),
    )
    return incremental, deferred


def _planned(
    prepared: PreparedOperation,
) -> tuple[OperationDefinitionNode, dict[str, FragmentDefinitionNode]]:
    """The operation as planned: authorization-filtered, introspection fields left out."""
    operation = prepared.planned_operation or prepared.operation
    fragments = (
        prepared.planned_fragments if prepared.planned_operation is not None else prepared.fragments
    )
    assert operation is not None
    document = without_introspection(DocumentNode(definitions=(operation, *fragments.values())))
    found = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    kept = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return found, kept

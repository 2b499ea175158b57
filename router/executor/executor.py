"""The executor: runs compiled plans against the subgraphs and shapes the response."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from typing import Any

from router.executor.compiled_plan import CompiledPlan, CompiledSubscription, compile_plan
from router.executor.complete import ValueCompletionMode, add_errors, shape_response
from router.executor.entity_cache import EntityCache
from router.executor.errors import GraphQLErrorDict
from router.executor.fetcher import FetcherOptions, SubgraphFetcher
from router.executor.incremental import IncrementalExecution, IncrementalPlan
from router.executor.merge import DeepMerger
from router.executor.run import PlanExecution, execute_plan
from router.executor.shape import SelectionShape
from router.executor.subscription_client import SubgraphEvent, SubgraphSubscriber
from router.executor.type_conditions import TypeConditions
from router.planner.plan import QueryPlan
from router.supergraph.model import Supergraph


class Executor:
    """Holds the subgraph connection pools; one instance serves every request."""

    def __init__(
        self,
        supergraph: Supergraph,
        options: FetcherOptions | None = None,
        *,
        entity_cache: EntityCache | None = None,
        subscriber: SubgraphSubscriber | None = None,
        value_completion: ValueCompletionMode = "extensions",
    ) -> None:
        self.supergraph = supergraph
        self.value_completion = value_completion
        self.subscriber = subscriber
        self.entity_cache = entity_cache
        if options is None:
            options = FetcherOptions(urls={n: s.url for n, s in supergraph.subgraphs.items()})
        self.fetcher = SubgraphFetcher(options)
        self.merger = DeepMerger(TypeConditions(supergraph).abstract_types())

    def compile(self, plan: QueryPlan) -> CompiledPlan:
        return compile_plan(plan, self.supergraph)

    async def execute(
        self,
        plan: CompiledPlan,
        shape: SelectionShape,
        *,
        variables: Mapping[str, Any] | None = None,
        condition_values: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        introspection: dict[str, Any] | None = None,
        errors: list[GraphQLErrorDict] | None = None,
        private_id: str | None = None,
    ) -> dict[str, Any]:
        """Run ``plan`` and shape the result: ``{"data": …}`` plus ``"errors"`` when any.

        ``errors`` are errors met before execution (e.g. from introspection) to report too.
        ``private_id`` names the verified caller for answers a subgraph marks private.
        """
        execution = await execute_plan(
            plan,
            self.fetcher,
            self.merger,
            variables=variables or {},
            condition_values=condition_values,
            headers=headers,
            cache=self.entity_cache,
            private_id=private_id,
        )
        all_errors = execution.errors
        if errors:
            all_errors = [*errors, *all_errors]
        completion: list[GraphQLErrorDict] = []
        data = shape_response(
            execution.data, shape, all_errors, introspection, execution.explained_nulls, completion
        )
        return add_errors({"data": data}, all_errors, completion, self.value_completion)

    def execute_incremental(
        self,
        plan: IncrementalPlan,
        *,
        variables: Mapping[str, Any] | None = None,
        condition_values: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        introspection: dict[str, Any] | None = None,
        errors: list[GraphQLErrorDict] | None = None,
        private_id: str | None = None,
    ) -> AsyncGenerator[dict[str, Any], None]:
        """Run an operation with deferred parts: its payloads, initial one first."""
        forwarded = variables or {}
        values = forwarded if condition_values is None else condition_values

        def make_execution() -> PlanExecution:
            return PlanExecution(
                self.fetcher,
                self.merger,
                forwarded,
                values,
                headers,
                self.entity_cache,
                private_id,
            )

        run = IncrementalExecution(
            plan,
            make_execution,
            condition_values=values,
            errors=list(errors or ()),
            introspection=introspection,
            value_completion=self.value_completion,
        )
        return run.payloads()

    def subscribe(
        self,
        subscription: CompiledSubscription,
        variables: Mapping[str, Any],
        headers: Mapping[str, str] | None = None,
    ) -> AsyncGenerator[SubgraphEvent, None]:
        """The subgraph events of a subscription's primary fetch (see ``execute_event``)."""
        primary = subscription.primary
        payload: dict[str, Any] = {"query": primary.node.operation}
        if primary.node.operation_name:
            payload["operationName"] = primary.node.operation_name
        forwarded = {n: variables[n] for n in primary.variable_usages if n in variables}
        if forwarded:
            payload["variables"] = forwarded
        if self.subscriber is None:
            raise RuntimeError("this executor has no subscription transport")
        return self.subscriber.subscribe(primary.service, payload, headers)

    async def execute_event(
        self,
        subscription: CompiledSubscription,
        event: dict[str, Any],
        shape: SelectionShape,
        *,
        variables: Mapping[str, Any] | None = None,
        condition_values: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        errors: list[GraphQLErrorDict] | None = None,
        private_id: str | None = None,
    ) -> dict[str, Any]:
        """One subscription event as the client sees it: the subgraph's ``event`` with the
        fields of other subgraphs resolved through the rest of the plan, then shaped."""
        forwarded = variables or {}
        execution = PlanExecution(
            self.fetcher,
            self.merger,
            forwarded,
            forwarded if condition_values is None else condition_values,
            headers,
            self.entity_cache,
            private_id,
        )
        await execution.run_event(subscription.primary, event, subscription.rest)
        all_errors = execution.errors
        if errors:
            all_errors = [*errors, *all_errors]
        completion: list[GraphQLErrorDict] = []
        data = shape_response(
            execution.data, shape, all_errors, None, execution.explained_nulls, completion
        )
        return add_errors({"data": data}, all_errors, completion, self.value_completion)

    async def aclose(self) -> None:
        await self.fetcher.aclose()

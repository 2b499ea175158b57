"""The gateway: a client operation in, a GraphQL response out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Callable, Mapping
from dataclasses import replace
from typing import Any

import orjson
from graphql import OperationType

from router.auth.principal import ANONYMOUS, Principal
from router.authorization import Permissions, PolicyEvaluator, errors_for, permissions_for
from router.executor import Executor, FetcherOptions, add_errors, shape_response
from router.executor.entity_cache import EntityCache
from router.executor.incremental import IncrementalPlan, merge_incremental
from router.executor.subscription_client import (
    SubgraphSubscriber,
    SubscriptionClientOptions,
    websocket_url,
)
from router.gateway.deferred import build_incremental_tree
from router.gateway.errors import (
    BAD_USER_INPUT,
    INTERNAL_SERVER_ERROR,
    OPERATION_NOT_SUPPORTED,
    QUERY_PLANNING_FAILED,
    request_error,
)
from router.gateway.introspection import run_introspection
from router.gateway.lru import LRUCache
from router.gateway.options import GatewayOptions
from router.gateway.override_labels import OverrideLabels
from router.gateway.prepared import PreparedOperation
from router.gateway.preparer import OperationPreparer, Planner
from router.gateway.request import GraphQLRequest
from router.gateway.subscription import SUBSCRIPTION_SHUTDOWN, SubscriptionStream
from router.gateway.variables import coerce_variables
from router.planner.defer_plan import choose, print_deferred_plan
from router.planner.errors import PlanningBudget
from router.planner.plan import QueryPlan
from router.supergraph.features import unsupported_features_message
from router.supergraph.model import Supergraph
from router.supergraph.reader import SupergraphError

# query, operation name, enabled override labels, what the caller may see (None: everything)
CacheKey = tuple[str, str | None, frozenset[str], Permissions | None]

logger = logging.getLogger(__name__)

SUBSCRIPTION_TRANSPORT = (
    "Subscriptions need a streaming transport: a WebSocket (graphql-transport-ws), "
    "GraphQL over SSE (Accept: text/event-stream) or multipart HTTP "
    '(Accept: multipart/mixed;subscriptionSpec="1.0").'
)


class Gateway:
    """Answers GraphQL requests for one supergraph. Create once, share, ``aclose`` at exit."""

    def __init__(
        self,
        supergraph: Supergraph,
        options: GatewayOptions | None = None,
        *,
        planner: Planner | None = None,
        plan_printer: Callable[[QueryPlan], str] | None = None,
    ) -> None:
        refused = unsupported_features_message(supergraph.links)
        if refused is not None:
            raise SupergraphError(refused)
        self.supergraph = supergraph
        # a copy: changing the caller's options later does not change a running gateway
        self.options = options = replace(options) if options is not None else GatewayOptions()
        # The supergraph's planner (query graphs built once), under this gateway's budget; a
        # test may plan otherwise.
        self.planner = supergraph.query_planner
        if options.planning_budget is not None:
            self.planner = self.planner.with_budget(options.planning_budget)
        if planner is None:
            planner = self.planner
            plan_printer = plan_printer or self.planner.print
        urls = {name: sub.url for name, sub in supergraph.subgraphs.items()}
        urls.update(options.url_overrides)
        self.executor = Executor(
            supergraph,
            FetcherOptions(
                urls=urls,
                timeout=options.subgraph_timeout,
                timeouts=dict(options.subgraph_timeouts),
                max_connections=options.max_connections_per_subgraph,
                max_keepalive_connections=options.max_keepalive_connections_per_subgraph,
                keepalive_expiry=options.keepalive_expiry,
                transports=dict(options.subgraph_transports),
                observer=options.fetch_observer,
                traffic=options.traffic,
                traffic_by_subgraph=dict(options.traffic_by_subgraph),
                traffic_listener=options.traffic_listener,
                instances=options.instances,
            ),
            subscriber=SubgraphSubscriber(
                SubscriptionClientOptions(
                    urls={
                        name: options.subscription_urls.get(name, websocket_url(url))
                        for name, url in urls.items()
                    },
                    connect_timeout=options.subscription_connect_timeout,
                    max_message_bytes=options.subscription_max_message_bytes,
                    keepalive_seconds=options.subscription_keepalive_seconds,
                    observer=options.fetch_observer,
                )
            ),
            entity_cache=(
                EntityCache(
                    supergraph,
                    options.entity_store,
                    options.entity_cache,
                    options.entity_cache_stats,
                    options.entity_cache_vary,
                )
                if options.entity_store is not None
                else None
            ),
            value_completion=options.value_completion,
        )
        self.guard = options.operation_guard(supergraph) if options.operation_guard else None
        self._preparer = OperationPreparer(
            supergraph,
            planner,
            self.executor.compile,
            validation_rules=options.validation_rules,
            max_validation_errors=options.max_validation_errors,
            max_parser_tokens=options.max_parser_tokens,
            introspection=options.introspection,
            plan_printer=plan_printer,
            shapes_per_operation=options.shapes_per_operation,
            max_validation_ms=options.max_validation_ms,
            guard=self.guard,
        )
        self._cache: LRUCache[CacheKey, PreparedOperation] = LRUCache(options.plan_cache_size)
        # Operations being prepared now: concurrent misses of one operation prepare it once.
        self._preparing: dict[CacheKey, asyncio.Task[PreparedOperation]] = {}
        self.override_labels = OverrideLabels(supergraph)
        # Authorization applies when enabled and the supergraph has access requirements.
        self._authorization = options.authorization and not supergraph.authorization.empty
        self._subscriptions: set[SubscriptionStream] = set()

    @property
    def cache(self) -> LRUCache[CacheKey, PreparedOperation]:
        return self._cache

    def prepare(
        self,
        query: str,
        operation_name: str | None,
        *,
        override_labels: frozenset[str] = frozenset(),
        permissions: Permissions | None = None,
    ) -> PreparedOperation:
        """The prepared operation, from the cache when this exact one was seen before.

        ``permissions`` (when authorization applies; None: a caller with none) decide what of
        the operation is planned.
        """
        if self._authorization and permissions is None:
            permissions = Permissions()
        elif not self._authorization:
            permissions = None
        key = (query, operation_name or None, override_labels, permissions)
        prepared = self._cache.get(key)
        if prepared is None:
            prepared = self._preparer.prepare(
                query, operation_name or None, override_labels, permissions
            )
            self._cache.put(key, prepared)
        return prepared

    async def permissions(
        self, principal: Principal, policies: PolicyEvaluator | None = None
    ) -> Permissions | None:
        """What ``principal`` may see here; None when authorization does not apply."""
        if not self._authorization:
            return None
        return await permissions_for(self.supergraph.authorization, principal, policies)

    async def execute(
        self,
        request: GraphQLRequest,
        *,
        subgraph_headers: Mapping[str, str] | None = None,
        include_plan: bool = False,
        override_labels: frozenset[str] | None = None,
        principal: Principal = ANONYMOUS,
        policies: PolicyEvaluator | None = None,
    ) -> dict[str, Any]:
        """The response for ``request``: ``data``, ``errors`` and ``extensions`` per the spec.

        A response without ``data`` is a request error (the operation did not run). The caller
        is ``principal``, as the router's authentication verified it (the server sends its
        identity headers to the subgraphs: ``router.server.fetch_observer``); ``policies`` says
        which of the supergraph's ``@policy`` names it satisfies (none without it). Fields it
        may not see answer null with an error. ``@defer`` is ignored: everything comes at once.
        """
        result = await self._execute(
            request, subgraph_headers, include_plan, override_labels, principal, policies, False
        )
        assert isinstance(result, dict)
        return result

    async def execute_incremental(
        self,
        request: GraphQLRequest,
        *,
        subgraph_headers: Mapping[str, str] | None = None,
        include_plan: bool = False,
        override_labels: frozenset[str] | None = None,
        principal: Principal = ANONYMOUS,
        policies: PolicyEvaluator | None = None,
    ) -> dict[str, Any] | AsyncGenerator[dict[str, Any], None]:
        """Like ``execute``, for a client that takes incremental delivery: an operation with
        fragments deferred answers with its payloads (``router.executor.incremental``), any
        other with one response."""
        return await self._execute(
            request, subgraph_headers, include_plan, override_labels, principal, policies, True
        )

    async def _execute(
        self,
        request: GraphQLRequest,
        subgraph_headers: Mapping[str, str] | None,
        include_plan: bool,
        override_labels: frozenset[str] | None,
        principal: Principal,
        policies: PolicyEvaluator | None,
        incremental: bool,
    ) -> dict[str, Any] | AsyncGenerator[dict[str, Any], None]:
        prepared = await self._prepared(request, override_labels, principal, policies)
        if isinstance(prepared, dict):
            return prepared
        if prepared.kind is OperationType.SUBSCRIPTION:
            return {"errors": [request_error(SUBSCRIPTION_TRANSPORT, OPERATION_NOT_SUPPORTED)]}
        if self.options.usage_recorder is not None:
            self.options.usage_recorder(prepared)
        coerced = coerce_variables(self.supergraph.api_schema, prepared, request.variables)
        if isinstance(coerced, list):
            return {"errors": coerced}
        if prepared.authorization_removals and self.options.reject_unauthorized:
            unauthorized = errors_for(prepared.authorization_removals, coerced)
            if unauthorized:  # the whole operation is refused: nothing runs
                return {"errors": unauthorized}
        if self.guard is not None:
            refused = self.guard.check(prepared, coerced)
            if refused is not None:
                return {"errors": [refused]}
        if incremental and prepared.has_defer and prepared.plan is not None:
            stream = self._incremental(
                prepared, request, coerced, subgraph_headers, principal, include_plan
            )
            if stream is not None:
                return stream
        try:
            response = await self._run(prepared, request, coerced, subgraph_headers, principal)
            if self.guard is not None:
                self.guard.record(prepared, coerced, response)
        except Exception:  # a bug must cost one response, never the server
            logger.exception("executing operation %r failed", prepared.operation_name)
            response = {
                "data": None,
                "errors": [request_error("Internal server error.", INTERNAL_SERVER_ERROR)],
            }
        if include_plan and self.options.expose_query_plan:
            response["extensions"] = {"queryPlan": {"text": prepared.plan_text}}
        return response

    async def _prepared(
        self,
        request: GraphQLRequest,
        override_labels: frozenset[str] | None,
        principal: Principal,
        policies: PolicyEvaluator | None,
    ) -> PreparedOperation | dict[str, Any]:
        """The prepared operation (from the cache, else prepared once), or the response of
        the request errors that stop it."""
        query = request.query
        if not query:
            return {"errors": [request_error("Must provide query string.", BAD_USER_INPUT)]}
        labels = self.override_labels.enabled(override_labels)
        permissions = await self.permissions(principal, policies)
        key = (query, request.operation_name or None, labels, permissions)
        prepared = self._cache.get(key)
        if prepared is None:
            prepared = await self._prepare_once(
                key, query, request.operation_name or None, labels, permissions
            )
        if prepared.errors is not None:
            return {"errors": _copy(prepared.errors)}
        return prepared

    async def subscribe(
        self,
        request: GraphQLRequest,
        *,
        subgraph_headers: Mapping[str, str] | None = None,
        principal: Principal = ANONYMOUS,
        policies: PolicyEvaluator | None = None,
    ) -> dict[str, Any] | SubscriptionStream:
        """A subscription's stream of responses, or the one response of a query or mutation
        (as ``execute``), or the request error that stops the operation before it starts.

        Each event the subgraph owning the root field sends has the fields of other subgraphs
        resolved through the rest of the plan; the stream ends when the subgraph completes,
        with an error when it fails or drops the connection, or when ``end_subscriptions`` is
        called (a supergraph reload, shutdown).
        """
        prepared = await self._prepared(request, None, principal, policies)
        if isinstance(prepared, dict):
            return prepared
        if prepared.kind is not OperationType.SUBSCRIPTION:
            return await self.execute(
                request,
                subgraph_headers=subgraph_headers,
                principal=principal,
                policies=policies,
            )
        if self.options.usage_recorder is not None:
            self.options.usage_recorder(prepared)
        coerced = coerce_variables(self.supergraph.api_schema, prepared, request.variables)
        if isinstance(coerced, list):
            return {"errors": coerced}
        before: list[dict[str, Any]] = []
        if prepared.authorization_removals:
            before = errors_for(prepared.authorization_removals, coerced)
            if before and self.options.reject_unauthorized:
                return {"errors": before}
        if self.guard is not None:
            refused = self.guard.check(prepared, coerced)
            if refused is not None:
                return {"errors": [refused]}
        plan = prepared.plan
        if plan is None or plan.subscription is None:
            # the root field was removed for this caller: one response (null, its errors)
            return await self._run(prepared, request, coerced, subgraph_headers, principal)
        subscription = plan.subscription
        shape = prepared.shape_for(coerced)
        variables = prepared.forwarded_variables(request.variables or {})
        caller = private_id(principal)
        executor = self.executor

        async def complete(event: dict[str, Any]) -> dict[str, Any]:
            try:
                return await executor.execute_event(
                    subscription,
                    event,
                    shape,
                    variables=variables,
                    condition_values=coerced,
                    headers=subgraph_headers,
                    errors=_copy(before) if before else None,
                    private_id=caller,
                )
            except Exception:  # a bug must cost one event, never the server
                logger.exception("completing an event of %r failed", prepared.operation_name)
                return {
                    "data": None,
                    "errors": [request_error("Internal server error.", INTERNAL_SERVER_ERROR)],
                }

        stream = SubscriptionStream(
            executor.subscribe(subscription, variables, subgraph_headers),
            complete,
            on_closed=self._subscriptions.discard,
        )
        self._subscriptions.add(stream)
        return stream

    @property
    def live_subscriptions(self) -> int:
        return len(self._subscriptions)

    def end_subscriptions(self, message: str, code: str) -> None:
        """End every live subscription of this gateway with this error as its last event."""
        for stream in list(self._subscriptions):
            stream.end(message, code)

    async def _prepare_once(
        self,
        key: CacheKey,
        query: str,
        operation_name: str | None,
        labels: frozenset[str],
        permissions: Permissions | None,
    ) -> PreparedOperation:
        """Parse, validate and plan a new operation on a worker thread (a large operation must
        not stall the requests in flight on this event loop), once for every concurrent request
        of it: the others wait for the same result. A waiter's cancellation never cancels the
        work the others wait for."""
        task = self._preparing.get(key)
        if task is None:
            task = asyncio.ensure_future(
                asyncio.to_thread(
                    self._preparer.prepare, query, operation_name, labels, permissions
                )
            )
            self._preparing[key] = task

            def done(finished: asyncio.Task[PreparedOperation]) -> None:
                self._preparing.pop(key, None)
                if not finished.cancelled() and finished.exception() is None:
                    self._cache.put(key, finished.result())

            task.add_done_callback(done)
        return await asyncio.shield(task)

    async def _run(
        self,
        prepared: PreparedOperation,
        request: GraphQLRequest,
        coerced: dict[str, Any],
        subgraph_headers: Mapping[str, str] | None,
        principal: Principal,
    ) -> dict[str, Any]:
        introspection: dict[str, Any] | None = None
        errors: list[dict[str, Any]] = []
        if prepared.introspection_document is not None:
            introspection, errors = self._introspect(prepared, request.variables)
        if prepared.authorization_removals:
            errors = [*errors_for(prepared.authorization_removals, coerced), *errors]
        shape = prepared.shape_for(coerced)
        if prepared.plan is None:
            errors = list(errors)
            completion: list[dict[str, Any]] = []
            data = shape_response({}, shape, errors, introspection, completion=completion)
            return add_errors({"data": data}, errors, completion, self.options.value_completion)
        return await self.executor.execute(
            prepared.plan,
            shape,
            variables=prepared.forwarded_variables(request.variables or {}),
            condition_values=coerced,
            headers=subgraph_headers,
            introspection=introspection,
            errors=errors,
            private_id=private_id(principal),
        )

    def _incremental(
        self,
        prepared: PreparedOperation,
        request: GraphQLRequest,
        coerced: dict[str, Any],
        subgraph_headers: Mapping[str, str] | None,
        principal: Principal,
        include_plan: bool,
    ) -> dict[str, Any] | AsyncGenerator[dict[str, Any], None] | None:
        """The payloads of an operation with deferred fragments; None when none is deferred
        for these variables (one response then)."""
        key: tuple[bool, ...] = prepared.incremental_key(coerced)
        fixed: dict[str, bool] | None = None
        budget = self.planner.budget or PlanningBudget()
        if len(prepared.defer_variables) > budget.max_defer_conditions:
            # too many for a plan per value: plan the values this request has (absent defers)
            fixed = {name: bool(coerced.get(name, True)) for name in prepared.defer_variables}
            key = (*key, *fixed.values())
        cached = prepared.incremental.get(key)
        if cached is None:
            try:
                cached = build_incremental_tree(
                    prepared, self.supergraph, self.planner, self.executor.compile, coerced, fixed
                )
            except Exception as error:  # a planner bug must not take the server down
                logger.exception("planning deferred parts of %r failed", prepared.operation_name)
                return {
                    "errors": [
                        request_error(f"Query planning failed: {error}", QUERY_PLANNING_FAILED)
                    ]
                }
            prepared.incremental.put(key, cached)
        tree, deferred_plan = cached
        plan = choose(tree, coerced)
        if not plan.has_deferred:
            return None
        plan_text = print_deferred_plan(deferred_plan) if include_plan else None
        return self._payloads(
            prepared, plan, request, coerced, subgraph_headers, principal, plan_text
        )

    async def _payloads(
        self,
        prepared: PreparedOperation,
        plan: IncrementalPlan,
        request: GraphQLRequest,
        coerced: dict[str, Any],
        subgraph_headers: Mapping[str, str] | None,
        principal: Principal,
        plan_text: str | None,
    ) -> AsyncGenerator[dict[str, Any], None]:
        introspection: dict[str, Any] | None = None
        errors: list[dict[str, Any]] = []
        if prepared.introspection_document is not None:
            introspection, errors = self._introspect(prepared, request.variables)
        if prepared.authorization_removals:
            errors = [*errors_for(prepared.authorization_removals, coerced), *errors]
        delivered: list[dict[str, Any]] = []
        payloads = self.executor.execute_incremental(
            plan,
            variables=prepared.forwarded_variables(request.variables or {}),
            condition_values=coerced,
            headers=subgraph_headers,
            introspection=introspection,
            errors=errors,
            private_id=private_id(principal),
        )
        try:
            async for payload in payloads:
                if not delivered and plan_text is not None and self.options.expose_query_plan:
                    payload["extensions"] = {"queryPlan": {"text": plan_text}}
                delivered.append(payload)
                yield payload
        except Exception:  # a bug must cost the rest of this response, never the server
            logger.exception("executing operation %r failed", prepared.operation_name)
            failed = request_error("Internal server error.", INTERNAL_SERVER_ERROR)
            if not delivered:
                yield {"data": None, "errors": [failed], "hasNext": False}
            else:
                yield {"hasNext": False, "incremental": [{"errors": [failed], "path": []}]}
            return
        finally:
            await payloads.aclose()
        if self.guard is not None:
            self.guard.record(prepared, coerced, merge_incremental(delivered))

    def _introspect(
        self, prepared: PreparedOperation, variables: Mapping[str, Any] | None
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        assert prepared.introspection_document is not None
        static = prepared.static_introspection
        if static is None:
            result = run_introspection(
                self.supergraph.api_schema, prepared.introspection_document, variables
            )
            if prepared.variable_definitions:
                return result
            prepared.static_introspection = static = result
        return _copy(static[0]), _copy(static[1])

    async def aclose(self) -> None:
        self.end_subscriptions("The router is shutting down.", SUBSCRIPTION_SHUTDOWN)
        await self.executor.aclose()


def private_id(principal: Principal) -> str | None:
    """The entity cache's name for a verified caller (issuer and subject), None if anonymous."""
    if not principal.authenticated or principal.subject is None:
        return None
    issuer = principal.claims.get("iss")
    return f"{issuer if isinstance(issuer, str) else ''}\x00{principal.subject}"


def _copy(value: Any) -> Any:
    """A deep copy of cached JSON values: a caller (e.g. a response hook) may change its copy."""
    return orjson.loads(orjson.dumps(value))

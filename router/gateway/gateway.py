"""The gateway: a client operation in, a GraphQL response out."""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, cast

import orjson

from router.executor import Executor, FetcherOptions, shape_response
from router.gateway.errors import BAD_USER_INPUT, INTERNAL_SERVER_ERROR, request_error
from router.gateway.introspection import run_introspection
from router.gateway.lru import LRUCache
from router.gateway.options import GatewayOptions
from router.gateway.override_labels import OverrideLabels
from router.gateway.prepared import PreparedOperation
from router.gateway.preparer import OperationPreparer, Planner
from router.gateway.request import GraphQLRequest
from router.gateway.variables import coerce_variables
from router.planner.plan import QueryPlan
from router.supergraph.model import Supergraph

CacheKey = tuple[str, str | None, frozenset[str]]

logger = logging.getLogger(__name__)


def default_planner() -> tuple[Planner, Callable[[QueryPlan], str] | None]:
    planner_module = importlib.import_module("router.planner")
    plan_operation = cast(Planner, planner_module.plan_operation)
    print_plan = cast(
        "Callable[[QueryPlan], str] | None", getattr(planner_module, "print_plan", None)
    )
    return plan_operation, print_plan


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
        self.supergraph = supergraph
        # a copy: changing the caller's options later does not change a running gateway
        self.options = options = replace(options) if options is not None else GatewayOptions()
        if planner is None:
            planner, default_printer = default_planner()
            plan_printer = plan_printer or default_printer
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
            ),
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
        self.override_labels = OverrideLabels(supergraph)

    @property
    def cache(self) -> LRUCache[CacheKey, PreparedOperation]:
        return self._cache

    def prepare(
        self,
        query: str,
        operation_name: str | None,
        *,
        override_labels: frozenset[str] = frozenset(),
    ) -> PreparedOperation:
        """The prepared operation, from the cache when this exact one was seen before."""
        key = (query, operation_name or None, override_labels)
        prepared = self._cache.get(key)
        if prepared is None:
            prepared = self._preparer.prepare(query, operation_name or None, override_labels)
            self._cache.put(key, prepared)
        return prepared

    async def execute(
        self,
        request: GraphQLRequest,
        *,
        subgraph_headers: Mapping[str, str] | None = None,
        include_plan: bool = False,
        override_labels: frozenset[str] | None = None,
    ) -> dict[str, Any]:
        """The response for ``request``: ``data``, ``errors`` and ``extensions`` per the spec.

        A response without ``data`` is a request error (the operation did not run).
        """
        query = request.query
        if not query:
            return {"errors": [request_error("Must provide query string.", BAD_USER_INPUT)]}
        labels = self.override_labels.enabled(override_labels)
        key = (query, request.operation_name or None, labels)
        prepared = self._cache.get(key)
        if prepared is None:
            # Parsing, validation and planning of a new operation run on a worker thread, so a
            # large operation does not stall the requests already in flight on this event loop.
            prepared = await asyncio.to_thread(
                self._preparer.prepare, query, request.operation_name or None, labels
            )
            self._cache.put(key, prepared)
        if prepared.errors is not None:
            return {"errors": _copy(prepared.errors)}
        coerced = coerce_variables(self.supergraph.api_schema, prepared, request.variables)
        if isinstance(coerced, list):
            return {"errors": coerced}
        if self.guard is not None:
            refused = self.guard.check(prepared, coerced)
            if refused is not None:
                return {"errors": [refused]}
        try:
            response = await self._run(prepared, request, coerced, subgraph_headers)
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

    async def _run(
        self,
        prepared: PreparedOperation,
        request: GraphQLRequest,
        coerced: dict[str, Any],
        subgraph_headers: Mapping[str, str] | None,
    ) -> dict[str, Any]:
        introspection: dict[str, Any] | None = None
        errors: list[dict[str, Any]] = []
        if prepared.introspection_document is not None:
            introspection, errors = self._introspect(prepared, request.variables)
        shape = prepared.shape_for(coerced)
        if prepared.plan is None:
            errors = list(errors)
            data = shape_response({}, shape, errors, introspection)
            response: dict[str, Any] = {"data": data}
            if errors:
                response["errors"] = errors
            return response
        return await self.executor.execute(
            prepared.plan,
            shape,
            variables=prepared.forwarded_variables(request.variables or {}),
            condition_values=coerced,
            headers=subgraph_headers,
            introspection=introspection,
            errors=errors,
        )

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
        await self.executor.aclose()


def _copy(value: Any) -> Any:
    """A deep copy of cached JSON values: a caller (e.g. a response hook) may change its copy."""
    return orjson.loads(orjson.dumps(value))

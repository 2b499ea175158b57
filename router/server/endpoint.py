"""The GraphQL endpoint: GraphQL over HTTP around ``Gateway.execute``, and nothing more.

Order of the checks: GraphiQL for browsers, authentication (401: a token that does not verify;
no token is anonymous), HTTP hooks, content negotiation (406), CSRF (400), body size (413),
request shape (400/415), rate limit (429), readiness (503); then per operation:
persisted query, GET-only-for-queries (405), operation hooks, execution under the overall request
timeout (504), response hooks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager
from typing import Any

import orjson
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse

from router.auth.authenticate import INVALID_TOKEN_CHALLENGE, UNAUTHENTICATED
from router.auth.tokens import InvalidToken
from router.authorization import PolicyEvaluator
from router.gateway import GraphQLRequest
from router.gateway.subscription import SubscriptionStream
from router.server.apq import resolve_persisted_query
from router.server.csrf import check_csrf
from router.server.error_masking import SubgraphErrorMasking
from router.server.errors import RequestError
from router.server.fetch_observer import ClientCall, current_call
from router.server.hooks import HookChain, RequestContext
from router.server.http_request import ParsedRequest, parse_post_body, parse_query_params, read_body
from router.server.multipart import CONTENT_TYPE as MULTIPART_CONTENT_TYPE
from router.server.multipart import PayloadPump, accepts_multipart
from router.server.negotiation import (
    APPLICATION_JSON,
    GRAPHQL_RESPONSE_JSON,
    choose_response_type,
    prefers_html,
)
from router.server.operation_kind import operation_kind
from router.server.schema_holder import LoadedSchema
from router.server.services import RouterServices
from router.server.subscriptions.streaming import (
    StreamingKind,
    encoder,
    one,
    streaming_kind,
)
from router.server.subscriptions.streaming import (
    media_type as stream_media_type,
)

access_log = logging.getLogger("fedra.access")
logger = logging.getLogger("fedra.server")
TRUTHY = frozenset({"1", "true", "yes", "on"})


class GraphQLEndpoint:
    def __init__(self, services: RouterServices) -> None:
        self.services = services
        self._config = services.config
        self._masking = SubgraphErrorMasking(services.config.errors, services.config.development)

    async def handle(self, request: Request) -> Response:
        services = self.services
        started = time.perf_counter()
        services.metrics.in_flight.inc()
        context = RequestContext(request)
        operation_names: list[str | None] = []
        try:
            response = await self._respond(request, context, operation_names)
        finally:
            services.metrics.in_flight.dec()
        seconds = time.perf_counter() - started
        services.metrics.http_requests.labels(request.method, str(response.status_code)).inc()
        services.metrics.http_duration.labels(request.method).observe(seconds)
        access_log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.url.path,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 3),
                "client": request.client.host if request.client else None,
                "operations": operation_names,
                "trace_id": context.trace_id,
                "subject": context.principal.subject,  # the verified caller's `sub`, if any
            },
        )
        return response

    async def _respond(
        self, request: Request, context: RequestContext, operation_names: list[str | None]
    ) -> Response:
        config = self._config
        accept = request.headers.get("accept")
        if (
            request.method == "GET"
            and self.services.graphiql_html is not None
            and prefers_html(accept)
        ):
            return HTMLResponse(self.services.graphiql_html, headers=_VARY)
        media_type = choose_response_type(accept)
        incremental = accepts_multipart(accept)
        if media_type is None and incremental:
            media_type = APPLICATION_JSON  # what answers operations that defer nothing
        try:
            authenticator = self.services.authenticator
            if authenticator is not None:
                try:
                    context.principal = await authenticator.authenticate(request.headers)
                except InvalidToken as error:
                    raise RequestError(
                        401,
                        f"Invalid token: {error}",
                        UNAUTHENTICATED,
                        headers={"www-authenticate": INVALID_TOKEN_CHALLENGE},
                    ) from None
            hooked = await self.services.hooks.http_request(context)
            if hooked is not None:
                return hooked
            streaming = self._streaming_kind(accept)
            if streaming is not None:
                media_type = APPLICATION_JSON  # of the errors refusing the stream, if any
                return await self._open_stream(request, context, streaming, operation_names)
            if media_type is None:
                raise RequestError(
                    406,
                    "Not acceptable: accept application/graphql-response+json or application/json",
                    "NOT_ACCEPTABLE",
                )
            if config.csrf.enabled:
                check_csrf(request.headers, config.csrf.required_headers)
            parsed = await self._parse(request)
            operation_names.extend(op.operation_name for op in parsed.operations)
            await self._admit(request, context, parsed)
            return await self._execute(request, context, parsed, media_type, incremental)
        except RequestError as error:
            self.services.metrics.count_errors(error.to_response_body()["errors"])
            return _error_response(error, media_type or APPLICATION_JSON)
        except Exception:
            logger.exception("unexpected error while serving a GraphQL request")
            internal = RequestError(500, "Internal server error", "INTERNAL_SERVER_ERROR")
            self.services.metrics.count_errors(internal.to_response_body()["errors"])
            return _error_response(internal, media_type or APPLICATION_JSON)

    async def _admit(
        self, request: Request, context: RequestContext, parsed: ParsedRequest
    ) -> None:
        """Authentication required (401) and the rate limit (429)."""
        authorization = self._config.authorization
        if (
            authorization.enabled
            and authorization.require_authentication
            and not context.principal.authenticated
        ):
            raise RequestError(
                401,
                "The request is not authenticated: send a valid bearer token",
                "UNAUTHENTICATED",
                headers={"www-authenticate": "Bearer"},
            )
        if self.services.rate_limiter is not None:
            limiter = self.services.rate_limiter
            client_host = request.client.host if request.client else None
            context.client_key = limiter.key_for(request.headers, client_host, context.principal)
            try:
                await limiter.check(context.client_key, cost=len(parsed.operations))
            except RequestError:
                self.services.metrics.rate_limited.inc()
                raise

    def _streaming_kind(self, accept: str | None) -> StreamingKind | None:
        subscriptions = self._config.subscriptions
        if not subscriptions.enabled:
            return None
        return streaming_kind(accept, sse=subscriptions.sse, multipart=subscriptions.multipart)

    async def _open_stream(
        self,
        request: Request,
        context: RequestContext,
        kind: StreamingKind,
        operation_names: list[str | None],
    ) -> Response:
        """A subscription (or a one-shot query or mutation) over SSE or multipart HTTP."""
        services = self.services
        if self._config.csrf.enabled:
            check_csrf(request.headers, self._config.csrf.required_headers)
        parsed = await self._parse(request)
        if parsed.is_batch:
            raise RequestError(400, "A batch cannot be streamed: send one operation", "BAD_REQUEST")
        operation = parsed.operations[0]
        operation_names.append(operation.operation_name)
        if request.method == "GET" and operation.query is not None:
            kind_of = operation_kind(operation.query, operation.operation_name)
            if kind_of == "mutation":
                raise RequestError(
                    405,
                    "Mutations cannot be sent with GET; send this mutation with POST",
                    "METHOD_NOT_ALLOWED",
                    headers={"allow": "POST"},
                )
        await self._admit(request, context, parsed)
        loaded = services.holder.current
        if loaded is None:
            raise RequestError(503, "The router has no supergraph loaded yet", "NOT_READY")
        limiter = services.subscription_connections
        client = request.client.host if request.client else "unknown"
        if limiter is not None and not limiter.acquire(client):
            limit = limiter.max_per_client
            raise RequestError(
                429,
                f"Too many subscription connections from this client (at most {limit})",
                "SUBSCRIPTION_LIMIT",
            )
        try:
            call = ClientCall(
                context,
                request.headers,
                services.propagation,
                principal=context.principal,
                identity=services.identity,
            )
            token = current_call.set(call)
            try:
                if services.hooks.has("on_operation"):
                    operation = await services.hooks.operation(context, operation)
                result = await loaded.gateway.subscribe(
                    operation,
                    principal=context.principal,
                    policies=self._policy_evaluator(context),
                )
                if isinstance(result, SubscriptionStream):
                    result.start()
            finally:
                current_call.reset(token)
        except BaseException:
            if limiter is not None:
                limiter.release(client)
            raise
        masking = self._masking
        trace_id = context.trace_id
        heartbeat = self._config.subscriptions.keepalive_seconds

        metrics = services.metrics

        async def masked() -> AsyncIterator[dict[str, Any]]:
            responses = result if isinstance(result, SubscriptionStream) else one(result)
            async for response in responses:
                metrics.subscription_events.labels(kind).inc()
                yield masking.apply(response, trace_id)

        async def body() -> AsyncIterator[bytes]:
            metrics.subscriptions_active.labels(kind).inc()
            try:
                async for chunk in encoder(kind)(masked(), heartbeat):
                    yield chunk
            finally:
                metrics.subscriptions_active.labels(kind).dec()
                if isinstance(result, SubscriptionStream):
                    await result.aclose()
                if limiter is not None:
                    limiter.release(client)

        return StreamingResponse(
            body(),
            media_type=stream_media_type(kind),
            headers={"cache-control": "no-cache", "x-accel-buffering": "no", **_VARY},
        )

    async def _parse(self, request: Request) -> ParsedRequest:
        if request.method == "GET":
            return parse_query_params(request.query_params)
        body = await read_body(request, self._config.limits.max_body_bytes)
        return parse_post_body(body, request.headers.get("content-type"), self._config.batching)

    async def _execute(
        self,
        request: Request,
        context: RequestContext,
        parsed: ParsedRequest,
        media_type: str,
        incremental: bool = False,
    ) -> Response:
        services = self.services
        with self._request_span(request, context) as span:
            async with services.holder.use() as loaded:
                if loaded is None:
                    raise RequestError(503, "The router has no supergraph loaded yet", "NOT_READY")
                call = ClientCall(
                    context,
                    request.headers,
                    services.propagation,
                    principal=context.principal,
                    identity=services.identity,
                )
                if span is None and services.tracing.enabled:
                    context.trace_id, call.trace_headers = services.tracing.caller_trace(
                        request.headers
                    )
                token = current_call.set(call)
                incremental = incremental and not parsed.is_batch
                try:
                    async with asyncio.timeout(self._config.limits.request_timeout):
                        results = [
                            await self._run_operation(
                                request, context, loaded, operation, parsed, incremental
                            )
                            for operation in parsed.operations
                        ]
                    streamed = results[0]
                    if not isinstance(streamed, dict):
                        # started here: the payloads run with this request's context
                        pump = self._pump(streamed, context, services.holder.keep(loaded))
                except TimeoutError:
                    if span is not None:
                        span.set_status(Status(StatusCode.ERROR, "request timeout"))
                    raise RequestError(
                        504,
                        "The request exceeded the request_timeout limit "
                        f"({self._config.limits.request_timeout:g}s)",
                        "REQUEST_TIMEOUT",
                    ) from None
                finally:
                    current_call.reset(token)
            if not isinstance(streamed, dict):
                services.metrics.operations.inc()
                return StreamingResponse(
                    pump.body(), media_type=MULTIPART_CONTENT_TYPE, headers=_VARY
                )
            replies = [result for result in results if isinstance(result, dict)]
            for result in replies:
                services.metrics.operations.inc()
                services.metrics.count_response(result)
            if parsed.is_batch:
                return _json_response(replies, 200, media_type)
            status = _status_for(replies[0], media_type)
            if status >= 400 and span is not None:
                span.set_status(Status(StatusCode.ERROR))
            return _json_response(replies[0], status, media_type)

    def _pump(
        self,
        payloads: AsyncGenerator[dict[str, Any], None],
        context: RequestContext,
        keep: AbstractAsyncContextManager[Any],
    ) -> PayloadPump:
        """The task streaming an incremental response (every payload through the
        ``on_response`` hooks, errors masked in every payload)."""
        limit = self._config.limits.request_timeout
        metrics = self.services.metrics
        if self.services.hooks.has("on_response"):
            payloads = _hooked(payloads, self.services.hooks, context)

        def transform(payload: dict[str, Any]) -> dict[str, Any]:
            self._masking.apply(payload, context.trace_id)
            metrics.count_response(payload)
            for item in payload.get("incremental") or ():
                self._masking.apply(item, context.trace_id)
                metrics.count_response(item)
            return payload

        def timeout_error() -> dict[str, Any]:
            error = RequestError(
                504,
                f"The request exceeded the request_timeout limit ({limit:g}s)",
                "REQUEST_TIMEOUT",
            )
            first: dict[str, Any] = error.to_response_body()["errors"][0]
            return first

        return PayloadPump(
            payloads, timeout=limit, timeout_error=timeout_error, transform=transform, keep=keep
        )

    @contextlib.contextmanager
    def _request_span(self, request: Request, context: RequestContext) -> Iterator[Span | None]:
        """The request's server span, current while it runs; None when no span is recorded."""
        tracing = self.services.tracing
        if not tracing.recording:
            yield None
            return
        parent = tracing.extract(request.headers)
        with tracing.tracer.start_as_current_span(
            "graphql.request",
            context=parent,
            kind=SpanKind.SERVER,
            attributes={"http.request.method": request.method, "url.path": request.url.path},
        ) as span:
            context.trace_id = format(span.get_span_context().trace_id, "032x")
            yield span

    async def _run_operation(
        self,
        request: Request,
        context: RequestContext,
        loaded: LoadedSchema,
        operation: GraphQLRequest,
        parsed: ParsedRequest,
        incremental: bool = False,
    ) -> dict[str, Any] | AsyncGenerator[dict[str, Any], None]:
        services = self.services
        try:
            query = await resolve_persisted_query(
                services.apq_store, operation.query, operation.extensions
            )
            if request.method == "GET" and query is not None:
                kind = operation_kind(query, operation.operation_name)
                if kind is not None and kind != "query":
                    raise RequestError(
                        405,
                        f"Only queries can be sent with GET; send this {kind} with POST",
                        "METHOD_NOT_ALLOWED",
                        headers={"allow": "POST"},
                    )
        except RequestError as error:
            if parsed.is_batch:
                return error.to_response_body()
            raise
        if query is not operation.query:
            operation = GraphQLRequest(
                query=query,
                operation_name=operation.operation_name,
                variables=operation.variables,
                extensions=operation.extensions,
            )
        if services.hooks.has("on_operation"):
            operation = await services.hooks.operation(context, operation)
        if incremental:
            answer = await loaded.gateway.execute_incremental(
                operation,
                include_plan=self._plan_requested(request),
                principal=context.principal,
                policies=self._policy_evaluator(context),
            )
            if not isinstance(answer, dict):
                return answer  # payloads: masked as they are sent (``_pump``)
            result = answer
        else:
            result = await loaded.gateway.execute(
                operation,
                include_plan=self._plan_requested(request),
                principal=context.principal,
                policies=self._policy_evaluator(context),
            )
        if services.hooks.has("on_response"):
            result = await services.hooks.response(context, result)
        return self._masking.apply(result, context.trace_id)

    def _policy_evaluator(self, context: RequestContext) -> PolicyEvaluator | None:
        """The ``on_policies`` hooks for this request's caller, if any hook has the stage."""
        hooks = self.services.hooks
        if not hooks.has("on_policies"):
            return None

        async def evaluate(policies: frozenset[str]) -> frozenset[str]:
            return await hooks.policies(context, context.principal, policies)

        return evaluate

    def _plan_requested(self, request: Request) -> bool:
        plan = self._config.query_plan
        if not plan.enabled:
            return False
        return request.headers.get(plan.header, "").strip().lower() in TRUTHY


async def _hooked(
    payloads: AsyncGenerator[dict[str, Any], None], hooks: HookChain, context: RequestContext
) -> AsyncGenerator[dict[str, Any], None]:
    """``payloads``, each as the ``on_response`` hooks return it."""
    try:
        async for payload in payloads:
            yield await hooks.response(context, payload)
    finally:
        await payloads.aclose()


def _status_for(result: dict[str, Any], media_type: str) -> int:
    """GraphQL over HTTP: with application/graphql-response+json, a response without ``data``
    (a request error: syntax, validation, variables) is a 400; application/json stays 200."""
    if media_type == GRAPHQL_RESPONSE_JSON and "data" not in result:
        return 400
    return 200


# The answer depends on Accept (GraphiQL or JSON, and which JSON type): caches must know.
_VARY = {"vary": "accept"}


def _json_response(body: object, status: int, media_type: str) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type=media_type, headers=_VARY)


def _error_response(error: RequestError, media_type: str) -> Response:
    return Response(
        orjson.dumps(error.to_response_body()),
        status_code=error.status,
        media_type=media_type,
        headers={**_VARY, **error.headers},
    )

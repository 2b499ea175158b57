"""The router's duties around every subgraph fetch: headers, hooks, tracing and metrics.

The endpoint sets the current client request (``current_call``) around ``Gateway.execute``;
asyncio copies it into every task the executor starts. For each fetch, ``ServerFetchObserver``:

- sets the headers the propagation rules give this subgraph and the verified caller's identity
  headers (``router.auth.forwarding``), then runs the subgraph-request hooks;
- when spans are recorded, opens a client span and writes its W3C ``traceparent`` into the
  request; otherwise forwards the caller's own trace context, if it sent one;
- records the fetch latency and failures in the metrics, and calls the subgraph-response hooks.

The executor calls it for the subgraphs it reaches over its own connection pools
(``GatewayOptions.fetch_observer``); ``SubgraphTransport`` calls it for in-process subgraphs.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import cast

from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from router.auth.forwarding import IdentityForwarding, PrincipalHeaders
from router.auth.principal import ANONYMOUS, Principal
from router.server.header_rules import HeaderPropagation
from router.server.hooks import HookChain, RequestContext
from router.server.metrics import RouterMetrics
from router.server.tracing import RouterTracing


@dataclass(slots=True)
class ClientCall:
    """The client request the current subgraph fetches belong to."""

    context: RequestContext
    incoming_headers: Mapping[str, str]
    propagation: HeaderPropagation
    # The caller's trace context, forwarded as is when the router records no spans.
    trace_headers: Mapping[str, str] = field(default_factory=dict)
    principal: Principal = ANONYMOUS
    identity: IdentityForwarding | None = None
    _by_subgraph: dict[str, dict[str, str]] = field(default_factory=dict)
    _identity_headers: PrincipalHeaders | None = None

    def headers_for(self, subgraph: str) -> dict[str, str]:
        headers = self._by_subgraph.get(subgraph)
        if headers is None:
            headers = self.propagation.for_subgraph(subgraph, self.incoming_headers)
            if self.identity is not None and self.principal.authenticated:
                if self._identity_headers is None:
                    self._identity_headers = self.identity.for_principal(self.principal)
                headers.update(self._identity_headers.for_subgraph(subgraph))
            self._by_subgraph[subgraph] = headers
        return headers


current_call: ContextVar[ClientCall | None] = ContextVar("fedra_client_call", default=None)


@dataclass(slots=True)
class ServerFetchObserver:
    """A ``router.executor.FetchObserver``: the token it hands back is the client span."""

    metrics: RouterMetrics | None
    tracing: RouterTracing | None
    hooks: HookChain

    async def before_fetch(self, service: str, url: str, headers: dict[str, str]) -> Span | None:
        call = current_call.get()
        if call is not None:
            propagated = dict(call.headers_for(service))
            if self.hooks.has("on_subgraph_request"):
                await self.hooks.subgraph_request(call.context, service, propagated)
            headers.update(propagated)
        tracing = self.tracing
        if tracing is None or not tracing.enabled:
            return None
        if not tracing.recording:
            if call is not None:
                headers.update(call.trace_headers)
            return None
        span = tracing.tracer.start_span(
            f"subgraph {service}",
            kind=SpanKind.CLIENT,
            attributes={"fedra.subgraph": service, "url.full": url},
        )
        tracing.inject_span(headers, span)
        return span

    async def after_fetch(
        self, service: str, token: object, status: int | None, seconds: float
    ) -> None:
        if token is not None:
            span = cast(Span, token)
            if status is not None:
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))
            span.end()
        if self.metrics is not None:
            self.metrics.observe_subgraph_fetch(service, seconds, status is None or status >= 400)
        call = current_call.get()
        if call is not None and self.hooks.has("on_subgraph_response"):
            await self.hooks.subgraph_response(call.context, service, status, seconds)

"""The HTTP transport under every subgraph client: headers, tracing, metrics and hooks per fetch.

The gateway's fetcher sends each subgraph request through a ``SubgraphTransport``. The transport
reads the current client request from a context variable (set by the endpoint around
``Gateway.execute``; asyncio copies it into every task the executor starts), then:

- sets the headers the propagation rules give this subgraph, after the subgraph-request hooks;
- opens a client span and writes its W3C ``traceparent`` into the request;
- records the fetch latency and failures in the metrics, and calls the subgraph-response hooks.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field

import httpx
from opentelemetry.trace import SpanKind, Status, StatusCode

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
    _by_subgraph: dict[str, dict[str, str]] = field(default_factory=dict)

    def headers_for(self, subgraph: str) -> dict[str, str]:
        headers = self._by_subgraph.get(subgraph)
        if headers is None:
            headers = self.propagation.for_subgraph(subgraph, self.incoming_headers)
            self._by_subgraph[subgraph] = headers
        return headers


current_call: ContextVar[ClientCall | None] = ContextVar("fedra_client_call", default=None)


@dataclass(slots=True)
class FetchObservers:
    metrics: RouterMetrics | None
    tracing: RouterTracing | None
    hooks: HookChain


class SubgraphTransport(httpx.AsyncBaseTransport):
    def __init__(
        self, subgraph: str, inner: httpx.AsyncBaseTransport, observers: FetchObservers
    ) -> None:
        self.subgraph = subgraph
        self._inner = inner
        self._observers = observers

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        observers = self._observers
        call = current_call.get()
        if call is not None:
            headers = dict(call.headers_for(self.subgraph))
            if observers.hooks.has("on_subgraph_request"):
                await observers.hooks.subgraph_request(call.context, self.subgraph, headers)
            for name, value in headers.items():
                request.headers[name] = value
        started = time.perf_counter()
        status: int | None = None
        tracing = observers.tracing
        try:
            if tracing is not None and tracing.enabled:
                with tracing.tracer.start_as_current_span(
                    f"subgraph {self.subgraph}",
                    kind=SpanKind.CLIENT,
                    attributes={"fedra.subgraph": self.subgraph, "url.full": str(request.url)},
                ) as span:
                    carrier: dict[str, str] = {}
                    tracing.inject(carrier)
                    for name, value in carrier.items():
                        request.headers[name] = value
                    response = await self._inner.handle_async_request(request)
                    span.set_attribute("http.response.status_code", response.status_code)
                    if response.status_code >= 500:
                        span.set_status(Status(StatusCode.ERROR))
            else:
                response = await self._inner.handle_async_request(request)
            status = response.status_code
            return response
        finally:
            seconds = time.perf_counter() - started
            if observers.metrics is not None:
                observers.metrics.observe_subgraph_fetch(
                    self.subgraph, seconds, status is None or status >= 400
                )
            if call is not None and observers.hooks.has("on_subgraph_response"):
                await observers.hooks.subgraph_response(
                    call.context, self.subgraph, status, seconds
                )

    async def aclose(self) -> None:
        await self._inner.aclose()


def subgraph_transports(
    subgraphs: list[str],
    observers: FetchObservers,
    *,
    max_connections: int,
    inner: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> dict[str, httpx.AsyncBaseTransport]:
    """One transport per subgraph; ``inner`` replaces the network (in-process subgraph apps)."""
    transports: dict[str, httpx.AsyncBaseTransport] = {}
    for name in subgraphs:
        base = (inner or {}).get(name) or httpx.AsyncHTTPTransport(
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            )
        )
        transports[name] = SubgraphTransport(name, base, observers)
    return transports

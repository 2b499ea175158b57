"""An ``httpx`` transport that gives in-process subgraphs the router's per-fetch duties.

Subgraphs reached over the network go through the executor's own pools, which call the
``ServerFetchObserver`` themselves. A subgraph given as an ``httpx`` transport (an in-process
app) is wrapped in a ``SubgraphTransport`` that calls the same observer around each request, so
both paths set the same headers, run the same hooks, and record the same spans and metrics.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import httpx

from router.server.fetch_observer import ServerFetchObserver


class SubgraphTransport(httpx.AsyncBaseTransport):
    def __init__(
        self, subgraph: str, inner: httpx.AsyncBaseTransport, observer: ServerFetchObserver
    ) -> None:
        self.subgraph = subgraph
        self._inner = inner
        self._observer = observer

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        observer = self._observer
        headers: dict[str, str] = {}
        token = await observer.before_fetch(self.subgraph, str(request.url), headers)
        for name, value in headers.items():
            request.headers[name] = value
        started = time.perf_counter()
        status: int | None = None
        try:
            response = await self._inner.handle_async_request(request)
            status = response.status_code
            return response
        finally:
            await observer.after_fetch(self.subgraph, token, status, time.perf_counter() - started)

    async def aclose(self) -> None:
        await self._inner.aclose()


def in_process_transports(
    inner: Mapping[str, httpx.AsyncBaseTransport], observer: ServerFetchObserver
) -> dict[str, httpx.AsyncBaseTransport]:
    """Each in-process subgraph's transport, wrapped to run the router's per-fetch duties."""
    return {name: SubgraphTransport(name, base, observer) for name, base in inner.items()}

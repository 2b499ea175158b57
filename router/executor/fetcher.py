"""HTTP transport to the subgraphs: one pooled keep-alive ``httpx.AsyncClient`` per subgraph."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from router.executor.errors import (
    SUBREQUEST_HTTP_ERROR,
    SUBREQUEST_MALFORMED_RESPONSE,
    SUBREQUEST_TIMEOUT,
    GraphQLErrorDict,
    fetch_failure,
)

BASE_HEADERS = {
    "content-type": "application/json",
    "accept": "application/graphql-response+json, application/json",
}


@dataclass(slots=True)
class FetcherOptions:
    urls: dict[str, str]  # subgraph name -> URL
    timeout: float = 30.0  # seconds per fetch
    timeouts: dict[str, float] = field(default_factory=dict)  # per subgraph name
    max_connections: int = 100  # per subgraph
    max_keepalive_connections: int | None = None  # None: max_connections
    keepalive_expiry: float = 30.0
    # In-process subgraphs (e.g. httpx.ASGITransport) by subgraph name.
    transports: dict[str, httpx.AsyncBaseTransport] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A subgraph answer: its GraphQL response object, or the failure of the request."""

    response: dict[str, Any] | None
    failure: GraphQLErrorDict | None = None


class SubgraphFetcher:
    """Sends pre-encoded GraphQL request bodies to subgraphs and decodes their answers."""

    def __init__(self, options: FetcherOptions) -> None:
        self._options = options
        self._clients: dict[str, httpx.AsyncClient] = {}

    def _client(self, service: str) -> httpx.AsyncClient:
        client = self._clients.get(service)
        if client is None:
            options = self._options
            keepalive = options.max_keepalive_connections
            client = httpx.AsyncClient(
                transport=options.transports.get(service),
                limits=httpx.Limits(
                    max_connections=options.max_connections,
                    max_keepalive_connections=(
                        options.max_connections if keepalive is None else keepalive
                    ),
                    keepalive_expiry=options.keepalive_expiry,
                ),
                timeout=httpx.Timeout(self.timeout_of(service)),
                headers=BASE_HEADERS,
            )
            self._clients[service] = client
        return client

    def timeout_of(self, service: str) -> float:
        return self._options.timeouts.get(service, self._options.timeout)

    def url_of(self, service: str) -> str:
        return self._options.urls[service]

    async def fetch(
        self, service: str, body: bytes, headers: Mapping[str, str] | None = None
    ) -> FetchResult:
        timeout = self.timeout_of(service)
        try:
            url = self.url_of(service)
        except KeyError:
            return FetchResult(
                None,
                fetch_failure(service, f"Unknown subgraph '{service}'", SUBREQUEST_HTTP_ERROR),
            )
        try:
            async with asyncio.timeout(timeout):
                response = await self._client(service).post(url, content=body, headers=headers)
                content = await response.aread()
        except (TimeoutError, httpx.TimeoutException):
            return FetchResult(
                None,
                fetch_failure(
                    service,
                    f"Request to subgraph '{service}' timed out after {timeout:g}s",
                    SUBREQUEST_TIMEOUT,
                ),
            )
        except httpx.HTTPError as error:
            reason = str(error) or type(error).__name__
            if isinstance(error, httpx.ConnectError):
                reason = f"cannot connect to {url}: {reason}"
            return FetchResult(
                None,
                fetch_failure(
                    service,
                    f"HTTP fetch failed from '{service}': {reason}",
                    SUBREQUEST_HTTP_ERROR,
                ),
            )
        return decode_response(service, response.status_code, response.reason_phrase, content)

    async def aclose(self) -> None:
        clients = list(self._clients.values())
        self._clients.clear()
        for client in clients:
            await client.aclose()


def decode_response(service: str, status: int, reason: str, content: bytes) -> FetchResult:
    """A subgraph's HTTP answer as a GraphQL response, or the reason it is not one."""
    try:
        payload = orjson.loads(content)
    except orjson.JSONDecodeError:
        payload = None
    is_graphql = isinstance(payload, dict) and ("data" in payload or "errors" in payload)
    if is_graphql:
        assert isinstance(payload, dict)
        return FetchResult(payload)
    if not 200 <= status < 300:
        return FetchResult(
            None,
            fetch_failure(
                service,
                f"HTTP fetch failed from '{service}': {status} {reason}".rstrip(),
                SUBREQUEST_HTTP_ERROR,
                http={"status": status},
            ),
        )
    return FetchResult(
        None,
        fetch_failure(
            service,
            f"Invalid GraphQL response from '{service}': "
            + ("invalid JSON" if payload is None else "no data or errors"),
            SUBREQUEST_MALFORMED_RESPONSE,
        ),
    )

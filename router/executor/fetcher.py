"""HTTP transport to the subgraphs: one pooled keep-alive connection pool per subgraph.

A subgraph reached over the network gets the executor's own HTTP/1.1 pool
(``router.executor.http_pool``; a ``FetchObserver`` may add headers and time each fetch). A
subgraph given an ``httpx`` transport (an in-process ASGI app, or a transport that wraps the
network with its own behaviour) is sent its requests through that transport, called directly
with the request an ``httpx`` client would build; a subgraph whose URL goes through a proxy
from the environment (``HTTP_PROXY`` …) or carries credentials goes through an
``httpx.AsyncClient``.
"""

from __future__ import annotations

import asyncio
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
import orjson

from router.executor.errors import (
    SUBREQUEST_HTTP_ERROR,
    SUBREQUEST_MALFORMED_RESPONSE,
    SUBREQUEST_TIMEOUT,
    GraphQLErrorDict,
    fetch_failure,
)
from router.executor.http_connection import ConnectionClosed
from router.executor.http_pool import ConnectionPool, InvalidHeader
from router.executor.http_response import HTTPResponseError

BASE_HEADERS = {
    "content-type": "application/json",
    "accept": "application/graphql-response+json, application/json",
}


class FetchObserver(Protocol):
    """Sees every network fetch of the executor's own pools: may add headers, times it.

    ``before_fetch`` may change ``headers`` (sent to the subgraph) and returns a token handed
    back to ``after_fetch`` (e.g. a tracing span). ``status`` is None when no response came.
    """

    async def before_fetch(self, service: str, url: str, headers: dict[str, str]) -> object: ...

    async def after_fetch(
        self, service: str, token: object, status: int | None, seconds: float
    ) -> None: ...


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
    # Sees the fetches of subgraphs without a transport of their own (see FetchObserver).
    observer: FetchObserver | None = None


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A subgraph answer: its GraphQL response object, or the failure of the request."""

    response: dict[str, Any] | None
    failure: GraphQLErrorDict | None = None
    status: int | None = None  # the HTTP status, when an HTTP response came
    cache_control: str | None = None  # the answer's Cache-Control header, if any


class SubgraphFetcher:
    """Sends pre-encoded GraphQL request bodies to subgraphs and decodes their answers."""

    def __init__(self, options: FetcherOptions) -> None:
        self._options = options
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._pools: dict[str, ConnectionPool] = {}
        # an httpx client's default headers, then ours
        self._transport_headers = httpx.Headers(
            {
                "accept-encoding": "gzip, deflate",
                "connection": "keep-alive",
                "user-agent": f"python-httpx/{httpx.__version__}",
                **BASE_HEADERS,
            }
        )

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

    def _pool(self, service: str, url: str) -> ConnectionPool | None:
        """The executor's own pool for ``service``; None when httpx must carry its requests."""
        pool = self._pools.get(service)
        if pool is None:
            if service in self._options.transports or service in self._clients:
                return None
            if _proxied(url):
                return None
            options = self._options
            pool = ConnectionPool(
                url,
                BASE_HEADERS,
                max_connections=options.max_connections,
                max_idle=options.max_keepalive_connections,
                keepalive_expiry=options.keepalive_expiry,
            )
            self._pools[service] = pool
        return pool

    def timeout_of(self, service: str) -> float:
        return self._options.timeouts.get(service, self._options.timeout)

    def url_of(self, service: str) -> str:
        return self._options.urls[service]

    async def fetch(
        self, service: str, body: bytes, headers: Mapping[str, str] | None = None
    ) -> FetchResult:
        try:
            url = self.url_of(service)
        except KeyError:
            return FetchResult(
                None,
                fetch_failure(service, f"Unknown subgraph '{service}'", SUBREQUEST_HTTP_ERROR),
            )
        try:
            pool = self._pool(service, url)
        except ValueError:
            pool = None  # not a URL this pool sends to (another scheme, credentials): httpx
        if pool is None:
            return await self._fetch_with_httpx(service, url, body, headers)
        observer = self._options.observer
        if observer is None:
            return await self._fetch_with_pool(service, pool, body, headers)
        sent = dict(headers) if headers else {}
        started = time.perf_counter()
        token = await observer.before_fetch(service, url, sent)
        status: int | None = None
        try:
            result = await self._fetch_with_pool(service, pool, body, sent)
            status = result.status
            return result
        finally:
            await observer.after_fetch(service, token, status, time.perf_counter() - started)

    async def _fetch_with_pool(
        self,
        service: str,
        pool: ConnectionPool,
        body: bytes,
        headers: Mapping[str, str] | None,
    ) -> FetchResult:
        timeout = self.timeout_of(service)
        try:
            async with asyncio.timeout(timeout):
                response = await pool.post(body, headers)
        except TimeoutError:
            return _timed_out(service, timeout)
        except InvalidHeader as error:
            return _http_failure(service, f"invalid request: {error}")
        except (ConnectionClosed, HTTPResponseError) as error:
            return _http_failure(service, str(error) or type(error).__name__)
        except OSError as error:
            reason = str(error) or type(error).__name__
            return _http_failure(service, f"cannot connect to {pool.url}: {reason}")
        return decode_response(
            service,
            response.status,
            response.reason,
            response.body,
            cache_control=response.cache_control,
        )

    async def _fetch_with_httpx(
        self, service: str, url: str, body: bytes, headers: Mapping[str, str] | None
    ) -> FetchResult:
        timeout = self.timeout_of(service)
        transport = self._options.transports.get(service)
        try:
            async with asyncio.timeout(timeout):
                if transport is None:  # through a proxy: the client applies the environment
                    response = await self._client(service).post(url, content=body, headers=headers)
                    content = await response.aread()
                else:  # straight to the transport: no client-level work per request
                    response = await transport.handle_async_request(
                        self._request(url, body, headers, timeout)
                    )
                    try:
                        content = await response.aread()
                    finally:
                        await response.aclose()
        except (TimeoutError, httpx.TimeoutException):
            return _timed_out(service, timeout)
        except httpx.HTTPError as error:
            reason = str(error) or type(error).__name__
            if isinstance(error, httpx.ConnectError):
                reason = f"cannot connect to {url}: {reason}"
            return _http_failure(service, reason)
        return decode_response(
            service,
            response.status_code,
            response.reason_phrase,
            content,
            cache_control=response.headers.get("cache-control"),
        )

    def _request(
        self, url: str, body: bytes, headers: Mapping[str, str] | None, timeout: float
    ) -> httpx.Request:
        """The request an ``httpx.AsyncClient`` would send, headers and timeouts included."""
        sent = self._transport_headers
        if headers:
            sent = httpx.Headers(sent)
            sent.update(headers)
        return httpx.Request(
            "POST",
            url,
            headers=sent,
            content=body,
            extensions={
                "timeout": {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}
            },
        )

    async def aclose(self) -> None:
        pools = list(self._pools.values())
        self._pools.clear()
        for pool in pools:
            pool.close()
        clients = list(self._clients.values())
        self._clients.clear()
        for client in clients:
            await client.aclose()


def _proxied(url: str) -> bool:
    """Whether the environment's proxy settings apply to ``url`` (as they do for httpx)."""
    proxies = urllib.request.getproxies()
    if not proxies:
        return False
    parts = urlsplit(url)
    if parts.scheme not in proxies and "all" not in proxies:
        return False
    return not urllib.request.proxy_bypass(parts.hostname or "")


def _timed_out(service: str, timeout: float) -> FetchResult:
    return FetchResult(
        None,
        fetch_failure(
            service,
            f"Request to subgraph '{service}' timed out after {timeout:g}s",
            SUBREQUEST_TIMEOUT,
        ),
    )


def _http_failure(service: str, reason: str) -> FetchResult:
    return FetchResult(
        None,
        fetch_failure(
            service, f"HTTP fetch failed from '{service}': {reason}", SUBREQUEST_HTTP_ERROR
        ),
    )


def decode_response(
    service: str, status: int, reason: str, content: bytes, *, cache_control: str | None = None
) -> FetchResult:
    """A subgraph's HTTP answer as a GraphQL response, or the reason it is not one."""
    try:
        payload = orjson.loads(content)
    except orjson.JSONDecodeError:
        payload = None
    is_graphql = isinstance(payload, dict) and ("data" in payload or "errors" in payload)
    if is_graphql:
        assert isinstance(payload, dict)
        return FetchResult(payload, status=status, cache_control=cache_control)
    if not 200 <= status < 300:
        return FetchResult(
            None,
            fetch_failure(
                service,
                f"HTTP fetch failed from '{service}': {status} {reason}".rstrip(),
                SUBREQUEST_HTTP_ERROR,
                http={"status": status},
            ),
            status,
        )
    return FetchResult(
        None,
        fetch_failure(
            service,
            f"Invalid GraphQL response from '{service}': "
            + ("invalid JSON" if payload is None else "no data or errors"),
            SUBREQUEST_MALFORMED_RESPONSE,
        ),
        status,
    )

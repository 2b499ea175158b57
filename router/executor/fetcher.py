"""HTTP transport to the subgraphs: one pooled keep-alive connection pool per subgraph.

A subgraph reached over the network gets the executor's own HTTP/1.1 pool
(``router.executor.http_pool``; a ``FetchObserver`` may add headers and time each fetch). A
subgraph given an ``httpx`` transport (an in-process ASGI app, or a transport that wraps the
network with its own behaviour) is sent its requests through that transport, called directly
with the request an ``httpx`` client would build; a subgraph whose URL goes through a proxy
from the environment (``HTTP_PROXY`` …) or carries credentials goes through an
``httpx.AsyncClient``.

Traffic shaping (``router.executor.traffic``), per subgraph: response size limits on the
executor's own pools; a circuit breaker that fails fetches fast while the subgraph keeps
failing; retries of failed queries within a retry budget (never of mutations); and in-flight
deduplication, so identical queries sent at the same time share one request. A fetch's
timeout covers all of its attempts.

A subgraph running as several instances (``router.executor.instances``: listed by the
registry or the configuration) has its requests spread over the instances' pools; a request
that could not connect goes to another instance, as does a query lost after it was sent. The
circuit breaker and the retry budget stay per subgraph and see each fetch's final outcome.
"""

from __future__ import annotations

import asyncio
import copy
import time
import urllib.request
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Protocol
from urllib.parse import urlsplit

import httpx
import orjson

from router.executor.circuit_breaker import CircuitBreaker
from router.executor.errors import (
    SUBREQUEST_CIRCUIT_OPEN,
    SUBREQUEST_HTTP_ERROR,
    SUBREQUEST_MALFORMED_RESPONSE,
    SUBREQUEST_RESPONSE_TOO_LARGE,
    SUBREQUEST_TIMEOUT,
    GraphQLErrorDict,
    fetch_failure,
)
from router.executor.http_connection import ConnectionClosed
from router.executor.http_pool import ConnectionPool, InvalidHeader
from router.executor.http_response import HTTPResponse, HTTPResponseError, ResponseTooLarge
from router.executor.in_flight import InFlight
from router.executor.instances import Instance, InstanceDirectory, InstanceSet
from router.executor.retry_budget import RetryBudget
from router.executor.traffic import DEFAULT_TRAFFIC, SubgraphTraffic, TrafficListener

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


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A subgraph answer: its GraphQL response object, or the failure of the request."""

    response: dict[str, Any] | None
    failure: GraphQLErrorDict | None = None
    status: int | None = None  # the HTTP status, when an HTTP response came
    cache_control: str | None = None  # the answer's Cache-Control header, if any


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
    # Traffic shaping: for every subgraph, unless ``traffic_by_subgraph`` names it.
    traffic: SubgraphTraffic = DEFAULT_TRAFFIC
    traffic_by_subgraph: dict[str, SubgraphTraffic] = field(default_factory=dict)
    traffic_listener: TrafficListener | None = None
    # Subgraphs running as several instances: their requests are balanced over them.
    instances: InstanceDirectory | None = None


# A fetch's outcome before decoding: the HTTP answer, or the failure of the request.
Outcome = HTTPResponse | FetchResult
# One attempt's outcome, and whether a query may be sent again after it.
Attempt = Callable[[], Awaitable[tuple[Outcome, bool]]]
# Headers that differ per request without changing what it asks: not part of a dedup key.
_UNIQUE_HEADERS: Final = frozenset({"traceparent", "tracestate"})


@dataclass(slots=True)
class _Shaping:
    """The traffic-shaping state of one subgraph."""

    traffic: SubgraphTraffic
    breaker: CircuitBreaker | None
    budget: RetryBudget | None
    in_flight: InFlight[Outcome] = field(default_factory=InFlight)


class SubgraphFetcher:
    """Sends pre-encoded GraphQL request bodies to subgraphs and decodes their answers."""

    def __init__(self, options: FetcherOptions) -> None:
        self._options = options
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._pools: dict[str, ConnectionPool] = {}
        self._shaping: dict[str, _Shaping] = {}
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
            listener = options.traffic_listener
            pool = ConnectionPool(
                url,
                BASE_HEADERS,
                max_connections=options.max_connections,
                max_idle=options.max_keepalive_connections,
                keepalive_expiry=options.keepalive_expiry,
                limits=self.traffic_of(service).limits,
                on_stale_retry=(
                    None
                    if listener is None
                    else lambda: listener.retried(service, "stale_connection")
                ),
            )
            self._pools[service] = pool
        return pool

    def traffic_of(self, service: str) -> SubgraphTraffic:
        return self._options.traffic_by_subgraph.get(service, self._options.traffic)

    def _shaping_of(self, service: str) -> _Shaping:
        shaping = self._shaping.get(service)
        if shaping is None:
            traffic = self.traffic_of(service)
            listener = self._options.traffic_listener
            retry = traffic.retry
            shaping = _Shaping(
                traffic,
                breaker=(
                    CircuitBreaker(
                        service,
                        traffic.breaker,
                        None if listener is None else listener.circuit_changed,
                    )
                    if traffic.breaker is not None
                    else None
                ),
                budget=(
                    RetryBudget(
                        min_per_sec=retry.min_per_sec,
                        retry_percent=retry.retry_percent,
                        ttl=retry.ttl,
                    )
                    if retry is not None and retry.max_retries > 0
                    else None
                ),
            )
            self._shaping[service] = shaping
        return shaping

    def circuit_state(self, service: str) -> str:
        """The circuit state of ``service``: closed, open or half_open (closed if no breaker)."""
        shaping = self._shaping.get(service)
        if shaping is None or shaping.breaker is None:
            return "closed"
        return shaping.breaker.state

    def timeout_of(self, service: str) -> float:
        return self._options.timeouts.get(service, self._options.timeout)

    def url_of(self, service: str) -> str:
        return self._options.urls[service]

    async def fetch(
        self,
        service: str,
        body: bytes,
        headers: Mapping[str, str] | None = None,
        *,
        mutation: bool = False,
    ) -> FetchResult:
        """Send one GraphQL request body to ``service``: its answer or the failure, never an
        exception. ``mutation``: never retried, never shared with an identical request."""
        try:
            url = self.url_of(service)
        except KeyError:
            return FetchResult(
                None,
                fetch_failure(service, f"Unknown subgraph '{service}'", SUBREQUEST_HTTP_ERROR),
            )
        shaping = self._shaping_of(service)
        directory = self._options.instances
        instances = None
        if directory is not None and service not in self._options.transports:
            instances = directory.get(service)
        if instances is not None:
            balanced = instances
            return await self._observed(
                service,
                url,
                shaping,
                lambda sent: _instances_attempt(service, balanced, body, sent, mutation),
                body,
                headers,
                mutation,
            )
        try:
            pool = self._pool(service, url)
        except ValueError:
            pool = None  # not a URL this pool sends to (another scheme, credentials): httpx
        if pool is None:
            # in-process transports apply the client's headers themselves: not deduplicated
            outcome = await self._guarded(
                service,
                shaping,
                mutation,
                lambda: self._httpx_attempt(
                    service, url, body, headers, shaping.traffic.limits.max_decoded_bytes
                ),
            )
            return _decoded(service, outcome)
        chosen = pool
        return await self._observed(
            service,
            url,
            shaping,
            lambda sent: _pool_attempt(service, chosen, body, sent),
            body,
            headers,
            mutation,
        )

    async def _observed(
        self,
        service: str,
        url: str,
        shaping: _Shaping,
        attempt: Callable[[Mapping[str, str] | None], Awaitable[tuple[Outcome, bool]]],
        body: bytes,
        headers: Mapping[str, str] | None,
        mutation: bool,
    ) -> FetchResult:
        """A network fetch, between the observer's ``before_fetch`` and ``after_fetch``."""
        observer = self._options.observer
        if observer is None:
            return await self._fetch_over_network(
                service, shaping, attempt, body, headers, mutation
            )
        sent = dict(headers) if headers else {}
        started = time.perf_counter()
        token = await observer.before_fetch(service, url, sent)
        status: int | None = None
        try:
            result = await self._fetch_over_network(service, shaping, attempt, body, sent, mutation)
            status = result.status
            return result
        finally:
            await observer.after_fetch(service, token, status, time.perf_counter() - started)

    async def _fetch_over_network(
        self,
        service: str,
        shaping: _Shaping,
        attempt: Callable[[Mapping[str, str] | None], Awaitable[tuple[Outcome, bool]]],
        body: bytes,
        headers: Mapping[str, str] | None,
        mutation: bool,
    ) -> FetchResult:
        def send() -> Awaitable[Outcome]:
            return self._guarded(service, shaping, mutation, lambda: attempt(headers))

        if mutation or not shaping.traffic.dedup_queries:
            return _decoded(service, await send())
        key = (body, _header_key(headers)) if headers else body
        outcome, shared = await shaping.in_flight.run(key, send)
        if not shared:
            return _decoded(service, outcome)
        listener = self._options.traffic_listener
        if listener is not None:
            listener.deduplicated(service)
        if isinstance(outcome, FetchResult):  # a failure: each caller gets its own error
            return copy.deepcopy(outcome)
        return _decoded(service, outcome)  # each caller decodes its own copy of the data

    async def _guarded(
        self, service: str, shaping: _Shaping, mutation: bool, attempt: Attempt
    ) -> Outcome:
        """The outcome of the fetch's attempts, unless the circuit breaker refuses it."""
        breaker = shaping.breaker
        if breaker is None:
            return await self._attempts(service, shaping, mutation, attempt)
        if not breaker.allow():
            return _circuit_open(service, breaker.retry_after())
        try:
            outcome = await self._attempts(service, shaping, mutation, attempt)
        except BaseException:
            breaker.release()
            raise
        breaker.record(
            isinstance(outcome, FetchResult) or outcome.status >= 500  # no usable answer
        )
        return outcome

    async def _attempts(
        self, service: str, shaping: _Shaping, mutation: bool, attempt: Attempt
    ) -> Outcome:
        """One attempt, and for a query more while they may be retried and the budget allows;
        all within the fetch's timeout."""
        timeout = self.timeout_of(service)
        budget = None if mutation else shaping.budget
        try:
            async with asyncio.timeout(timeout):
                if budget is None:
                    return (await attempt())[0]
                retry = shaping.traffic.retry
                assert retry is not None
                budget.deposit()
                retries = 0
                while True:
                    outcome, retryable = await attempt()
                    if isinstance(outcome, HTTPResponse):
                        retryable = outcome.status in retry.statuses
                    if not retryable or retries >= retry.max_retries or not budget.withdraw():
                        return outcome
                    retries += 1
                    listener = self._options.traffic_listener
                    if listener is not None:
                        listener.retried(service, "failure")
        except TimeoutError:
            return _timed_out(service, timeout)

    async def _httpx_attempt(
        self,
        service: str,
        url: str,
        body: bytes,
        headers: Mapping[str, str] | None,
        limit: int,
    ) -> tuple[Outcome, bool]:
        """One request through httpx; the body read is cut off past ``limit`` bytes."""
        transport = self._options.transports.get(service)
        try:
            if transport is None:  # through a proxy: the client applies the environment
                client = self._client(service)
                async with client.stream("POST", url, content=body, headers=headers) as response:
                    content = await _read_bounded(response, limit)
            else:  # straight to the transport: no client-level work per request
                response = await transport.handle_async_request(
                    self._request(url, body, headers, self.timeout_of(service))
                )
                try:
                    content = await _read_bounded(response, limit)
                finally:
                    await response.aclose()
        except ResponseTooLarge as error:
            return _too_large(service, error), False
        except httpx.TimeoutException:
            return _timed_out(service, self.timeout_of(service)), False
        except httpx.HTTPError as error:
            reason = str(error) or type(error).__name__
            if isinstance(error, httpx.ConnectError):
                reason = f"cannot connect to {url}: {reason}"
            retryable = isinstance(error, httpx.TransportError) and not isinstance(
                error, httpx.UnsupportedProtocol | httpx.LocalProtocolError
            )
            return _http_failure(service, reason), retryable
        answer = HTTPResponse(
            response.status_code,
            response.reason_phrase,
            content,
            True,
            response.headers.get("cache-control"),
        )
        return answer, False

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


async def _pool_attempt(
    service: str, pool: ConnectionPool, body: bytes, headers: Mapping[str, str] | None
) -> tuple[Outcome, bool]:
    try:
        return await pool.post(body, headers), False
    except InvalidHeader as error:
        return _http_failure(service, f"invalid request: {error}"), False
    except ResponseTooLarge as error:
        return _too_large(service, error), False
    except ConnectionClosed as error:
        return _http_failure(service, str(error) or type(error).__name__), True
    except HTTPResponseError as error:
        return _http_failure(service, str(error) or type(error).__name__), False
    except OSError as error:
        reason = str(error) or type(error).__name__
        return _http_failure(service, f"cannot connect to {pool.url}: {reason}"), True


async def _instances_attempt(
    service: str,
    instances: InstanceSet,
    body: bytes,
    headers: Mapping[str, str] | None,
    mutation: bool,
) -> tuple[Outcome, bool]:
    """One attempt on the next instance; on a failure that is safe to repeat, on another.

    A request that never reached its instance (the connection was refused) is safe to send
    elsewhere whatever it is; one lost after it was sent only when it is a query.
    """
    tried: list[Instance] = []
    outcome: Outcome | None = None
    retryable = False
    while len(tried) < max(1, instances.policy.max_attempts):
        instance = instances.pick(tried)
        if instance is None:
            break
        tried.append(instance)
        instance.in_flight += 1
        try:
            outcome, retryable, reached, failed = await _instance_request(
                service, instance.pool, body, headers
            )
        except asyncio.CancelledError:
            # the fetch's timeout ran out waiting for this instance (or the request was
            # abandoned): a hanging instance is ejected like one that fails
            instances.record(instance, True)
            raise
        finally:
            instance.in_flight -= 1
        instances.record(instance, failed)
        if not retryable or (mutation and reached):
            break
    if outcome is None:
        return _http_failure(service, "no instance of the subgraph is available"), False
    return outcome, retryable


async def _instance_request(
    service: str, pool: ConnectionPool, body: bytes, headers: Mapping[str, str] | None
) -> tuple[Outcome, bool, bool, bool]:
    """As ``_pool_attempt`` (the outcome, whether it may be retried), then whether the request
    may have reached the instance and whether it counts as a failure of the instance."""
    try:
        response = await pool.post(body, headers)
    except OSError as error:  # the connection could not be opened: nothing was sent
        reason = str(error) or type(error).__name__
        failure = _http_failure(service, f"cannot connect to {pool.url}: {reason}")
        return failure, True, False, True
    except ConnectionClosed as error:
        return _http_failure(service, str(error) or type(error).__name__), True, True, True
    except InvalidHeader as error:
        return _http_failure(service, f"invalid request: {error}"), False, False, False
    except ResponseTooLarge as error:
        return _too_large(service, error), False, True, False
    except HTTPResponseError as error:
        return _http_failure(service, str(error) or type(error).__name__), False, True, True
    return response, False, True, response.status >= 500


async def _read_bounded(response: httpx.Response, limit: int) -> bytes:
    """The decoded body of ``response``; ``ResponseTooLarge`` once it passes ``limit``."""
    parts: list[bytes] = []
    size = 0
    async for part in response.aiter_bytes():
        size += len(part)
        if size > limit:
            raise ResponseTooLarge("decoded response body", limit)
        parts.append(part)
    return b"".join(parts)


def _header_key(headers: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(item for item in headers.items() if item[0].lower() not in _UNIQUE_HEADERS)


def _decoded(service: str, outcome: Outcome) -> FetchResult:
    if isinstance(outcome, FetchResult):
        return outcome
    return decode_response(
        service,
        outcome.status,
        outcome.reason,
        outcome.body,
        cache_control=outcome.cache_control,
    )


def _too_large(service: str, error: ResponseTooLarge) -> FetchResult:
    return FetchResult(
        None,
        fetch_failure(
            service,
            f"HTTP fetch failed from '{service}': {error}",
            SUBREQUEST_RESPONSE_TOO_LARGE,
            limit=error.limit,
        ),
    )


def _circuit_open(service: str, retry_after: float) -> FetchResult:
    return FetchResult(
        None,
        fetch_failure(
            service,
            f"Subgraph '{service}' is unavailable: its circuit breaker is open after repeated "
            f"failures (next attempt in {retry_after:.1f}s)",
            SUBREQUEST_CIRCUIT_OPEN,
        ),
    )


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

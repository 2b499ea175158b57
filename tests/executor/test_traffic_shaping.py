"""Retries, the retry budget, the circuit breaker and in-flight deduplication, against real
TCP servers that count the requests they receive."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from prometheus_client import generate_latest

from router.executor import FetcherOptions, SubgraphFetcher
from router.executor.http_response import ResponseLimits
from router.executor.traffic import BreakerPolicy, RetryPolicy, SubgraphTraffic
from router.server.metrics import RouterMetrics

from .fault_server import answer, serving

OK = b'{"data":{"ok":true}}'
NO_BREAKER_NO_RETRY = SubgraphTraffic(retry=None, breaker=None)


@dataclass
class Heard:
    """A TrafficListener that writes down what it hears."""

    events: list[tuple[str, str, str]] = field(default_factory=list)

    def circuit_changed(self, service: str, state: str) -> None:
        self.events.append(("circuit", service, state))

    def retried(self, service: str, reason: str) -> None:
        self.events.append(("retry", service, reason))

    def deduplicated(self, service: str) -> None:
        self.events.append(("dedup", service, ""))

    def of(self, kind: str) -> list[str]:
        return [event[2] for event in self.events if event[0] == kind]


def fetcher(url: str, traffic: SubgraphTraffic, listener: object = None) -> SubgraphFetcher:
    return SubgraphFetcher(
        FetcherOptions(
            urls={"s": url},
            timeout=5.0,
            traffic=traffic,
            traffic_listener=listener,  # type: ignore[arg-type]
        )
    )


async def ok(body: bytes, writer: asyncio.StreamWriter) -> bool:
    writer.write(answer(OK))
    return True


async def unavailable(body: bytes, writer: asyncio.StreamWriter) -> bool:
    writer.write(answer(b"busy", "503 Service Unavailable"))
    return True


# keep-alive connections closed by the server


async def test_a_request_on_a_keepalive_connection_the_server_closed_is_sent_again() -> None:
    answered: set[asyncio.StreamWriter] = set()

    async def one_per_connection(body: bytes, writer: asyncio.StreamWriter) -> bool:
        if writer in answered:  # the next request on this connection: close, answer nothing
            return False
        answered.add(writer)
        writer.write(answer(OK))
        return True

    heard = Heard()
    async with serving(one_per_connection) as server:
        client = fetcher(server.url, NO_BREAKER_NO_RETRY, heard)
        try:
            # mutations too: the server processed nothing
            results = [await client.fetch("s", b"{}", mutation=True) for _ in range(3)]
        finally:
            await client.aclose()
    assert [r.response for r in results] == [{"data": {"ok": True}}] * 3
    assert server.connections == 3
    assert len(server.requests) == 5  # two requests met a closed connection, sent again
    assert heard.of("retry") == ["stale_connection", "stale_connection"]


async def test_a_keepalive_connection_closed_while_idle_is_not_used() -> None:
    async def answer_then_close(body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(answer(OK))  # keep-alive by default, and yet closed soon after
        await writer.drain()
        await asyncio.sleep(0.05)
        return False

    async with serving(answer_then_close) as server:
        client = fetcher(server.url, NO_BREAKER_NO_RETRY)
        try:
            first = await client.fetch("s", b"{}", mutation=True)
            await asyncio.sleep(0.2)
            second = await client.fetch("s", b"{}", mutation=True)
        finally:
            await client.aclose()
    assert first.response == second.response == {"data": {"ok": True}}
    assert server.connections == 2
    assert len(server.requests) == 2


async def test_a_first_request_cut_off_is_not_sent_again_for_a_mutation() -> None:
    async def hang_up(body: bytes, writer: asyncio.StreamWriter) -> bool:
        return False

    async with serving(hang_up) as server:
        client = fetcher(server.url, SubgraphTraffic(breaker=None))
        try:
            mutation = await client.fetch("s", b"{}", mutation=True)
            query = await client.fetch("s", b"{}")
        finally:
            await client.aclose()
    assert mutation.failure is not None and query.failure is not None
    assert "Server disconnected without sending a response" in mutation.failure["message"]
    assert len(server.requests) == 1 + 2  # the mutation once; the query retried once


# retries within a budget


async def _requests_for(traffic: SubgraphTraffic, count: int, *, mutation: bool = False) -> int:
    async with serving(unavailable) as server:
        client = fetcher(server.url, traffic)
        try:
            for _ in range(count):
                result = await client.fetch("s", b"{}", mutation=mutation)
                assert result.failure is not None
                assert result.failure["extensions"]["http"] == {"status": 503}
        finally:
            await client.aclose()
    return len(server.requests)


async def test_failed_queries_are_retried() -> None:
    traffic = SubgraphTraffic(retry=RetryPolicy(max_retries=2), breaker=None)
    assert await _requests_for(traffic, 4) == 4 * 3


async def test_the_retry_budget_stops_retries() -> None:
    # no floor; each request earns half a retry: 10 requests, 5 retries
    budget = RetryPolicy(max_retries=1, min_per_sec=0, retry_percent=0.5, ttl=10)
    assert await _requests_for(SubgraphTraffic(retry=budget, breaker=None), 10) == 15
    empty = RetryPolicy(max_retries=1, min_per_sec=0, retry_percent=0, ttl=10)
    assert await _requests_for(SubgraphTraffic(retry=empty, breaker=None), 10) == 10


async def test_the_budget_floor_allows_retries_per_second() -> None:
    floor = RetryPolicy(max_retries=1, min_per_sec=0.3, retry_percent=0, ttl=10)  # 3 per ttl
    assert await _requests_for(SubgraphTraffic(retry=floor, breaker=None), 10) == 13


async def test_mutations_are_never_retried() -> None:
    traffic = SubgraphTraffic(retry=RetryPolicy(max_retries=3), breaker=None)
    assert await _requests_for(traffic, 5, mutation=True) == 5


async def test_a_graphql_error_answer_is_not_retried() -> None:
    async def graphql_error(body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(answer(b'{"errors":[{"message":"no"}]}', "500 Internal Server Error"))
        return True

    async with serving(graphql_error) as server:
        client = fetcher(server.url, SubgraphTraffic(breaker=None))
        try:
            result = await client.fetch("s", b"{}")
        finally:
            await client.aclose()
    assert result.response == {"errors": [{"message": "no"}]}
    assert len(server.requests) == 1


# the circuit breaker


@dataclass
class Switchable:
    failing: bool = True
    delay: float = 0.0

    async def __call__(self, body: bytes, writer: asyncio.StreamWriter) -> bool:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.failing:
            writer.write(answer(b"down", "500 Internal Server Error"))
        else:
            writer.write(answer(OK))
        return True


BREAKER = SubgraphTraffic(
    retry=None, breaker=BreakerPolicy(failure_threshold=3, window=10, cool_down=0.3)
)


async def test_the_breaker_opens_fails_fast_then_probes_and_closes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, "router.executor.circuit_breaker")
    subgraph = Switchable()
    heard = Heard()
    metrics = RouterMetrics()
    listeners = _Both(heard, metrics)
    async with serving(subgraph) as server:
        client = fetcher(server.url, BREAKER, listeners)
        try:
            for _ in range(3):
                failed = await client.fetch("s", b"{}")
                assert failed.failure is not None
                assert failed.failure["extensions"]["code"] == "SUBREQUEST_HTTP_ERROR"
            assert client.circuit_state("s") == "open"
            assert 'fedra_subgraph_circuit_state{subgraph="s"} 2.0' in _scrape(metrics)

            started = time.monotonic()
            fast = await client.fetch("s", b"{}")
            assert time.monotonic() - started < 0.05
            assert fast.failure is not None
            assert fast.failure["extensions"] == {
                "code": "SUBREQUEST_CIRCUIT_OPEN",
                "serviceName": "s",
            }
            assert "circuit breaker is open" in fast.failure["message"]
            assert len(server.requests) == 3  # not sent

            await asyncio.sleep(0.35)
            subgraph.failing = False
            probe = await client.fetch("s", b"{}")
            assert probe.response == {"data": {"ok": True}}
            assert client.circuit_state("s") == "closed"
            assert len(server.requests) == 4
        finally:
            await client.aclose()
    assert heard.of("circuit") == ["open", "half_open", "closed"]
    assert [r.getMessage() for r in caplog.records] == [
        "circuit of subgraph 's': closed -> open",
        "circuit of subgraph 's': open -> half_open",
        "circuit of subgraph 's': half_open -> closed",
    ]
    scraped = _scrape(metrics)
    assert 'fedra_subgraph_circuit_state{subgraph="s"} 0.0' in scraped
    for state in ("open", "half_open", "closed"):
        assert (
            f'fedra_subgraph_circuit_transitions_total{{state="{state}",subgraph="s"}} 1.0'
            in scraped
        )


async def test_a_failed_probe_opens_the_breaker_again() -> None:
    async with serving(Switchable()) as server:
        client = fetcher(server.url, BREAKER)
        try:
            for _ in range(3):
                await client.fetch("s", b"{}")
            await asyncio.sleep(0.35)
            probe = await client.fetch("s", b"{}")
            assert probe.failure is not None
            assert probe.failure["extensions"]["code"] == "SUBREQUEST_HTTP_ERROR"
            assert client.circuit_state("s") == "open"
            refused = await client.fetch("s", b"{}")
            assert refused.failure is not None
            assert refused.failure["extensions"]["code"] == "SUBREQUEST_CIRCUIT_OPEN"
        finally:
            await client.aclose()
    assert len(server.requests) == 4


async def test_half_open_lets_one_probe_through_at_a_time() -> None:
    subgraph = Switchable()
    async with serving(subgraph) as server:
        client = fetcher(server.url, BREAKER)
        try:
            for _ in range(3):
                await client.fetch("s", b"{}")
            await asyncio.sleep(0.35)
            subgraph.failing = False
            subgraph.delay = 0.1
            results = await asyncio.gather(
                *(client.fetch("s", b"[%d]" % n) for n in range(3))  # distinct: not shared
            )
        finally:
            await client.aclose()
    codes = sorted("ok" if r.failure is None else r.failure["extensions"]["code"] for r in results)
    assert codes == ["SUBREQUEST_CIRCUIT_OPEN", "SUBREQUEST_CIRCUIT_OPEN", "ok"]
    assert len(server.requests) == 4


async def test_failures_outside_the_window_do_not_open_the_breaker() -> None:
    traffic = SubgraphTraffic(
        retry=None, breaker=BreakerPolicy(failure_threshold=2, window=0.1, cool_down=5)
    )
    async with serving(Switchable()) as server:
        client = fetcher(server.url, traffic)
        try:
            for _ in range(3):
                await client.fetch("s", b"{}")
                await asyncio.sleep(0.15)
            assert client.circuit_state("s") == "closed"
        finally:
            await client.aclose()
    assert len(server.requests) == 3


# in-flight deduplication


def _slow(delay: float) -> Switchable:
    return Switchable(failing=False, delay=delay)


async def test_identical_queries_in_flight_share_one_request() -> None:
    heard = Heard()
    async with serving(_slow(0.2)) as server:
        client = fetcher(server.url, NO_BREAKER_NO_RETRY, heard)
        try:
            results = await asyncio.gather(
                *(client.fetch("s", b'{"query":"{ok}"}', {"x-a": "1"}) for _ in range(10))
            )
        finally:
            await client.aclose()
    assert len(server.requests) == 1
    assert all(r.response == {"data": {"ok": True}} for r in results)
    # every caller has its own copy to merge into its own response
    assert len({id(r.response) for r in results}) == 10
    assert heard.of("dedup") == [""] * 9


async def test_mutations_and_different_headers_are_not_shared() -> None:
    async with serving(_slow(0.1)) as server:
        client = fetcher(server.url, NO_BREAKER_NO_RETRY)
        try:
            await asyncio.gather(
                *(client.fetch("s", b'{"query":"mutation{m}"}', mutation=True) for _ in range(5))
            )
            mutations = len(server.requests)
            await asyncio.gather(
                *(
                    client.fetch("s", b'{"query":"{ok}"}', {"authorization": f"u{n % 2}"})
                    for n in range(6)
                )
            )
        finally:
            await client.aclose()
    assert mutations == 5
    assert len(server.requests) == 5 + 2  # one per distinct header set


async def test_deduplication_can_be_turned_off() -> None:
    async with serving(_slow(0.1)) as server:
        client = fetcher(server.url, SubgraphTraffic(dedup_queries=False, retry=None, breaker=None))
        try:
            await asyncio.gather(*(client.fetch("s", b"{}") for _ in range(4)))
        finally:
            await client.aclose()
    assert len(server.requests) == 4


async def test_a_cancelled_leader_leaves_its_followers_an_answer() -> None:
    async with serving(_slow(0.2)) as server:
        client = fetcher(server.url, NO_BREAKER_NO_RETRY)
        try:
            leader = asyncio.ensure_future(client.fetch("s", b"{}"))
            await asyncio.sleep(0.05)
            followers = [asyncio.ensure_future(client.fetch("s", b"{}")) for _ in range(3)]
            await asyncio.sleep(0.05)
            leader.cancel()
            results = await asyncio.gather(*followers)
        finally:
            await client.aclose()
    assert all(r.response == {"data": {"ok": True}} for r in results)
    assert len(server.requests) == 2  # the leader's, then one for the followers


async def test_a_shared_failure_is_each_callers_own() -> None:
    async with serving(Switchable(delay=0.1)) as server:
        client = fetcher(server.url, NO_BREAKER_NO_RETRY)
        try:
            results = await asyncio.gather(*(client.fetch("s", b"{}") for _ in range(3)))
        finally:
            await client.aclose()
    assert len(server.requests) == 1
    failures = [r.failure for r in results]
    assert all(f is not None and f["extensions"]["http"] == {"status": 500} for f in failures)
    assert len({id(f) for f in failures}) == 3


@dataclass
class _Both:
    first: Heard
    second: RouterMetrics

    def circuit_changed(self, service: str, state: str) -> None:
        self.first.circuit_changed(service, state)
        self.second.circuit_changed(service, state)

    def retried(self, service: str, reason: str) -> None:
        self.first.retried(service, reason)
        self.second.retried(service, reason)

    def deduplicated(self, service: str) -> None:
        self.first.deduplicated(service)
        self.second.deduplicated(service)


def _scrape(metrics: RouterMetrics) -> str:
    return generate_latest(metrics.registry).decode()


# subgraphs behind an httpx transport (in process)


async def test_the_body_limit_applies_to_in_process_subgraphs() -> None:
    async def big(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for _ in range(8):
            await send({"type": "http.response.body", "body": b" " * 65536, "more_body": True})
        await send({"type": "http.response.body", "body": OK})

    limits = ResponseLimits(max_decoded_bytes=100_000)
    client = SubgraphFetcher(
        FetcherOptions(
            urls={"s": "http://s.test/graphql"},
            transports={"s": httpx.ASGITransport(big)},
            traffic=SubgraphTraffic(limits=limits, retry=None, breaker=None),
        )
    )
    try:
        result = await client.fetch("s", b"{}")
    finally:
        await client.aclose()
    assert result.failure is not None
    assert result.failure["extensions"] == {
        "code": "SUBREQUEST_RESPONSE_TOO_LARGE",
        "serviceName": "s",
        "limit": 100_000,
    }

"""Balancing a subgraph's requests over its instances, ejecting failing ones, and sending a
request that could not connect to another instance — against real TCP servers."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import pytest

from router.executor import FetcherOptions, SubgraphFetcher
from router.executor.fetcher import BASE_HEADERS
from router.executor.http_pool import ConnectionPool
from router.executor.instances import InstanceDirectory, InstanceSet, InstanceSpec
from router.executor.traffic import BalancingPolicy, SubgraphTraffic

from .fault_server import FaultServer, answer, closed_port_url, reset, serving

OK = b'{"data":{"ok":true}}'
QUERY = b'{"query":"{ ok }"}'
MUTATION = b'{"query":"mutation { ok }"}'
PLAIN = SubgraphTraffic(retry=None, breaker=None)


@dataclass
class Heard:
    """An InstanceListener that writes down what it hears."""

    fetched: list[tuple[str, bool]] = field(default_factory=list)
    ejected: list[tuple[str, bool]] = field(default_factory=list)

    def instance_fetched(self, service: str, instance: str, failed: bool) -> None:
        self.fetched.append((instance, failed))

    def instance_ejected(self, service: str, instance: str, ejected: bool) -> None:
        self.ejected.append((instance, ejected))


def directory(policy: BalancingPolicy, heard: Heard | None = None) -> InstanceDirectory:
    return InstanceDirectory(
        lambda _service: policy,
        lambda _service, url: ConnectionPool(url, BASE_HEADERS),
        heard,
    )


def fetcher(instances: InstanceDirectory, traffic: SubgraphTraffic = PLAIN) -> SubgraphFetcher:
    return SubgraphFetcher(
        FetcherOptions(
            urls={"s": closed_port_url()},  # the routing URL: never used while instances exist
            timeout=5.0,
            traffic=traffic,
            instances=instances,
        )
    )


async def ok(body: bytes, writer: asyncio.StreamWriter) -> bool:
    writer.write(answer(OK))
    return True


async def unavailable(body: bytes, writer: asyncio.StreamWriter) -> bool:
    writer.write(answer(b"busy", "503 Service Unavailable"))
    return True


async def dropped(body: bytes, writer: asyncio.StreamWriter) -> bool:
    reset(writer)  # the request arrived, then the connection died: it may have been processed
    return False


def specs(*servers: FaultServer | str) -> list[InstanceSpec]:
    urls = [s if isinstance(s, str) else s.url for s in servers]
    return [InstanceSpec(f"i{n}", url) for n, url in enumerate(urls)]


async def test_round_robin_spreads_requests_evenly_over_the_instances() -> None:
    async with serving(ok) as a, serving(ok) as b, serving(ok) as c:
        instances = directory(BalancingPolicy())
        instances.set_instances("s", specs(a, b, c))
        client = fetcher(instances)
        for _ in range(30):
            assert (await client.fetch("s", QUERY)).response == {"data": {"ok": True}}
        await client.aclose()
        instances.close()
    assert [len(a.requests), len(b.requests), len(c.requests)] == [10, 10, 10]


async def test_least_in_flight_sends_to_the_instance_that_is_not_busy() -> None:
    arrived = asyncio.Event()

    async def slow(body: bytes, writer: asyncio.StreamWriter) -> bool:
        if b"slow" in body:
            arrived.set()
            await asyncio.sleep(0.5)
        writer.write(answer(OK))
        return True

    async with serving(slow) as busy, serving(slow) as idle:
        instances = directory(BalancingPolicy(strategy="least_in_flight"))
        instances.set_instances("s", specs(busy, idle))
        client = fetcher(instances)
        first = asyncio.create_task(client.fetch("s", b'{"query":"{ slow }"}'))
        await arrived.wait()
        served_first = busy if busy.requests else idle
        # while the first request is in flight, every other one goes to the other instance
        for n in range(10):
            await client.fetch("s", b'{"query":"{ n%d }"}' % n)
        await first
        await client.aclose()
        instances.close()
    other = idle if served_first is busy else busy
    assert len(served_first.requests) == 1
    assert len(other.requests) == 10


async def test_a_dead_instance_costs_no_failed_request_and_is_ejected() -> None:
    heard = Heard()
    dead = closed_port_url()
    async with serving(ok) as alive:
        instances = directory(BalancingPolicy(failure_threshold=2, ejection_seconds=30), heard)
        instances.set_instances("s", specs(dead, alive))
        client = fetcher(instances)
        results = [await client.fetch("s", QUERY) for _ in range(20)]
        await client.aclose()
        instances.close()
    assert all(result.failure is None for result in results)  # connect refused: sent elsewhere
    assert len(alive.requests) == 20
    assert heard.ejected == [("i0", False), ("i1", False), ("i0", True)]
    # the dead instance was tried twice (the threshold), then not again while ejected
    assert [instance for instance, failed in heard.fetched if failed] == ["i0", "i0"]


async def test_a_mutation_that_could_not_connect_goes_to_another_instance() -> None:
    async with serving(ok) as alive:
        instances = directory(BalancingPolicy(failure_threshold=5))
        instances.set_instances("s", specs(closed_port_url(), alive))
        client = fetcher(instances)
        results = [await client.fetch("s", MUTATION, mutation=True) for _ in range(4)]
        await client.aclose()
        instances.close()
    assert all(result.failure is None for result in results)
    assert len(alive.requests) == 4


async def test_a_mutation_lost_after_it_was_sent_is_not_sent_again() -> None:
    async with serving(dropped) as dropping, serving(ok) as alive:
        instances = directory(BalancingPolicy(failure_threshold=5))
        instances.set_instances("s", specs(dropping, alive))
        client = fetcher(instances)
        mutations = [await client.fetch("s", MUTATION, mutation=True) for _ in range(2)]
        queries = [await client.fetch("s", QUERY) for _ in range(2)]
        await client.aclose()
        instances.close()
    # one of the two mutations reached the dropping instance and failed there, unrepeated
    assert sorted(result.failure is None for result in mutations) == [False, True]
    assert len(dropping.requests) == 2  # one mutation and one query
    assert len(alive.requests) == 3  # one mutation, and both queries (one sent again)
    assert all(result.failure is None for result in queries)


async def test_5xx_answers_eject_the_instance_and_the_retry_goes_to_another() -> None:
    heard = Heard()
    async with serving(unavailable) as failing, serving(ok) as alive:
        instances = directory(BalancingPolicy(failure_threshold=1, ejection_seconds=30), heard)
        instances.set_instances("s", specs(failing, alive))
        client = fetcher(instances, SubgraphTraffic(breaker=None))  # retries of 503 are on
        results = [await client.fetch("s", QUERY) for _ in range(10)]
        await client.aclose()
        instances.close()
    assert all(result.failure is None for result in results)
    assert len(failing.requests) == 1  # ejected by its first 503
    assert ("i0", True) in heard.ejected


def test_ejection_lasts_longer_each_time_in_a_row_and_ends_on_a_success() -> None:
    heard = Heard()
    policy = BalancingPolicy(failure_threshold=2, ejection_seconds=1.0, max_ejection_seconds=3.0)
    instances = directory(policy, heard)
    instances.set_instances(
        "s", [InstanceSpec("a", "http://127.0.0.1:1/"), InstanceSpec("b", "http://127.0.0.1:2/")]
    )
    found = instances.get("s")
    assert isinstance(found, InstanceSet)
    a = found.instances[0]
    lengths, failures = [], []
    for _ in range(4):
        count = 0
        while a.ejected_until <= time.monotonic():
            found.record(a, True)
            count += 1
        failures.append(count)
        lengths.append(round(a.ejected_until - time.monotonic()))
        a.ejected_until = time.monotonic()  # let it come back at once
    assert failures == [2, 1, 1, 1]  # the threshold, then one failure on return ejects again
    assert lengths == [1, 2, 3, 3]  # doubled each time, capped at max_ejection_seconds
    found.record(a, False)  # a success on return keeps it and resets the backoff
    assert not a.probation and a.ejections == 0
    assert heard.ejected[-1] == ("a", False)
    instances.close()


def test_ejected_and_unhealthy_instances_take_no_requests_until_none_is_left() -> None:
    instances = directory(BalancingPolicy(failure_threshold=1, ejection_seconds=60))
    instances.set_instances(
        "s",
        [
            InstanceSpec("a", "http://127.0.0.1:1/"),
            InstanceSpec("b", "http://127.0.0.1:2/", healthy=False),
            InstanceSpec("c", "http://127.0.0.1:3/"),
        ],
    )
    found = instances.get("s")
    assert found is not None
    a, b, c = found.instances
    assert {found.pick().id for _ in range(6)} == {"a", "c"}  # type: ignore[union-attr]
    found.record(c, True)
    assert {found.pick().id for _ in range(6)} == {"a"}  # type: ignore[union-attr]
    found.record(a, True)
    # nothing available: the healthy one whose ejection ends first is tried
    assert found.pick() is c
    assert found.pick([c]) is a
    assert found.pick([a, b, c]) is None
    instances.close()


def test_a_new_instance_list_keeps_the_state_of_instances_still_listed() -> None:
    instances = directory(BalancingPolicy(failure_threshold=1, ejection_seconds=60))
    instances.set_instances("s", specs("http://127.0.0.1:1/", "http://127.0.0.1:2/"))
    found = instances.get("s")
    assert found is not None
    first = found.instances[0]
    found.record(first, True)
    version = instances.version
    instances.set_instances("s", specs("http://127.0.0.1:1/", "http://127.0.0.1:2/"))
    assert instances.version == version  # nothing changed
    assert found.instances[0] is first and first.ejected_until > time.monotonic()
    instances.set_instances("s", [InstanceSpec("i0", "http://127.0.0.1:1/", healthy=False)])
    assert found.instances == [first] and not first.healthy
    assert instances.version == version + 1
    instances.set_instances("s", [])
    assert instances.get("s") is None  # no instances: the routing URL serves
    instances.close()


@pytest.mark.parametrize("strategy", ["round_robin", "least_in_flight"])
async def test_concurrent_requests_over_instances_with_one_dead(strategy: str) -> None:
    async with serving(ok) as a, serving(ok) as b:
        instances = directory(BalancingPolicy(strategy=strategy))  # type: ignore[arg-type]
        instances.set_instances("s", specs(a, closed_port_url(), b))
        client = fetcher(instances)
        results = await asyncio.gather(
            *(client.fetch("s", b'{"query":"{ n%d }"}' % n) for n in range(60))
        )
        await client.aclose()
        instances.close()
    assert all(result.failure is None for result in results)
    assert len(a.requests) + len(b.requests) == 60
    assert min(len(a.requests), len(b.requests)) >= 15


async def test_a_hanging_instance_is_ejected_by_its_timeouts() -> None:
    async def hang(body: bytes, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(30)
        return False

    heard = Heard()
    async with serving(hang) as hanging, serving(ok) as alive:
        instances = directory(BalancingPolicy(failure_threshold=1, ejection_seconds=30), heard)
        instances.set_instances("s", specs(hanging, alive))
        client = SubgraphFetcher(
            FetcherOptions(
                urls={"s": closed_port_url()}, timeout=0.3, traffic=PLAIN, instances=instances
            )
        )
        results = [await client.fetch("s", b'{"query":"{ n%d }"}' % n) for n in range(6)]
        await client.aclose()
        instances.close()
    timed_out = [r for r in results if r.failure is not None]
    assert len(timed_out) == 1  # the first request to it; then it is ejected
    assert "timed out" in timed_out[0].failure["message"]  # type: ignore[index]
    assert ("i0", True) in heard.ejected
    assert len(alive.requests) == 5


async def test_the_circuit_breaker_sees_one_outcome_per_fetch_after_the_instances() -> None:
    from router.executor.traffic import BreakerPolicy

    traffic = SubgraphTraffic(retry=None, breaker=BreakerPolicy(failure_threshold=3))
    async with serving(ok) as alive:
        instances = directory(BalancingPolicy(failure_threshold=100))
        instances.set_instances("s", specs(closed_port_url(), alive))
        client = fetcher(instances, traffic)
        results = [await client.fetch("s", QUERY) for _ in range(10)]
        assert all(result.failure is None for result in results)
        assert client.circuit_state("s") == "closed"  # the dead instance was failed over
        instances.set_instances("s", specs(closed_port_url(), closed_port_url()))
        failed = [await client.fetch("s", QUERY) for _ in range(4)]
        await client.aclose()
        instances.close()
    assert client.circuit_state("s") == "open"  # every instance failed: the subgraph did
    assert [r.failure["extensions"]["code"] for r in failed] == [  # type: ignore[index]
        "SUBREQUEST_HTTP_ERROR",
        "SUBREQUEST_HTTP_ERROR",
        "SUBREQUEST_HTTP_ERROR",
        "SUBREQUEST_CIRCUIT_OPEN",
    ]

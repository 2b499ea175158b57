"""Incremental delivery through the gateway, against the test subgraphs (ASGI, in process).

The initial payload does not wait for deferred fetches; deferred parts fetch after it; closing
the payloads cancels fetches still running; mutations run once, their deferred parts after;
the entity cache serves deferred entity fetches; demand control records the merged response.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Mapping
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from router.executor.entity_cache.stores import MemoryEntityStore
from router.executor.incremental import merge_incremental
from router.gateway import Gateway, GatewayOptions, GraphQLRequest
from router.gateway.prepared import PreparedOperation

from .harness import load_supergraph, make_apps
from .subgraphs.recording import RecordingApp


class Gate:
    """An ASGI wrapper holding every request until ``open`` is set."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.open = asyncio.Event()
        self.waiting = 0
        self.cancelled = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.waiting += 1
            try:
                await self.open.wait()
            except asyncio.CancelledError:
                self.cancelled += 1
                raise
        await self.app(scope, receive, send)


def _gateway(apps: Mapping[str, ASGIApp], **options: Any) -> Gateway:
    transports: dict[str, httpx.AsyncBaseTransport] = {
        name: httpx.ASGITransport(app) for name, app in apps.items()
    }
    return Gateway(load_supergraph(), GatewayOptions(subgraph_transports=transports, **options))


async def _stream(gateway: Gateway, query: str) -> AsyncGenerator[dict[str, Any], None]:
    result = await gateway.execute_incremental(GraphQLRequest(query=query))
    assert not isinstance(result, dict), result
    return result


REVIEWS_DEFERRED = (
    '{ topProducts(first: 2) { upc name ... @defer(label: "r") { reviews { body } } } }'
)


async def test_initial_payload_does_not_wait_for_deferred_fetches() -> None:
    apps: dict[str, Any] = dict(make_apps())
    gate = Gate(apps["reviews"])
    apps["reviews"] = gate
    gateway = _gateway(apps)
    try:
        payloads = await _stream(gateway, REVIEWS_DEFERRED)
        initial = await asyncio.wait_for(anext(payloads), 10)
        assert initial["hasNext"] is True
        assert all(set(p) == {"upc", "name"} for p in initial["data"]["topProducts"])
        pending = asyncio.ensure_future(anext(payloads))
        for _ in range(100):  # the deferred fetch reaches the subgraph, which holds it
            if gate.waiting:
                break
            await asyncio.sleep(0.01)
        assert gate.waiting == 1 and not pending.done()
        gate.open.set()
        second = await asyncio.wait_for(pending, 10)
        assert second["hasNext"] is False
        items = second["incremental"]
        assert [item["path"] for item in items] == [["topProducts", 0], ["topProducts", 1]]
        assert all(item["label"] == "r" and item["data"]["reviews"] for item in items)
        await payloads.aclose()
    finally:
        await gateway.aclose()


async def test_closing_the_payloads_cancels_the_deferred_fetches() -> None:
    apps: dict[str, Any] = dict(make_apps())
    gate = Gate(apps["reviews"])
    apps["reviews"] = gate
    gateway = _gateway(apps)
    try:
        payloads = await _stream(gateway, REVIEWS_DEFERRED)
        await anext(payloads)
        pending = asyncio.ensure_future(anext(payloads))
        for _ in range(100):
            if gate.waiting:
                break
            await asyncio.sleep(0.01)
        pending.cancel()
        with pytest.raises(asyncio.CancelledError):
            await pending
        await asyncio.wait_for(payloads.aclose(), 5)
        for _ in range(100):
            if gate.cancelled:
                break
            await asyncio.sleep(0.01)
        assert gate.cancelled == 1, "the held subgraph request was given up"
    finally:
        await gateway.aclose()


async def test_mutation_runs_once_then_its_deferred_part() -> None:
    apps = make_apps()
    gateway = _gateway(apps)
    query = (
        'mutation { setPrice(upc: "p3", price: 54) { upc price '
        "... @defer { name reviews { body } } } }"
    )
    try:
        payloads = [p async for p in await _stream(gateway, query)]
        assert payloads[0]["data"] == {"setPrice": {"upc": "p3", "price": 54}}
        mutations = [r for r in apps["products"].requests if r["query"].startswith("mutation")]
        assert len(mutations) == 1
        (item,) = payloads[1]["incremental"]
        assert item["path"] == ["setPrice"]
        assert item["data"]["name"] and isinstance(item["data"]["reviews"], list)
        assert any("_entities" in r["query"] for r in apps["reviews"].requests)
    finally:
        await gateway.aclose()


async def test_deferred_entity_fetches_use_the_entity_cache() -> None:
    apps = make_apps()
    gateway = _gateway(apps, entity_store=MemoryEntityStore())
    try:
        first = [p async for p in await _stream(gateway, REVIEWS_DEFERRED)]
        fetched = len(apps["reviews"].requests)
        assert fetched == 1
        second = [p async for p in await _stream(gateway, REVIEWS_DEFERRED)]
        assert second == first
        assert len(apps["reviews"].requests) == fetched, "served from the entity cache"
    finally:
        await gateway.aclose()


async def test_same_answer_as_without_defer() -> None:
    apps = make_apps()
    gateway = _gateway(apps)
    query = (
        "{ me { name ... @defer { reviews { body product { name "
        '... @defer(label: "stock") { inStock shippingEstimate } } } } } '
        "topProducts { upc ... @defer { weight } } }"
    )
    try:
        payloads = [p async for p in await _stream(gateway, query)]
        whole = await gateway.execute(GraphQLRequest(query=query))
        assert merge_incremental(payloads) == whole
        assert [p["hasNext"] for p in payloads][-1] is False
        assert all(p["hasNext"] for p in payloads[:-1])
    finally:
        await gateway.aclose()


class RecordingGuard:
    """A demand-control guard that accepts everything and keeps what it is told."""

    def __init__(self) -> None:
        self.recorded: list[Mapping[str, Any]] = []

    def check(
        self, prepared: PreparedOperation, variables: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        return None

    def refuses_statically(self, prepared: PreparedOperation) -> bool:
        return False

    def record(
        self, prepared: PreparedOperation, variables: Mapping[str, Any], response: Mapping[str, Any]
    ) -> None:
        self.recorded.append(response)


async def test_demand_control_records_the_merged_response() -> None:
    guard = RecordingGuard()
    apps = make_apps()
    gateway = _gateway(apps, operation_guard=lambda _supergraph: guard)
    try:
        payloads = [p async for p in await _stream(gateway, REVIEWS_DEFERRED)]
        assert guard.recorded == [merge_incremental(payloads)]
        assert guard.recorded[0]["data"]["topProducts"][0]["reviews"]
    finally:
        await gateway.aclose()


def test_recording_app_is_what_make_apps_gives() -> None:
    assert all(isinstance(app, RecordingApp) for app in make_apps().values())

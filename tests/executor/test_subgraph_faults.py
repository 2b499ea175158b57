"""One misbehaving subgraph per test, each a real TCP server: the answer is partial data with
an error naming the subgraph, the same executor answers its next request, and the router's
memory stays bounded whatever the subgraph sends."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import orjson
import pytest
from graphql import OperationDefinitionNode, parse

from router.executor import Executor, FetcherOptions, compile_shape
from router.executor.http_response import ResponseLimits
from router.executor.traffic import SubgraphTraffic
from router.planner.plan import PlanNode, QueryPlan, SequenceNode

from .fault_server import (
    MIB,
    FaultServer,
    Respond,
    answer,
    closed_port_url,
    gzip_bomb,
    reset,
    rss_bytes,
    serving,
)
from .harness import entity_fetch, flatten, load_supergraph, make_apps, root_fetch

SHIPPING = SequenceNode(
    (
        root_fetch("products", "{topProducts{__typename upc name price weight}}"),
        flatten(
            "topProducts.@",
            entity_fetch("inventory", "Product", ("upc", "price", "weight"), "shippingEstimate"),
        ),
    )
)
QUERY = "{ topProducts { name shippingEstimate } }"
PARTIAL = {
    "topProducts": [
        {"name": "Table", "shippingEstimate": None},
        {"name": "Couch", "shippingEstimate": None},
        {"name": "Chair", "shippingEstimate": None},
    ]
}
NAMES_QUERY = "{ topProducts { name } }"
NAMES = root_fetch("products", "{topProducts{name}}")
LIMIT = 4 * MIB
TIMEOUT = 0.5
# what the router may keep beyond its limits: far below the gigabyte the subgraphs offer
RSS_SLACK = 48 * MIB


class Router:
    """An executor whose inventory subgraph is a real server at ``url``."""

    def __init__(self, url: str) -> None:
        supergraph = load_supergraph()
        self.supergraph = supergraph
        apps = make_apps()
        urls = {name: sub.url for name, sub in supergraph.subgraphs.items()}
        urls["inventory"] = url
        self.executor = Executor(
            supergraph,
            FetcherOptions(
                urls=urls,
                timeouts={"inventory": TIMEOUT},
                transports={
                    name: httpx.ASGITransport(app)
                    for name, app in apps.items()
                    if name != "inventory"
                },
                traffic_by_subgraph={
                    "inventory": SubgraphTraffic(
                        limits=ResponseLimits(
                            max_head_bytes=16 * 1024,
                            max_body_bytes=LIMIT,
                            max_decoded_bytes=LIMIT,
                        )
                    )
                },
            ),
        )

    async def run(self, query: str, node: PlanNode) -> dict[str, Any]:
        document = parse(query)
        operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
        shape = compile_shape(self.supergraph.api_schema, operation, {}, None)
        plan = self.executor.compile(QueryPlan(node))
        return await self.executor.execute(plan, shape)


@asynccontextmanager
async def _fault(respond: Respond) -> AsyncIterator[tuple[FaultServer, Router]]:
    async with serving(respond) as server:
        router = Router(server.url)
        try:
            yield server, router
        finally:
            await router.executor.aclose()


async def _check(router: Router, code: str, message: str) -> dict[str, Any]:
    before = rss_bytes()
    started = time.monotonic()
    result = await router.run(QUERY, SHIPPING)
    elapsed = time.monotonic() - started
    assert result["data"] == PARTIAL
    [error] = result["errors"]
    assert message in error["message"]
    assert error["message"].count("inventory") >= 1
    assert error["extensions"]["code"] == code
    assert error["extensions"]["serviceName"] == "inventory"
    assert elapsed < TIMEOUT * 4  # a fetch never outlives its timeout by much
    assert rss_bytes() - before < RSS_SLACK
    # the same router answers its next request
    again = await router.run(NAMES_QUERY, NAMES)
    assert again == {
        "data": {"topProducts": [{"name": "Table"}, {"name": "Couch"}, {"name": "Chair"}]}
    }
    return error


async def _never(body: bytes, writer: asyncio.StreamWriter) -> bool:
    return True


async def test_a_subgraph_that_is_down() -> None:
    router = Router(closed_port_url())
    try:
        await _check(router, "SUBREQUEST_HTTP_ERROR", "cannot connect to")
    finally:
        await router.executor.aclose()


async def test_a_subgraph_that_resets_the_connection() -> None:
    async def resetting(body: bytes, writer: asyncio.StreamWriter) -> bool:
        reset(writer)
        return False

    async with _fault(resetting) as (server, router):
        await _check(router, "SUBREQUEST_HTTP_ERROR", "Server disconnected")
        assert len(server.requests) == 2  # a query: retried once


async def test_a_subgraph_that_hangs_past_the_timeout() -> None:
    server_box: list[FaultServer] = []

    async def hanging(body: bytes, writer: asyncio.StreamWriter) -> bool:
        await server_box[0].hang()
        return False

    async with _fault(hanging) as (server, router):
        server_box.append(server)
        await _check(router, "SUBREQUEST_TIMEOUT", f"timed out after {TIMEOUT:g}s")


async def test_a_subgraph_answering_http_500() -> None:
    async def failing(body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(answer(b"oops", "500 Internal Server Error"))
        return True

    async with _fault(failing) as (_, router):
        error = await _check(router, "SUBREQUEST_HTTP_ERROR", "500 Internal Server Error")
        assert error["extensions"]["http"] == {"status": 500}


async def test_a_subgraph_answering_invalid_json() -> None:
    async def invalid(body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(answer(b'{"data": {"_entities": ['))
        return True

    async with _fault(invalid) as (_, router):
        await _check(router, "SUBREQUEST_MALFORMED_RESPONSE", "invalid JSON")


async def test_a_subgraph_answering_the_wrong_number_of_entities() -> None:
    async def too_few(body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(answer(b'{"data": {"_entities": [{"shippingEstimate": 1}]}}'))
        return True

    async with _fault(too_few) as (_, router):
        await _check(router, "SUBREQUEST_MALFORMED_RESPONSE", "1 entities for 3 representations")


async def test_a_subgraph_answering_the_wrong_shape() -> None:
    async def wrong_shape(body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(answer(b'{"data": {"_entities": {"shippingEstimate": 1}}}'))
        return True

    async with _fault(wrong_shape) as (_, router):
        await _check(router, "SUBREQUEST_MALFORMED_RESPONSE", "no _entities")


@pytest.mark.parametrize("framing", ["chunked", "until-close", "content-length"])
async def test_a_gigabyte_body_is_cut_at_the_limit(framing: str) -> None:
    megabyte = b" " * MIB  # whitespace: the body would even be valid JSON padding

    async def endless(body: bytes, writer: asyncio.StreamWriter) -> bool:
        if framing == "chunked":
            writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
            chunk = b"%x\r\n%s\r\n" % (len(megabyte), megabyte)
        else:
            length = f"content-length: {1 << 30}\r\n" if framing == "content-length" else ""
            writer.write(f"HTTP/1.1 200 OK\r\n{length}connection: close\r\n\r\n".encode())
            chunk = megabyte
        for _ in range(1024):  # a gigabyte, one reused megabyte at a time
            writer.write(chunk)
            await writer.drain()
        return False

    async with _fault(endless) as (_, router):
        error = await _check(
            router,
            "SUBREQUEST_RESPONSE_TOO_LARGE",
            f"response body too large: over the limit of {LIMIT} bytes",
        )
        assert error["extensions"]["limit"] == LIMIT


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return gzip_bomb(1)


async def test_a_gzip_bomb_stops_at_the_decompressed_limit(bomb: bytes) -> None:
    assert len(bomb) < 2 * MIB  # a gigabyte once decoded

    async def bombing(body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(answer(bomb, headers="content-encoding: gzip\r\n"))
        return True

    async with _fault(bombing) as (_, router):
        await _check(
            router,
            "SUBREQUEST_RESPONSE_TOO_LARGE",
            f"decoded response body too large: over the limit of {LIMIT} bytes",
        )


async def test_a_huge_head_is_refused() -> None:
    async def huge_head(body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\n")
        for n in range(10_000):
            writer.write(b"x-padding-%d: %s\r\n" % (n, b"y" * 100))
            await writer.drain()
        return False

    async with _fault(huge_head) as (_, router):
        await _check(router, "SUBREQUEST_RESPONSE_TOO_LARGE", "response head too large")


async def test_a_trickle_is_cut_by_the_timeout_of_the_whole_fetch() -> None:
    payload = orjson.dumps({"data": {"_entities": [{"shippingEstimate": 1}] * 3}})

    async def trickle(body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(answer(payload)[: -len(payload)])
        for byte in payload:  # a byte every 100 ms: each read is quick, the whole is not
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.1)
        return True

    async with _fault(trickle) as (_, router):
        await _check(router, "SUBREQUEST_TIMEOUT", f"timed out after {TIMEOUT:g}s")

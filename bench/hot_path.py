"""Profile the gateway's steady state: cached plan → fetch → merge → shape → serialize.

Subgraphs run in process (an ASGI transport, no sockets). By default each distinct subgraph request
is answered once by the real Strawberry test subgraphs and replayed afterwards, so the profile
shows the router's own cost; ``--live`` keeps the Strawberry subgraphs in the loop.

``--workload`` profiles the benchmark workload instead (``bench/workload``: its supergraph and
``TestQuery``), with the benchmark's Node subgraphs (started on 127.0.0.1:4200 unless something
already listens there); the answer must equal ``expected.json``. Subgraph requests go over HTTP
to the Node subgraphs (which replay their cached answers), or with ``--recorded`` to an
in-process replay of their answers.

    .venv/bin/python bench/hot_path.py [--requests 2000] [--products 40] [--live] [--top 25]
    .venv/bin/python bench/hot_path.py --workload [--recorded] [--requests 500]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import tempfile
import time
from collections import defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bench.answers import check_answer
from bench.servers import port_is_free
from bench.subgraphs import subgraphs_server
from bench.workload import SUBGRAPHS_PORT, SUPERGRAPH_PATH, load_workload
from router.executor.entity_cache import MemoryEntityStore
from router.gateway import Gateway, GatewayOptions, GraphQLRequest
from router.supergraph.reader import read_supergraph
from tests.executor.harness import load_supergraph, make_apps
from tests.executor.subgraphs import products, reviews

QUERY = """
query TopProducts($first: Int!) {
  topProducts(first: $first) {
    upc
    name
    price
    shippingEstimate
    reviews {
      body
      author { name username }
    }
  }
}
"""

GROUPS = (
    ("router.executor", "/router/executor/"),
    ("router.gateway", "/router/gateway/"),
    ("httpx/httpcore", "/httpx/"),
    ("httpx/httpcore", "/httpcore/"),
    ("asyncio", "/asyncio/"),
    ("starlette (test subgraphs)", "/starlette/"),
    ("strawberry (test subgraphs)", "/strawberry/"),
    ("graphql-core", "/graphql/"),
)


@dataclass
class ReplayingApp:
    """Answers each distinct request body once through ``app``, then from memory."""

    app: ASGIApp
    answers: dict[bytes, tuple[int, list[tuple[bytes, bytes]], bytes]] = field(default_factory=dict)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        answer = self.answers.get(body)
        if answer is None:
            answer = await self._record(scope, body)
            self.answers[body] = answer
        status, headers, content = answer
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    async def _record(
        self, scope: Scope, body: bytes
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        sent = False
        status = 500
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def receive() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, headers, b"".join(chunks)


class InProcessTransport(httpx.AsyncBaseTransport):
    """Calls an ASGI app directly: no sockets, and less per-request work than ASGITransport."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        scope: Scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": request.url.scheme,
            "path": request.url.path,
            "raw_path": request.url.raw_path,
            "query_string": request.url.query,
            "root_path": "",
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "server": ("bench", 80),
            "client": ("127.0.0.1", 1),
        }
        status = 500
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []
        delivered = False

        async def receive() -> Message:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return httpx.Response(status, headers=headers, content=b"".join(chunks))


def grow_data(product_count: int) -> None:
    """More products and reviews than the test fixtures, for a realistic response size."""
    for index in range(len(products.PRODUCTS) + 1, product_count + 1):
        upc = f"p{index}"
        products.PRODUCTS[upc] = {"name": f"Product {index}", "price": 10 * index, "weight": index}
        for author in ("1", "2", "3"):
            reviews.REVIEWS.append(
                {
                    "id": f"r{upc}{author}",
                    "body": f"Review of {upc}",
                    "author": author,
                    "product": upc,
                }
            )
    reviews.FAILING_USER = "none"


def make_gateway(live: bool) -> Gateway:
    apps: dict[str, Any] = dict(make_apps())
    if not live:
        apps = {name: ReplayingApp(app) for name, app in apps.items()}
    options = GatewayOptions(
        subgraph_transports={name: InProcessTransport(app) for name, app in apps.items()}
    )
    return Gateway(load_supergraph(), options)


class RecordedTransport(httpx.AsyncBaseTransport):
    """Sends each distinct request body once to the real subgraph, then answers from memory."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.answers: dict[tuple[str, bytes], tuple[int, bytes]] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        key = (str(request.url), body)
        answer = self.answers.get(key)
        if answer is None:
            live = await self.client.post(
                str(request.url), content=body, headers={"content-type": "application/json"}
            )
            answer = (live.status_code, live.content)
            self.answers[key] = answer
        status, content = answer
        return httpx.Response(
            status, headers=[(b"content-type", b"application/json")], content=content
        )


def make_workload_gateway(
    client: httpx.AsyncClient, recorded: bool, entity_cache: bool = False
) -> Gateway:
    """The gateway on the workload's supergraph: over HTTP to the Node subgraphs, or, with
    ``recorded``, through an in-process transport replaying their answers."""
    supergraph = read_supergraph(SUPERGRAPH_PATH.read_text(encoding="utf-8"))
    options = GatewayOptions()
    if entity_cache:
        options.entity_store = MemoryEntityStore()
    if recorded:
        transport = RecordedTransport(client)
        options.subgraph_transports = {name: transport for name in supergraph.subgraphs}
    return Gateway(supergraph, options)


async def one_request(gateway: Gateway, request: GraphQLRequest) -> bytes:
    return orjson.dumps(await gateway.execute(request))


async def timed(gateway: Gateway, request: GraphQLRequest, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        await one_request(gateway, request)
    return time.perf_counter() - started


def grouped_time(stats: pstats.Stats) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in raw.items():
        for group, marker in GROUPS:
            if marker in filename:
                totals[group] += tottime
                break
        else:
            totals["other (builtins, orjson, stdlib)"] += tottime
    return dict(sorted(totals.items(), key=lambda item: -item[1]))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--products", type=int, default=40)
    parser.add_argument("--live", action="store_true", help="run the Strawberry subgraphs")
    parser.add_argument("--workload", action="store_true", help="the benchmark's TestQuery")
    parser.add_argument(
        "--recorded",
        action="store_true",
        help="with --workload: replay the subgraph answers in process instead of over HTTP",
    )
    parser.add_argument(
        "--entity-cache", action="store_true", help="with --workload: the entity cache on"
    )
    parser.add_argument("--top", type=int, default=25)
    return parser.parse_args()


async def main() -> None:
    args = parse_args()
    if not args.workload:
        grow_data(args.products)
        request = GraphQLRequest(QUERY, variables={"first": args.products})
        await profile(make_gateway(args.live), request, args, None)
        return
    workload = load_workload()
    request = GraphQLRequest(workload.query, operation_name=workload.operation_name)
    with ExitStack() as stack:
        if port_is_free(SUBGRAPHS_PORT):
            log = Path(tempfile.gettempdir()) / "fedra-hot-path-subgraphs.log"
            server = stack.enter_context(subgraphs_server(log, [], cache_responses=True))
            server.start(ready_timeout_s=30)
        async with httpx.AsyncClient(timeout=30.0) as client:
            gateway = make_workload_gateway(client, args.recorded, args.entity_cache)
            await profile(gateway, request, args, workload.expected)


async def profile(
    gateway: Gateway, request: GraphQLRequest, args: argparse.Namespace, expected: bytes | None
) -> None:
    try:
        first = await gateway.execute(request)
        assert "errors" not in first, first["errors"]
        if expected is not None:
            check = check_answer(expected, 200, orjson.dumps(first))
            assert check.correct, check.detail
        size = len(orjson.dumps(first))
        await timed(gateway, request, 50)  # warm up pools and caches

        elapsed = await timed(gateway, request, args.requests)
        subgraphs = "live" if args.live else "replayed"
        print(f"{args.requests} requests, {size} response bytes, {subgraphs} subgraphs")
        print(
            f"  {elapsed / args.requests * 1e6:9.1f} µs per request "
            f"({args.requests / elapsed:,.0f} requests/s, one at a time)"
        )

        started = time.perf_counter()
        await asyncio.gather(*(one_request(gateway, request) for _ in range(args.requests)))
        concurrent = time.perf_counter() - started
        print(
            f"  {concurrent / args.requests * 1e6:9.1f} µs per request "
            f"({args.requests / concurrent:,.0f} requests/s, all at once)"
        )

        profiler = cProfile.Profile()
        profiler.enable()
        await timed(gateway, request, args.requests)
        profiler.disable()
    finally:
        await gateway.aclose()

    stats = pstats.Stats(profiler)
    total = sum(grouped_time(stats).values())
    print("\nwhere the time goes (own time, by package):")
    for group, seconds in grouped_time(stats).items():
        print(f"  {group:34s} {seconds / args.requests * 1e6:9.1f} µs  {seconds / total:6.1%}")
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats("tottime").print_stats(args.top)
    print(f"\ntop {args.top} functions by own time:")
    print("\n".join(out.getvalue().splitlines()[6:]))


if __name__ == "__main__":
    asyncio.run(main())

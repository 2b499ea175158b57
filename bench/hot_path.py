"""Profile the gateway's steady state: cached plan → fetch → merge → shape → serialize.

Subgraphs run in process (an ASGI transport, no sockets). By default each distinct subgraph request
is answered once by the real Strawberry test subgraphs and replayed afterwards, so the profile
shows the router's own cost; ``--live`` keeps the Strawberry subgraphs in the loop.

    .venv/bin/python bench/hot_path.py [--requests 2000] [--products 40] [--live] [--top 25]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from router.gateway import Gateway, GatewayOptions, GraphQLRequest
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


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--products", type=int, default=40)
    parser.add_argument("--live", action="store_true", help="run the Strawberry subgraphs")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    grow_data(args.products)
    gateway = make_gateway(args.live)
    request = GraphQLRequest(QUERY, variables={"first": args.products})
    try:
        first = await gateway.execute(request)
        assert "errors" not in first, first["errors"]
        size = len(orjson.dumps(first))
        await timed(gateway, request, 50)  # warm up pools and caches

        elapsed = await timed(gateway, request, args.requests)
        print(
            f"{args.requests} requests, {size} response bytes, "
            f"{'live' if args.live else 'replayed'} subgraphs"
        )
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

"""Fixture subgraphs served on real 127.0.0.1 ports."""

from __future__ import annotations

import httpx
import pytest

from .fixture import FIXTURES_DIR, Fixture
from .runtime import Fault, SubgraphSpec
from .servers import serve_subgraphs

SDL = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])\n'
SDL += "type Query { hello: String }"


def _spec(name: str, faults: tuple[Fault, ...] = ()) -> SubgraphSpec:
    return SubgraphSpec(
        name=name,
        sdl=SDL,
        resolvers={"Query": {"hello": lambda _root, _info: f"hello from {name}"}},
        faults=faults,
    )


def test_each_subgraph_answers_on_its_own_port_until_the_block_ends() -> None:
    with serve_subgraphs([_spec("a"), _spec("b")]) as urls:
        assert set(urls) == {"a", "b"}
        assert urls["a"] != urls["b"]
        for name, url in urls.items():
            response = httpx.post(url, json={"query": "{ hello }"})
            assert response.json() == {"data": {"hello": f"hello from {name}"}}
    with pytest.raises(httpx.ConnectError):
        httpx.post(urls["a"], json={"query": "{ hello }"})


def test_a_down_subgraph_gets_a_closed_port() -> None:
    with serve_subgraphs([_spec("up"), _spec("down", (Fault(kind="down"),))]) as urls:
        with pytest.raises(httpx.ConnectError):
            httpx.post(urls["down"], json={"query": "{ hello }"})
        assert httpx.post(urls["up"], json={"query": "{ hello }"}).status_code == 200


def test_stopping_cuts_a_slow_response_short() -> None:
    slow = _spec("slow", (Fault(kind="slow", seconds=30),))
    with serve_subgraphs([slow]) as urls, pytest.raises(httpx.ReadTimeout):
        httpx.post(urls["slow"], json={"query": "{ hello }"}, timeout=0.2)


def test_every_fixture_subgraph_builds_and_serves_its_sdl() -> None:
    for path in sorted(p for p in FIXTURES_DIR.iterdir() if p.is_dir()):
        fixture = Fixture(path)
        with serve_subgraphs(fixture.subgraphs()) as urls:
            for spec in fixture.subgraphs():
                if spec.is_down or spec.faults:
                    continue
                response = httpx.post(urls[spec.name], json={"query": "{ _service { sdl } }"})
                assert response.json() == {"data": {"_service": {"sdl": spec.sdl}}}, spec.name

"""Hot reload of the supergraph file: new requests see the new schema, in-flight ones finish on
the old one, and a broken file is rejected while the old schema keeps serving."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx

from tests.server.stack import router_stack

TOP_PRODUCTS = {"query": "{ topProducts(first: 1) { name } }"}


def without_top_products(sdl: str) -> str:
    changed = re.sub(r"\n[^\n]*\n\s*topProducts\([^\n]*", "", sdl, count=1)
    assert changed != sdl and "topProducts(" not in changed
    return changed


async def wait_for_generation(client: httpx.AsyncClient, generation: int) -> None:
    for _ in range(200):
        ready = (await client.get("/ready")).json()
        if ready["generation"] >= generation:
            assert ready["generation"] == generation
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"generation {generation} never loaded")


async def wait_for_metric(client: httpx.AsyncClient, line: str) -> None:
    for _ in range(200):
        if line in (await client.get("/metrics")).text:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"metric {line!r} never appeared")


class GateHook:
    """Holds product fetches until the test opens the gate."""

    reached: asyncio.Event
    gate: asyncio.Event

    async def on_subgraph_request(
        self, context: object, subgraph: str, headers: dict[str, str]
    ) -> None:
        if subgraph == "products":
            GateHook.reached.set()
            await GateHook.gate.wait()


async def test_reload_swaps_schema_and_rejects_broken_files(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    path = tmp_path / "supergraph.graphql"
    async with router_stack(tmp_path, supergraph_sdl, watch=True) as (client, _app):
        assert (await client.get("/ready")).json()["generation"] == 1
        assert "errors" not in (await client.post("/graphql", json=TOP_PRODUCTS)).json()

        path.write_text(without_top_products(supergraph_sdl))
        await wait_for_generation(client, 2)
        refused = (await client.post("/graphql", json=TOP_PRODUCTS)).json()
        assert refused["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"

        path.write_text("this is not a supergraph {")
        await wait_for_metric(client, 'fedra_supergraph_reloads_total{outcome="rejected"} 1.0')
        assert (await client.get("/ready")).json()["generation"] == 2
        still = await client.post(
            "/graphql", json={"query": "{ users(first: 1) { edges { node { id } } } }"}
        )
        assert len(still.json()["data"]["users"]["edges"]) == 1

        path.write_text(supergraph_sdl)
        await wait_for_generation(client, 3)
        assert "errors" not in (await client.post("/graphql", json=TOP_PRODUCTS)).json()


async def test_in_flight_request_finishes_on_the_old_schema(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    GateHook.reached = asyncio.Event()
    GateHook.gate = asyncio.Event()
    path = tmp_path / "supergraph.graphql"
    settings = {"FEDRA_HOOKS": "[tests.server.test_reload:GateHook]"}
    async with router_stack(tmp_path, supergraph_sdl, settings, watch=True) as (client, app):
        holder = app.state.services.holder
        old = holder.current
        in_flight = asyncio.create_task(client.post("/graphql", json=TOP_PRODUCTS))
        await asyncio.wait_for(GateHook.reached.wait(), 10)

        path.write_text(without_top_products(supergraph_sdl))
        await wait_for_generation(client, 2)
        assert old.retired and old.in_flight == 1
        GateHook.gate.set()
        response = await asyncio.wait_for(in_flight, 10)
        assert response.json()["data"]["topProducts"][0]["name"]
        assert old.in_flight == 0
        new = (await client.post("/graphql", json=TOP_PRODUCTS)).json()
        assert new["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_reload_through_a_kubernetes_style_symlink_swap(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    """A ConfigMap volume: file -> ..data/file, and an update renames a new ..data over it."""
    from router.server import create_app
    from tests.server.stack import config_from, in_process_subgraphs, router_client

    mount = tmp_path / "mount"
    (mount / "..v1").mkdir(parents=True)
    (mount / "..v1" / "supergraph.graphql").write_text(supergraph_sdl)
    (mount / "..data").symlink_to("..v1")
    (mount / "supergraph.graphql").symlink_to("..data/supergraph.graphql")
    async with in_process_subgraphs(tmp_path) as transports:
        app = create_app(
            config_from({}),
            supergraph_path=mount / "supergraph.graphql",
            subgraph_transports_override=transports,
        )
        async with router_client(app) as client:
            assert "errors" not in (await client.post("/graphql", json=TOP_PRODUCTS)).json()
            (mount / "..v2").mkdir()
            (mount / "..v2" / "supergraph.graphql").write_text(without_top_products(supergraph_sdl))
            (mount / "..data_tmp").symlink_to("..v2")
            (mount / "..data_tmp").rename(mount / "..data")
            await wait_for_generation(client, 2)
            refused = (await client.post("/graphql", json=TOP_PRODUCTS)).json()
            assert refused["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_a_supergraph_whose_field_sets_do_not_read_is_rejected(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    broken = supergraph_sdl.replace('key: "id"', 'key: "id {"', 1)
    assert broken != supergraph_sdl
    async with router_stack(tmp_path, supergraph_sdl) as (client, app):
        (tmp_path / "supergraph.graphql").write_text(broken)
        assert await app.state.supergraph_file.reload() is False
        assert (await client.get("/ready")).json()["generation"] == 1
        served = await client.post(
            "/graphql", json={"query": '{ product(id: "1") { name shippingEstimate { amount } } }'}
        )
        assert "errors" not in served.json()

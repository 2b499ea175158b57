"""Subgraph instances listed in the configuration (``subgraphs.<name>.instances``), with a
supergraph file: the router balances over them and fails over a dead one, over real HTTP."""

from __future__ import annotations

import re
from pathlib import Path

from router.server import create_app
from tests.server.stack import config_from, routed_subgraphs, router_client

from ..executor.fault_server import closed_port_url

TOP_PRODUCTS = {"query": "{ topProducts(first: 2) { name price { amount } } }"}


async def test_configured_instances_are_balanced_over_and_a_dead_one_is_ejected(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text(supergraph_sdl)
    dead = closed_port_url()
    async with routed_subgraphs(tmp_path, network=True) as routes:
        products = routes.urls["products"]
        settings = {
            **routes.url_overrides(),
            "FEDRA_SUPERGRAPH__WATCH": "false",
            "FEDRA_SUBGRAPHS__PRODUCTS__INSTANCES": f"['{dead}', '{products}']",
            "FEDRA_TRAFFIC_SHAPING__SUBGRAPHS__PRODUCTS__LOAD_BALANCING": "least_in_flight",
        }
        app = create_app(config_from(settings), supergraph_path=supergraph)
        async with router_client(app) as client:
            answers = [(await client.post("/graphql", json=TOP_PRODUCTS)).json() for _ in range(8)]
            assert all("errors" not in answer for answer in answers), answers[0]
            text = (await client.get("/metrics")).text
    ok = re.search(
        rf'fedra_subgraph_instance_requests_total\{{instance="{re.escape(products)}",'
        r'outcome="ok",subgraph="products"\} (\S+)',
        text,
    )
    assert ok is not None and float(ok.group(1)) == 8
    failed = re.search(
        rf'fedra_subgraph_instance_requests_total\{{instance="{re.escape(dead)}",'
        r'outcome="failed",subgraph="products"\} (\S+)',
        text,
    )
    assert failed is not None and float(failed.group(1)) == 3  # the threshold, then ejected
    assert f'fedra_subgraph_instance_ejected{{instance="{dead}",subgraph="products"}} 1.0' in text

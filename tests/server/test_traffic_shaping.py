"""The ``traffic_shaping`` section: defaults, per-subgraph overrides, and the router's
circuit breaker state in /metrics."""

from __future__ import annotations

from pathlib import Path

import pytest

from router.config import load_config
from router.config.loader import ConfigError
from router.executor.traffic import DEFAULT_TRAFFIC
from tests.server.stack import CROSS_SUBGRAPH_QUERY, REPO_ROOT, router_stack
from tests.server.test_observability import failing_subgraph, sample


def test_defaults_match_the_executor_defaults_and_router_yaml() -> None:
    default, named = load_config(None, environ={}).traffic_shaping.policies()
    assert default == DEFAULT_TRAFFIC
    assert named == {}
    documented = load_config(REPO_ROOT / "router.yaml", environ={}).traffic_shaping
    assert documented.policies() == (DEFAULT_TRAFFIC, {})


def test_a_subgraph_overrides_only_the_keys_it_sets(tmp_path: Path) -> None:
    path = tmp_path / "router.yaml"
    path.write_text(
        """
traffic_shaping:
  all:
    max_response_bytes: 1000000
    retry: {max_retries: 2, retry_percent: 0.5}
  subgraphs:
    orders:
      dedup_queries: false
      retry: {max_retries: 3}
      circuit_breaker: {enabled: false}
"""
    )
    config = load_config(
        path, environ={"FEDRA_TRAFFIC_SHAPING__SUBGRAPHS__USERS__MAX_HEADER_BYTES": "2048"}
    )
    default, named = config.traffic_shaping.policies()
    assert default.limits.max_body_bytes == 1_000_000
    assert default.retry is not None and default.retry.max_retries == 2
    orders = named["orders"]
    assert orders.limits.max_body_bytes == 1_000_000  # from all
    assert not orders.dedup_queries
    assert orders.retry is not None
    assert (orders.retry.max_retries, orders.retry.retry_percent) == (3, 0.5)
    assert orders.breaker is None
    users = named["users"]
    assert users.limits.max_head_bytes == 2048
    assert users.breaker == default.breaker


def test_retries_turned_off(tmp_path: Path) -> None:
    path = tmp_path / "router.yaml"
    path.write_text("traffic_shaping: {all: {retry: {enabled: false}}}\n")
    default, _ = load_config(path, environ={}).traffic_shaping.policies()
    assert default.retry is None


@pytest.mark.parametrize(
    ("yaml_text", "where"),
    [
        ("traffic_shaping: {all: {max_response_bytes: 0}}", "max_response_bytes"),
        ("traffic_shaping: {all: {retry: {retry_percent: -1}}}", "retry_percent"),
        ("traffic_shaping: {subgraphs: {a: {circuit_breaker: {cool_down: 0}}}}", "cool_down"),
        ("traffic_shaping: {all: {max_body: 1}}", "max_body"),
    ],
)
def test_bad_values_are_reported_with_their_key(tmp_path: Path, yaml_text: str, where: str) -> None:
    path = tmp_path / "router.yaml"
    path.write_text(yaml_text + "\n")
    with pytest.raises(ConfigError, match=where):
        load_config(path, environ={})


async def test_an_open_circuit_fails_fast_and_shows_in_metrics(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    environ = {
        "FEDRA_TRAFFIC_SHAPING__SUBGRAPHS__ORDERS__CIRCUIT_BREAKER__FAILURE_THRESHOLD": "2",
        "FEDRA_TRAFFIC_SHAPING__SUBGRAPHS__ORDERS__CIRCUIT_BREAKER__COOL_DOWN": "60",
    }
    async with router_stack(
        tmp_path, supergraph_sdl, environ, wrap={"orders": failing_subgraph}, network=True
    ) as (client, _app):
        answers = [
            (await client.post("/graphql", json={"query": CROSS_SUBGRAPH_QUERY})).json()
            for _ in range(3)
        ]
        metrics = (await client.get("/metrics")).text
    codes = [
        {e["extensions"]["code"] for e in a["errors"] if e["extensions"].get("serviceName")}
        for a in answers
    ]
    assert codes == [
        {"SUBREQUEST_HTTP_ERROR"},
        {"SUBREQUEST_HTTP_ERROR"},
        {"SUBREQUEST_CIRCUIT_OPEN"},
    ]
    assert all(
        e["extensions"]["serviceName"] == "orders"
        for e in answers[2]["errors"]
        if "serviceName" in e["extensions"]
    )
    assert sample(metrics, 'fedra_subgraph_circuit_state{subgraph="orders"}') == 2
    assert (
        sample(metrics, 'fedra_subgraph_circuit_transitions_total{state="open",subgraph="orders"}')
        == 1
    )

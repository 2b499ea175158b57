"""Progressive override: labels rolled or requested per request, plans cached per label set."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from router.gateway import Gateway, GatewayOptions, GraphQLRequest
from router.gateway.override_labels import OverrideLabels
from router.supergraph.model import Supergraph
from router.supergraph.reader import read_supergraph
from tests.executor.subgraphs.failing import FailingApp

SUPERGRAPH = Path(__file__).parent / "subgraphs" / "override_labels.graphql"


@pytest.fixture
def supergraph() -> Supergraph:
    return read_supergraph(SUPERGRAPH.read_text())


def test_labels_of_the_supergraph(supergraph: Supergraph) -> None:
    labels = OverrideLabels(supergraph)
    assert labels.custom == frozenset({"beta"})
    assert labels.percent_labels == {"percent(100)": 100.0}
    assert labels.enabled(None) == frozenset({"percent(100)"})
    assert labels.enabled(frozenset({"beta", "unrelated"})) == frozenset({"beta", "percent(100)"})


def test_percentages_are_rolled_per_request(supergraph: Supergraph) -> None:
    for named in supergraph.types.values():
        for field in named.fields.values():
            for source in field.sources.values():
                if source.override_label == "percent(100)":
                    source.override_label = "percent(25)"
    labels = OverrideLabels(supergraph)
    rolls = [bool(labels.enabled(None)) for _ in range(4000)]
    assert 0.2 < sum(rolls) / len(rolls) < 0.3


async def test_plans_follow_the_enabled_labels_and_are_cached_per_label_set(
    supergraph: Supergraph,
) -> None:
    failing = FailingApp("graphql_errors")
    options = GatewayOptions(
        subgraph_transports={name: httpx.ASGITransport(failing) for name in ("old", "new")}
    )
    gateway = Gateway(supergraph, options)
    query = '{ thing(id: "1") { name } }'
    try:
        default = gateway.prepare(query, None)
        beta = gateway.prepare(query, None, override_labels=frozenset({"beta"}))
        assert default.plan_text is not None and beta.plan_text is not None
        assert 'service: "new"' not in default.plan_text
        assert 'service: "new"' in beta.plan_text
        await gateway.execute(GraphQLRequest(query), override_labels=frozenset({"beta", "x"}))
        assert (query, None, frozenset({"beta", "percent(100)"}), None) in gateway.cache
    finally:
        await gateway.aclose()

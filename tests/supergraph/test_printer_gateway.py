"""The supergraphs fedra composes load in Apollo's gateway machinery (Supergraph + QueryPlanner)
exactly when Apollo's own supergraph for the same subgraphs does (the gateway refuses SECURITY
features such as @authenticated, which only routers support)."""

from __future__ import annotations

import json
import subprocess

import pytest

from router.compose import SubgraphSource, compose
from tests.compose.expectations import read_expectation
from tests.compose.fixture_sets import fixture_names, load_fixture
from tests.compose.reference import NODE_DIR, node_executable, reference_unavailable_reason
from tests.conftest import REQUIRE_NODE, require

LOADER = NODE_DIR / "load_supergraph.mjs"


def _composed_corpus() -> dict[str, tuple[str, str]]:
    """Fixture name -> (fedra's supergraph, Apollo's supergraph)."""
    composed: dict[str, tuple[str, str]] = {}
    for name in fixture_names():
        fixture = load_fixture(name)
        expectation = read_expectation(fixture)
        if expectation is None or not expectation.ok:
            continue
        result = compose([SubgraphSource(s.name, s.url, s.sdl) for s in fixture.subgraphs])
        assert result.supergraph_sdl is not None, (name, result.errors)
        assert expectation.supergraph_sdl is not None
        composed[name] = (result.supergraph_sdl, expectation.supergraph_sdl)
    return composed


@pytest.mark.node
def test_apollo_loads_every_supergraph_fedra_composes() -> None:
    require(REQUIRE_NODE, reference_unavailable_reason())
    node = node_executable()
    assert node is not None
    corpus = _composed_corpus()
    assert corpus
    request = {f"fedra:{name}": pair[0] for name, pair in corpus.items()}
    request.update({f"apollo:{name}": pair[1] for name, pair in corpus.items()})
    completed = subprocess.run(
        [node, str(LOADER)],
        input=json.dumps(request).encode("utf-8"),
        capture_output=True,
        cwd=NODE_DIR,
        timeout=240,
        check=True,
    )
    results = json.loads(completed.stdout)
    assert set(results) == set(request)
    disagreements = {
        name: results[f"fedra:{name}"]
        for name in corpus
        if results[f"fedra:{name}"]["ok"] != results[f"apollo:{name}"]["ok"]
    }
    assert disagreements == {}
    # The gateway refuses only the SECURITY features it does not support (@authenticated,
    # @requiresScopes, @policy, which routers support): everything else loads.
    refused = {
        name: results[f"fedra:{name}"]["error"]
        for name in corpus
        if not results[f"fedra:{name}"]["ok"]
    }
    assert {
        name: error
        for name, error in refused.items()
        if "is for: SECURITY but is unsupported" not in error
    } == {}
    assert len(refused) < len(corpus)

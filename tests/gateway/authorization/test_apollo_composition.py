"""The recorded @apollo/composition supergraphs are what @apollo/composition composes today."""

from __future__ import annotations

from tests.compose.reference import compose_with_reference, reference_unavailable_reason
from tests.conftest import REQUIRE_NODE, require

from .corpus import APOLLO_SUPERGRAPH, fixture_dirs, fixture_subgraphs


def test_recorded_supergraphs_are_reproducible() -> None:
    require(REQUIRE_NODE, reference_unavailable_reason())
    dirs = fixture_dirs()
    results = compose_with_reference({d.name: fixture_subgraphs(d) for d in dirs})
    for fixture_dir in dirs:
        result = results[fixture_dir.name]
        assert result.ok, result.errors
        recorded = (fixture_dir / APOLLO_SUPERGRAPH).read_text("utf-8")
        assert result.supergraph_sdl == recorded, (
            f"{fixture_dir.name}: re-record with python -m tests.gateway.authorization.record"
        )

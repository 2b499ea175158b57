"""fedra's composer makes the same supergraph as @apollo/composition from every fixture's
subgraphs (after the normalisation the composition corpus uses), so the two pipelines of
test_fedra_router.py route over the same graph."""

from __future__ import annotations

import pytest

from tests.compose.normalize import normalize_supergraph_sdl

from .fixture import Fixture, all_fixtures
from .test_fedra_router import fedra_supergraph_sdl

_FIXTURES = all_fixtures()


@pytest.mark.parametrize("fixture", _FIXTURES, ids=[f.name for f in _FIXTURES])
def test_fedra_composes_the_fixture_as_apollo_does(fixture: Fixture) -> None:
    ours = normalize_supergraph_sdl(fedra_supergraph_sdl(fixture.path))
    apollo = normalize_supergraph_sdl(fixture.supergraph_path.read_text(encoding="utf-8"))
    assert ours == apollo

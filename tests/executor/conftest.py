from __future__ import annotations

import pytest

from .harness import Harness, load_supergraph, make_apps


@pytest.fixture
def harness() -> Harness:
    return Harness(load_supergraph(), dict(make_apps()))

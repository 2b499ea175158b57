from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from router.gateway import Gateway, GatewayOptions
from router.supergraph.model import Supergraph
from router.supergraph.reader import read_supergraph
from tests.executor.subgraphs.recording import RecordingApp

from .subgraphs import catalog

CATALOG_SUPERGRAPH = Path(__file__).parent / "subgraphs" / "catalog.graphql"


@pytest.fixture
def catalog_supergraph() -> Supergraph:
    return read_supergraph(CATALOG_SUPERGRAPH.read_text())


@pytest.fixture
def catalog_app() -> RecordingApp:
    return catalog.make_app()


@pytest.fixture
def options(catalog_app: RecordingApp) -> GatewayOptions:
    return GatewayOptions(subgraph_transports={"catalog": httpx.ASGITransport(catalog_app)})


@pytest.fixture
async def gateway(
    catalog_supergraph: Supergraph, options: GatewayOptions
) -> AsyncIterator[Gateway]:
    gateway = Gateway(catalog_supergraph, options)
    yield gateway
    await gateway.aclose()

"""@interfaceObject end to end: representations name the interface, responses the type."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from router.gateway import Gateway, GatewayOptions, GraphQLRequest
from router.supergraph.reader import read_supergraph
from tests.executor.subgraphs.recording import RecordingApp

from .subgraphs import media

SUPERGRAPH = Path(__file__).parent / "subgraphs" / "media.graphql"


@pytest.fixture
def apps() -> dict[str, RecordingApp]:
    return {"media": media.make_media_app(), "ratings": media.make_ratings_app()}


@pytest.fixture
async def gateway(apps: dict[str, RecordingApp]) -> AsyncIterator[Gateway]:
    options = GatewayOptions(
        subgraph_transports={name: httpx.ASGITransport(app) for name, app in apps.items()}
    )
    gateway = Gateway(read_supergraph(SUPERGRAPH.read_text()), options)
    yield gateway
    await gateway.aclose()


async def test_interface_object_fields_join_the_concrete_types(
    gateway: Gateway, apps: dict[str, RecordingApp]
) -> None:
    result = await gateway.execute(
        GraphQLRequest("{ library { __typename title rating ... on Book { author } } }")
    )
    assert result == {
        "data": {
            "library": [
                {"__typename": "Book", "title": "Dune", "rating": 5, "author": "Frank Herbert"},
                {"__typename": "Movie", "title": "Alien", "rating": 4},
                {
                    "__typename": "Book",
                    "title": "Solaris",
                    "rating": 3,
                    "author": "Stanisław Lem",
                },
            ]
        }
    }
    [sent] = apps["ratings"].requests
    assert {r["__typename"] for r in sent["variables"]["representations"]} == {"Media"}


async def test_typename_is_the_concrete_type_from_the_owning_subgraph(gateway: Gateway) -> None:
    result = await gateway.execute(
        GraphQLRequest("{ topRated { __typename title ... on Movie { minutes } } }")
    )
    assert result == {
        "data": {
            "topRated": [
                {"__typename": "Book", "title": "Dune"},
                {"__typename": "Movie", "title": "Alien", "minutes": 117},
                {"__typename": "Book", "title": "Solaris"},
            ]
        }
    }

"""The generic fixture-subgraph runtime, over real ASGI."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from .runtime import Fault, SubgraphSpec, subgraph_app

FED2_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])

type Query {
  shelf: [Media!]!
}

interface Media @key(fields: "id") {
  id: ID!
  title: String! @shareable
}

type Book implements Media @key(fields: "id") @key(fields: "isbn") {
  id: ID!
  isbn: String!
  title: String! @shareable
}

type Film implements Media @key(fields: "id") {
  id: ID!
  title: String! @shareable
  length: Int! @federation__tag(name: "namespaced")
}
"""

MEDIA: dict[str, dict[str, Any]] = {
    "b1": {"__typename": "Book", "id": "b1", "isbn": "978-1", "title": "Dune"},
    "f1": {"__typename": "Film", "id": "f1", "title": "Alien", "length": 117},
}


def _find_media(ref: dict[str, Any], _info: Any) -> dict[str, Any] | None:
    if "isbn" in ref:
        return next((m for m in MEDIA.values() if m.get("isbn") == ref["isbn"]), None)
    return MEDIA.get(ref["id"])


async def _async_find(ref: dict[str, Any], info: Any) -> dict[str, Any] | None:
    return _find_media(ref, info)


def _spec(sdl: str = FED2_SDL, faults: tuple[Fault, ...] = ()) -> SubgraphSpec:
    return SubgraphSpec(
        name="media",
        sdl=sdl,
        resolvers={
            "Query": {"shelf": lambda _root, _info: list(MEDIA.values())},
            "Media": {"__resolve_reference": _find_media},
            "Book": {"__resolve_reference": _async_find},
        },
        faults=faults,
    )


async def _post(spec: SubgraphSpec, query: str, variables: Any = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=subgraph_app(spec))
    async with httpx.AsyncClient(transport=transport, base_url="http://subgraph") as client:
        return await client.post("/graphql", json={"query": query, "variables": variables})


async def test_service_sdl_is_the_subgraph_sdl() -> None:
    response = await _post(_spec(), "{ _service { sdl } }")
    assert response.json() == {"data": {"_service": {"sdl": FED2_SDL}}}


async def test_entities_resolve_by_any_key_and_missing_ones_are_null() -> None:
    query = """
      query($reps: [_Any!]!) {
        _entities(representations: $reps) {
          __typename
          ... on Book { id isbn title }
          ... on Film { title length }
        }
      }
    """
    reps = [
        {"__typename": "Book", "isbn": "978-1"},
        {"__typename": "Film", "id": "f1"},
        {"__typename": "Book", "id": "nope"},
    ]
    response = await _post(_spec(), query, {"reps": reps})
    assert response.json() == {
        "data": {
            "_entities": [
                {"__typename": "Book", "id": "b1", "isbn": "978-1", "title": "Dune"},
                {"__typename": "Film", "title": "Alien", "length": 117},
                None,
            ]
        }
    }


async def test_entity_interface_reference_resolves_to_the_concrete_type() -> None:
    query = """
      query($reps: [_Any!]!) { _entities(representations: $reps) { __typename } }
    """
    response = await _post(_spec(), query, {"reps": [{"__typename": "Media", "id": "f1"}]})
    assert response.json() == {"data": {"_entities": [{"__typename": "Film"}]}}


async def test_abstract_types_resolve_through_typename() -> None:
    response = await _post(_spec(), "{ shelf { __typename title } }")
    assert response.json()["data"]["shelf"] == [
        {"__typename": "Book", "title": "Dune"},
        {"__typename": "Film", "title": "Alien"},
    ]


async def test_entity_without_reference_resolver_is_its_representation() -> None:
    sdl = """
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key",
        "@external", "@requires"])
      type Product @key(fields: "upc") {
        upc: String!
        weight: Int! @external
        shipping: Int! @requires(fields: "weight")
      }
    """
    spec = SubgraphSpec(
        name="shipping",
        sdl=sdl,
        resolvers={"Product": {"shipping": lambda product, _info: product["weight"] * 2}},
        faults=(),
    )
    query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { shipping } } }"
    response = await _post(spec, query, {"r": [{"__typename": "Product", "upc": "1", "weight": 4}]})
    assert response.json() == {"data": {"_entities": [{"shipping": 8}]}}


async def test_federation_1_extensions_of_unknown_types_build() -> None:
    sdl = """
      extend type Query { me: User }
      extend type User @key(fields: "id") {
        id: ID! @external
        reviews: [String]
      }
    """
    spec = SubgraphSpec(
        name="reviews",
        sdl=sdl,
        resolvers={
            "Query": {"me": lambda _root, _info: {"id": "1"}},
            "User": {"reviews": lambda user, _info: [f"review of {user['id']}"]},
        },
        faults=(),
    )
    response = await _post(spec, "{ me { id reviews } }")
    assert response.json() == {"data": {"me": {"id": "1", "reviews": ["review of 1"]}}}


async def test_resolver_errors_carry_their_path() -> None:
    def failing(_root: Any, _info: Any) -> None:
        raise ValueError("shelf is locked")

    spec = _spec()
    spec.resolvers["Query"]["shelf"] = failing
    response = await _post(spec, "{ shelf { id } }")
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["message"] == "shelf is locked"
    assert body["errors"][0]["path"] == ["shelf"]


@pytest.mark.parametrize(
    ("fault", "status", "body_starts_with"),
    [
        (Fault(kind="http_500"), 500, b"Internal Server Error"),
        (Fault(kind="invalid_json"), 200, b'{"data": {"unterminated'),
        (
            Fault(kind="graphql_errors", response={"data": None, "errors": [{"message": "no"}]}),
            200,
            b'{"data":null,"errors":[{"message":"no"}]}',
        ),
    ],
)
async def test_injected_faults_replace_the_response(
    fault: Fault, status: int, body_starts_with: bytes
) -> None:
    response = await _post(_spec(faults=(fault,)), "{ shelf { id } }")
    assert response.status_code == status
    assert response.content.startswith(body_starts_with)


async def test_fault_limited_by_query_text_spares_other_requests() -> None:
    spec = _spec(faults=(Fault(kind="http_500", when="_entities"),))
    assert (await _post(spec, "{ shelf { id } }")).status_code == 200
    entities = (
        'query { _entities(representations: [{__typename: "Film", id: "f1"}]) { __typename } }'
    )
    assert (await _post(spec, entities)).status_code == 500


async def test_slow_fault_delays_the_answer() -> None:
    spec = _spec(faults=(Fault(kind="slow", seconds=0.3),))
    started = time.monotonic()
    response = await _post(spec, "{ shelf { id } }")
    assert time.monotonic() - started >= 0.3
    assert response.json()["data"]["shelf"] == [{"id": "b1"}, {"id": "f1"}]

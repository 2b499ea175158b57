"""Identity end to end: the three subgraphs as real processes, the router verifying the users
service's own tokens, and every rule of who may see and change what, through the router."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from router.server import create_app
from subgraphs.shared.seed import ADMIN_EMAIL, seed_data
from subgraphs.users.seed import DEMO_PASSWORD
from tests.server.stack import config_from, router_client
from tests.subgraphs.test_uvicorn import servers, wait_until_healthy

__all__ = ["servers"]  # the fixture: the subgraphs as uvicorn processes

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def router(servers: dict[str, str], tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        await asyncio.gather(*(wait_until_healthy(client, url) for url in servers.values()))
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text((REPO_ROOT / "schema" / "supergraph.graphql").read_text())
    jwks = f"{servers['users']}/.well-known/jwks.json"
    environ = {
        "FEDRA_SUPERGRAPH__WATCH": "false",
        # the entity cache on: private answers must stay their caller's
        "FEDRA_ENTITY_CACHE__ENABLED": "true",
        "FEDRA_AUTHENTICATION__JWT__JWKS": f"[{{url: '{jwks}'}}]",
        "FEDRA_AUTHENTICATION__JWT__ISSUERS": "['fedra-users']",
        "FEDRA_AUTHENTICATION__JWT__AUDIENCES": "['fedra']",
        **{
            f"FEDRA_SUBGRAPHS__{name.upper()}__URL": f"{url}/graphql"
            for name, url in servers.items()
        },
    }
    app = create_app(config_from(environ), supergraph_path=supergraph)
    async with router_client(app) as client:
        yield client


async def graphql(
    client: httpx.AsyncClient,
    query: str,
    token: str | None = None,
    *,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    sent = dict(headers or {})
    if token is not None:
        sent["authorization"] = f"Bearer {token}"
    response = await client.post("/graphql", json={"query": query}, headers=sent)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def codes(body: dict[str, Any]) -> list[tuple[str, tuple[Any, ...]]]:
    return sorted(
        (error["extensions"]["code"], tuple(error.get("path") or ()))
        for error in body.get("errors", [])
    )


async def sign_in(client: httpx.AsyncClient, email: str, password: str = DEMO_PASSWORD) -> str:
    body = await graphql(
        client,
        f'mutation {{ signIn(email: "{email}", password: "{password}") '
        "{ accessToken tokenType user { id } } }",
    )
    assert "errors" not in body, body
    payload = body["data"]["signIn"]
    assert payload["tokenType"].lower() == "bearer"
    token: str = payload["accessToken"]
    return token


async def test_who_may_see_and_change_what_through_the_router(
    router: httpx.AsyncClient,
) -> None:
    users = seed_data().users
    alice, bob = users[0], users[1]

    # anonymous: `me` is @authenticated, so the router removes it before planning
    anonymous = await graphql(router, "{ me { id } }")
    assert anonymous["data"] == {"me": None}
    assert codes(anonymous) == [("UNAUTHORIZED_FIELD_OR_TYPE", ("me",))]
    # a client-set identity header names nobody
    claimed = await graphql(router, "{ me { id } }", headers={"x-user-id": str(bob.id)})
    assert claimed == anonymous

    wrong = await graphql(
        router, f'mutation {{ signIn(email: "{alice.email}", password: "x") {{ accessToken }} }}'
    )
    assert wrong["data"] is None
    assert codes(wrong) == [("UNAUTHENTICATED", ("signIn",))]

    alice_token = await sign_in(router, alice.email)
    admin_token = await sign_in(router, ADMIN_EMAIL, "fedra-admin")
    me = await graphql(
        router, "{ me { id email orders(first: 50) { id user { id } } } }", alice_token
    )
    assert "errors" not in me, me
    assert me["data"]["me"]["id"] == str(alice.id)
    assert me["data"]["me"]["email"] == alice.email
    assert {order["user"]["id"] for order in me["data"]["me"]["orders"]} <= {str(alice.id)}

    # bob's orders: the admin sees them, alice gets null + FORBIDDEN and nothing of bob's
    admin_view = await graphql(
        router, f'{{ user(id: "{bob.id}") {{ email orders(first: 1) {{ id }} }} }}', admin_token
    )
    assert "errors" not in admin_view, admin_view
    assert admin_view["data"]["user"]["email"] == bob.email
    bobs_order = admin_view["data"]["user"]["orders"][0]["id"]
    again = await graphql(
        router, f'{{ user(id: "{bob.id}") {{ email orders(first: 1) {{ id }} }} }}', admin_token
    )
    assert again == admin_view
    metrics = (await router.get("/metrics")).text
    assert 'fedra_entity_cache_hits_total{subgraph="orders",type="User"} 1.0' in metrics
    theirs = await graphql(
        router, f'{{ order(id: "{bobs_order}") {{ id total {{ amount }} }} }}', alice_token
    )
    assert theirs["data"] == {"order": None}
    assert codes(theirs) == [("FORBIDDEN", ("order",))]
    # the same entity fetch as the admin's, whose answer is cached: never served to alice
    nosy = await graphql(
        router,
        f'{{ user(id: "{bob.id}") {{ name email orders(first: 1) {{ id }} }} }}',
        alice_token,
    )
    assert nosy["data"]["user"]["email"] is None
    assert nosy["data"]["user"]["orders"] is None
    assert ("FORBIDDEN", ("user", "email")) in codes(nosy)
    assert ("FORBIDDEN", ("user", "orders")) in codes(nosy)

    # placeOrder takes no user: the order is the caller's, whatever a header claims
    placed = await graphql(
        router,
        'mutation { placeOrder(input: {items: [{productId: "3", quantity: 1}]}) { id user { id } } }',
        alice_token,
        headers={"x-user-id": str(bob.id)},
    )
    assert "errors" not in placed, placed
    assert placed["data"]["placeOrder"]["user"] == {"id": str(alice.id)}
    anonymous_order = await graphql(
        router, 'mutation { placeOrder(input: {items: [{productId: "3", quantity: 1}]}) { id } }'
    )
    assert anonymous_order["data"] is None
    assert codes(anonymous_order) == [("UNAUTHORIZED_FIELD_OR_TYPE", ("placeOrder",))]

    # scopes: restock needs `admin`; alice's request is cut at the router, the admin's runs
    restock = 'mutation { restock(productId: "3", quantity: 1) { id stock } }'
    refused = await graphql(router, restock, alice_token)
    assert refused["data"] is None
    assert codes(refused) == [("UNAUTHORIZED_FIELD_OR_TYPE", ("restock",))]
    allowed = await graphql(router, restock, admin_token)
    assert "errors" not in allowed, allowed

    # a token the router cannot verify is refused before anything runs
    forged = await router.post(
        "/graphql",
        json={"query": "{ me { id } }"},
        headers={"authorization": f"Bearer {alice_token[:-4]}AAAA"},
    )
    assert forged.status_code == 401
    assert forged.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

"""Prepared operations are cached per permissions: never per token, never shared across them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from router.auth.principal import ANONYMOUS, Principal
from router.authorization import Permissions
from router.gateway import Gateway, GatewayOptions, GraphQLRequest
from router.supergraph.reader import read_supergraph
from tests.conformance.servers import serve_subgraphs

from .corpus import subgraph_specs, supergraph_sdl

ACCESS = Path(__file__).parent / "fixtures" / "access"
QUERY = "{ users { name email } }"


@pytest.fixture(scope="module")
def urls() -> Iterator[dict[str, str]]:
    with serve_subgraphs(subgraph_specs(ACCESS)) as served:
        yield served


def _principal(sub: str, scope: str) -> Principal:
    return Principal.from_claims({"sub": sub, "scope": scope, "jti": sub}, token=f"token-{sub}")


async def test_callers_with_different_scopes_get_different_answers_and_entries(
    urls: dict[str, str],
) -> None:
    gateway = Gateway(
        read_supergraph(supergraph_sdl(ACCESS, "fedra")), GatewayOptions(url_overrides=urls)
    )
    try:
        admin = await gateway.execute(GraphQLRequest(QUERY), principal=_principal("1", "admin"))
        plain = await gateway.execute(GraphQLRequest(QUERY), principal=_principal("2", ""))
        assert admin == {
            "data": {
                "users": [
                    {"name": "Ada", "email": "ada@example.com"},
                    {"name": "Grace", "email": "grace@example.com"},
                ]
            }
        }
        assert plain["data"] == {
            "users": [{"name": "Ada", "email": None}, {"name": "Grace", "email": None}]
        }
        assert len(gateway.cache) == 2
        # the admin's plan is not served to the next caller without the scope, nor back
        again = await gateway.execute(GraphQLRequest(QUERY), principal=ANONYMOUS)
        assert again["data"] == plain["data"]
        assert len(gateway.cache) == 3  # anonymous: not authenticated, another entry
    finally:
        await gateway.aclose()


async def test_callers_with_the_same_permissions_share_one_entry(urls: dict[str, str]) -> None:
    gateway = Gateway(
        read_supergraph(supergraph_sdl(ACCESS, "fedra")), GatewayOptions(url_overrides=urls)
    )
    try:
        # different subjects, tokens and scopes the supergraph never names
        first = await gateway.execute(
            GraphQLRequest(QUERY), principal=_principal("1", "admin orders:read")
        )
        second = await gateway.execute(
            GraphQLRequest(QUERY), principal=_principal("2", "admin orders:write stock:reserve")
        )
        assert first == second
        assert len(gateway.cache) == 1
        # keyed by what the caller may see: the token and other claims are no part of it
        admin = Permissions(authenticated=True, scopes=frozenset({"admin"}))
        assert (QUERY, None, frozenset(), admin) in gateway.cache
    finally:
        await gateway.aclose()


async def test_disabled_authorization_shows_everything(urls: dict[str, str]) -> None:
    gateway = Gateway(
        read_supergraph(supergraph_sdl(ACCESS, "fedra")),
        GatewayOptions(url_overrides=urls, authorization=False),
    )
    try:
        response = await gateway.execute(GraphQLRequest("{ me { name } secretCount }"))
        assert response == {"data": {"me": {"name": "Ada"}, "secretCount": 42}}
    finally:
        await gateway.aclose()

"""Per-client rate limiting: by IP, header or JWT claim; in memory and in Redis."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path

from router.auth.principal import Principal
from router.config.model import RateLimitKeyConfig
from router.server.rate_limit import client_key
from tests.server.stack import router_stack

QUERY = {"query": "{ __typename }"}


def jwt_with(claims: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none'})}.{part(claims)}.signature"


def test_client_key_sources() -> None:
    headers = {"x-api-key": "k1", "authorization": f"Bearer {jwt_with({'sub': 'alice'})}"}
    assert client_key(RateLimitKeyConfig(), headers, "10.0.0.1") == "ip:10.0.0.1"
    assert (
        client_key(RateLimitKeyConfig(source="header", header="X-Api-Key"), headers, "10.0.0.1")
        == "header:k1"
    )
    by_claim = RateLimitKeyConfig(source="jwt_claim")
    verified = Principal.from_claims({"sub": "alice"}, "token")
    assert client_key(by_claim, headers, "10.0.0.1", verified) == "claim:alice"
    # An unverified token is never read: without verified claims the address is the key.
    assert client_key(by_claim, headers, "10.0.0.1") == "ip:10.0.0.1"
    assert client_key(by_claim, {}, "10.0.0.2") == "ip:10.0.0.2"
    assert (
        client_key(RateLimitKeyConfig(source="jwt_claim", claim="tenant"), {}, "h", verified)
        == "ip:h"
    )


async def test_over_the_limit_is_429_with_retry_after(tmp_path: Path, supergraph_sdl: str) -> None:
    settings = {"FEDRA_RATE_LIMIT__ENABLED": "true", "FEDRA_RATE_LIMIT__LIMIT": "3/minute"}
    async with router_stack(tmp_path, supergraph_sdl, settings) as (client, _app):
        for _ in range(3):
            assert (await client.post("/graphql", json=QUERY)).status_code == 200
        refused = await client.post("/graphql", json=QUERY)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        metrics = (await client.get("/metrics")).text
        assert "fedra_rate_limited_requests_total 1.0" in metrics


async def test_batch_costs_one_hit_per_operation(tmp_path: Path, supergraph_sdl: str) -> None:
    settings = {"FEDRA_RATE_LIMIT__ENABLED": "true", "FEDRA_RATE_LIMIT__LIMIT": "3/minute"}
    async with router_stack(tmp_path, supergraph_sdl, settings) as (client, _app):
        assert (await client.post("/graphql", json=[QUERY, QUERY, QUERY])).status_code == 200
        assert (await client.post("/graphql", json=QUERY)).status_code == 429


async def test_unverified_tokens_do_not_give_clients_their_own_budget(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    """Without authentication, jwt_claim keys by address: a made-up token buys nothing.
    (Verified claims: tests/auth/test_router_authentication.py.)"""
    settings = {
        "FEDRA_RATE_LIMIT__ENABLED": "true",
        "FEDRA_RATE_LIMIT__LIMIT": "2/minute",
        "FEDRA_RATE_LIMIT__KEY__SOURCE": "jwt_claim",
        "FEDRA_RATE_LIMIT__KEY__CLAIM": "sub",
    }
    alice = {"authorization": f"Bearer {jwt_with({'sub': 'alice'})}"}
    bob = {"authorization": f"Bearer {jwt_with({'sub': 'bob'})}"}
    async with router_stack(tmp_path, supergraph_sdl, settings) as (client, _app):
        for _ in range(2):
            assert (await client.post("/graphql", json=QUERY, headers=alice)).status_code == 200
        assert (await client.post("/graphql", json=QUERY, headers=alice)).status_code == 429
        assert (await client.post("/graphql", json=QUERY, headers=bob)).status_code == 429


async def test_redis_storage_is_shared_between_routers(
    tmp_path: Path, supergraph_sdl: str, redis_url: str
) -> None:
    settings = {
        "FEDRA_RATE_LIMIT__ENABLED": "true",
        "FEDRA_RATE_LIMIT__LIMIT": "2/minute",
        "FEDRA_RATE_LIMIT__STORAGE_URL": redis_url,
        "FEDRA_RATE_LIMIT__KEY__SOURCE": "header",
        "FEDRA_RATE_LIMIT__KEY__HEADER": "x-api-key",
    }
    key = {"x-api-key": uuid.uuid4().hex}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with router_stack(tmp_path / "a", supergraph_sdl, settings) as (first, _app):
        for _ in range(2):
            assert (await first.post("/graphql", json=QUERY, headers=key)).status_code == 200
    async with router_stack(tmp_path / "b", supergraph_sdl, settings) as (second, _app):
        assert (await second.post("/graphql", json=QUERY, headers=key)).status_code == 429

"""The router end to end: tokens verified before anything runs, identity headers only the router
sets, and the verified identity forwarded to real subgraphs (recorded as they receive it)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from router.auth.forwarding import AuthConfigError
from router.server import create_app
from tests.auth.jwks_server import jwks_server
from tests.auth.keys import (
    AUDIENCE,
    ISSUER,
    SigningKey,
    claims,
    hmac_with_public_key,
    unsigned_token,
    write_jwks,
)
from tests.server.recording import HeaderRecorder
from tests.server.stack import CROSS_SUBGRAPH_QUERY, config_from, routed_subgraphs, router_client

ED = SigningKey.ed25519("ed-router")
RSA = SigningKey.rsa("rsa-router")
SECRET = "claims-secret-for-tests"
QUERY = {"query": CROSS_SUBGRAPH_QUERY}
SMUGGLED = {
    "x-user-id": "999",
    "x-fedra-claims": "eyJzdWIiOiI5OTkifQ",
    "x-fedra-claims-signature": "forged",
}


def auth_settings(jwks: str, **extra: str) -> dict[str, str]:
    return {
        "FEDRA_AUTHENTICATION__JWT__JWKS": jwks,
        "FEDRA_AUTHENTICATION__JWT__ISSUERS": f"[{ISSUER}]",
        "FEDRA_AUTHENTICATION__JWT__AUDIENCES": f"[{AUDIENCE}]",
        **extra,
    }


@asynccontextmanager
async def stack(
    tmp_path: Path, supergraph_sdl: str, settings: Mapping[str, str], *, network: bool = False
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, HeaderRecorder]]]:
    recorders = {name: HeaderRecorder() for name in ("users", "products", "orders")}
    supergraph_path = tmp_path / "supergraph.graphql"
    supergraph_path.write_text(supergraph_sdl)
    wrap = {name: recorder.wrap for name, recorder in recorders.items()}
    async with routed_subgraphs(tmp_path, wrap, network=network) as routes:
        config = config_from(
            {"FEDRA_SUPERGRAPH__WATCH": "false", **settings, **routes.url_overrides()}
        )
        app = create_app(
            config, supergraph_path=supergraph_path, subgraph_transports_override=routes.transports
        )
        async with router_client(app) as client:
            yield client, recorders


def subgraph_calls(recorders: Mapping[str, HeaderRecorder]) -> int:
    return sum(len(recorder.requests) for recorder in recorders.values())


@pytest.fixture
def keys_file(tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "jwks.json"
    write_jwks(path, ED, RSA)
    return path


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def expired() -> str:
    return ED.sign(claims(exp=int(time.time()) - 120))


BAD = {
    "malformed": lambda: bearer("definitely.not.a-jwt"),
    "not-three-parts": lambda: bearer("abc"),
    "empty": lambda: {"authorization": "Bearer "},
    "wrong-scheme": lambda: {"authorization": f"Basic {ED.sign(claims())}"},
    "expired": lambda: bearer(expired()),
    "not-yet-valid": lambda: bearer(ED.sign(claims(nbf=int(time.time()) + 600))),
    "wrongly-signed": lambda: bearer(SigningKey.ed25519(ED.kid).sign(claims())),
    "wrong-audience": lambda: bearer(ED.sign(claims(aud="other"))),
    "wrong-issuer": lambda: bearer(RSA.sign(claims(iss="evil"))),
    "alg-none": lambda: bearer(unsigned_token(claims(), ED.kid)),
    "hs256-with-the-public-key": lambda: bearer(hmac_with_public_key(claims(), RSA)),
    "unknown-kid": lambda: bearer(SigningKey.ed25519("nobody").sign(claims())),
}


@pytest.mark.parametrize("kind", list(BAD))
async def test_a_bad_token_is_401_and_no_subgraph_is_called(
    tmp_path: Path, supergraph_sdl: str, keys_file: Path, kind: str
) -> None:
    settings = auth_settings(f"[{{file: '{keys_file}'}}]")
    async with stack(tmp_path, supergraph_sdl, settings) as (client, recorders):
        response = await client.post("/graphql", json=QUERY, headers=BAD[kind]())
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    body = response.json()
    assert "data" not in body
    assert [error["extensions"]["code"] for error in body["errors"]] == ["UNAUTHENTICATED"]
    assert body["errors"][0]["message"].startswith("Invalid token: ")
    assert subgraph_calls(recorders) == 0


async def test_anonymous_requests_run_and_smuggled_identity_headers_never_reach_a_subgraph(
    tmp_path: Path, supergraph_sdl: str, keys_file: Path, network: bool
) -> None:
    settings = auth_settings(
        f"[{{file: '{keys_file}'}}]",
        # even rules that ask for them explicitly
        FEDRA_HEADERS__ALL="[{propagate: {matching: 'x-.*'}}, {propagate: {named: authorization}},"
        " {propagate: {named: x-smuggle, rename: x-user-id}}, {insert: {name: x-fedra-claims, value: forged}}]",
    )
    async with stack(tmp_path, supergraph_sdl, settings, network=network) as (client, recorders):
        response = await client.post(
            "/graphql", json=QUERY, headers={**SMUGGLED, "x-smuggle": "5", "x-tenant": "t1"}
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    assert len(body["data"]["users"]["edges"]) == 2
    assert subgraph_calls(recorders) >= 2
    for name, recorder in recorders.items():
        for sent in recorder.requests:
            assert not set(SMUGGLED) & set(sent), (name, sent)
            assert "authorization" not in sent, (name, sent)
            assert sent["x-tenant"] == "t1"  # other rules still apply


async def test_a_verified_token_reaches_every_subgraph_but_client_identity_headers_do_not(
    tmp_path: Path, supergraph_sdl: str, keys_file: Path, network: bool
) -> None:
    settings = auth_settings(f"[{{file: '{keys_file}'}}]")
    token = RSA.sign(claims("1"))
    async with stack(tmp_path, supergraph_sdl, settings, network=network) as (client, recorders):
        response = await client.post("/graphql", json=QUERY, headers={**bearer(token), **SMUGGLED})
    assert response.status_code == 200, response.text
    assert "errors" not in response.json()
    called = [name for name, recorder in recorders.items() if recorder.requests]
    assert {"users", "orders"} <= set(called)
    for name in called:
        for sent in recorders[name].requests:
            assert sent["authorization"] == f"Bearer {token}", name
            assert not set(SMUGGLED) & set(sent), (name, sent)


def verify_claims_header(sent: Mapping[str, str]) -> dict[str, Any]:
    """What a subgraph does with the router's claims header (the contract, independently)."""
    value = sent["x-fedra-claims"]
    expected = hmac.new(SECRET.encode(), value.encode("ascii"), hashlib.sha256).digest()
    signature = base64.urlsafe_b64decode(sent["x-fedra-claims-signature"] + "==")
    assert hmac.compare_digest(expected, signature)
    assert "=" not in value and "=" not in sent["x-fedra-claims-signature"]
    decoded = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    assert (
        decoded == json.dumps(json.loads(decoded), sort_keys=True, separators=(",", ":")).encode()
    )
    result: dict[str, Any] = json.loads(decoded)
    return result


async def test_the_claims_header_per_subgraph_signed_as_the_contract_says(
    tmp_path: Path, supergraph_sdl: str, keys_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FEDRA_CLAIMS_SECRET", SECRET)
    settings = auth_settings(
        f"[{{file: '{keys_file}'}}]",
        FEDRA_AUTHENTICATION__CLAIMS_HEADER="true",
        FEDRA_AUTHENTICATION__SUBGRAPHS__ORDERS__FORWARD_TOKEN="false",
        FEDRA_AUTHENTICATION__SUBGRAPHS__PRODUCTS__CLAIMS_HEADER="false",
    )
    issued = claims("1", scope="orders:read orders:write admin")
    token = ED.sign(issued)
    query = {"query": CROSS_SUBGRAPH_QUERY.replace("name orderCount", "name orderCount email")}
    async with stack(tmp_path, supergraph_sdl, settings) as (client, recorders):
        response = await client.post("/graphql", json=query, headers={**bearer(token), **SMUGGLED})
    assert response.status_code == 200, response.text
    users = recorders["users"].requests[-1]
    assert users["authorization"] == f"Bearer {token}"
    assert verify_claims_header(users) == issued
    orders = recorders["orders"].requests[-1]
    assert "authorization" not in orders  # forward_token: false for orders
    assert verify_claims_header(orders) == issued
    for sent in recorders["products"].requests:
        assert sent["authorization"] == f"Bearer {token}"
        assert "x-fedra-claims" not in sent and "x-fedra-claims-signature" not in sent
        assert sent.get("x-user-id") is None


async def test_the_claims_header_without_its_secret_refuses_to_start(
    tmp_path: Path, supergraph_sdl: str, keys_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FEDRA_CLAIMS_SECRET", raising=False)
    settings = auth_settings(
        f"[{{file: '{keys_file}'}}]", FEDRA_AUTHENTICATION__SUBGRAPHS__ORDERS__CLAIMS_HEADER="true"
    )
    supergraph_path = tmp_path / "supergraph.graphql"
    supergraph_path.write_text(supergraph_sdl)
    with pytest.raises(AuthConfigError, match="FEDRA_CLAIMS_SECRET"):
        create_app(config_from(settings), supergraph_path=supergraph_path)


async def test_jwks_url_rotation_through_the_router(tmp_path: Path, supergraph_sdl: str) -> None:
    old, new = SigningKey.ed25519("k-old"), SigningKey.ed25519("k-new")
    async with jwks_server(old) as server:
        settings = auth_settings(
            f"[{{url: '{server.url}'}}]",
            FEDRA_AUTHENTICATION__JWT__MIN_REFRESH_INTERVAL_SECONDS="0",
            FEDRA_AUTHENTICATION__JWT__REFRESH_INTERVAL_SECONDS="0.5",
        )
        me = {"query": "{ __typename }"}
        async with stack(tmp_path, supergraph_sdl, settings) as (client, _recorders):
            assert (
                await client.post("/graphql", json=me, headers=bearer(old.sign(claims())))
            ).status_code == 200
            assert (
                await client.post("/graphql", json=me, headers=bearer(new.sign(claims())))
            ).status_code == 401
            server.keys = [old, new]
            assert (
                await client.post("/graphql", json=me, headers=bearer(new.sign(claims())))
            ).status_code == 200
            server.keys = [new]
            await asyncio.sleep(0.6)
            assert (
                await client.post("/graphql", json=me, headers=bearer(old.sign(claims())))
            ).status_code == 401
            assert (
                await client.post("/graphql", json=me, headers=bearer(new.sign(claims())))
            ).status_code == 200


class PrincipalHook:
    seen: list[Any] = []

    async def on_http_request(self, context: Any) -> None:
        PrincipalHook.seen.append(("http", context.principal))

    async def on_subgraph_request(
        self, context: Any, subgraph: str, headers: dict[str, str]
    ) -> None:
        PrincipalHook.seen.append((subgraph, context.principal))


async def test_hooks_see_the_verified_principal(
    tmp_path: Path, supergraph_sdl: str, keys_file: Path
) -> None:
    PrincipalHook.seen = []
    settings = auth_settings(
        f"[{{file: '{keys_file}'}}]", FEDRA_HOOKS=f"[{__name__}:PrincipalHook]"
    )
    async with stack(tmp_path, supergraph_sdl, settings) as (client, _recorders):
        token = ED.sign(claims("7", scope="orders:read admin"))
        assert (await client.post("/graphql", json=QUERY, headers=bearer(token))).status_code == 200
        assert (await client.post("/graphql", json={"query": "{ __typename }"})).status_code == 200
    stages = [stage for stage, _ in PrincipalHook.seen]
    assert stages[0] == "http" and "users" in stages and stages[-1] == "http"
    for _stage, principal in PrincipalHook.seen[:-1]:
        assert principal.authenticated and principal.subject == "7"
        assert principal.scopes == {"orders:read", "admin"} and principal.token == token
    assert not PrincipalHook.seen[-1][1].authenticated


async def test_rate_limit_by_jwt_claim_reads_verified_claims_only(
    tmp_path: Path, supergraph_sdl: str, keys_file: Path
) -> None:
    settings = auth_settings(
        f"[{{file: '{keys_file}'}}]",
        FEDRA_RATE_LIMIT__ENABLED="true",
        FEDRA_RATE_LIMIT__LIMIT="2/minute",
        FEDRA_RATE_LIMIT__KEY__SOURCE="jwt_claim",
        FEDRA_RATE_LIMIT__KEY__CLAIM="sub",
    )
    ping = {"query": "{ __typename }"}
    alice, bob = bearer(ED.sign(claims("alice"))), bearer(RSA.sign(claims("bob")))
    async with stack(tmp_path, supergraph_sdl, settings) as (client, _recorders):
        for _ in range(2):
            assert (await client.post("/graphql", json=ping, headers=alice)).status_code == 200
        assert (await client.post("/graphql", json=ping, headers=alice)).status_code == 429
        assert (await client.post("/graphql", json=ping, headers=bob)).status_code == 200
        # A forged token naming bob is refused before it can spend (or reset) bob's budget,
        forged = bearer(SigningKey.ed25519(ED.kid).sign(claims("bob")))
        for _ in range(3):
            assert (await client.post("/graphql", json=ping, headers=forged)).status_code == 401
        assert (await client.post("/graphql", json=ping, headers=bob)).status_code == 200
        # and anonymous callers share their IP address's budget.
        assert (await client.post("/graphql", json=ping)).status_code == 200
        assert (await client.post("/graphql", json=ping)).status_code == 200
        assert (await client.post("/graphql", json=ping)).status_code == 429


@pytest.mark.parametrize("mode", ["token", "claims-header"])
async def test_the_subgraphs_know_the_caller_the_router_verified(
    tmp_path: Path,
    supergraph_sdl: str,
    keys_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
) -> None:
    """The real users subgraph resolves `me` from what the router forwards: the verified token
    (checked again against the same key set) or the router-signed claims header alone."""
    monkeypatch.setenv("FEDRA_CLAIMS_SECRET", SECRET)
    if mode == "token":
        monkeypatch.setenv("FEDRA_AUTH_JWKS", str(keys_file))
        extra = {}
    else:
        monkeypatch.setenv("FEDRA_AUTH_JWKS", str(tmp_path / "no-keys-here.json"))
        extra = {
            "FEDRA_AUTHENTICATION__FORWARD_TOKEN": "false",
            "FEDRA_AUTHENTICATION__CLAIMS_HEADER": "true",
        }
    settings = auth_settings(f"[{{file: '{keys_file}'}}]", **extra)
    me = {"query": "{ me { id } }"}
    async with stack(tmp_path, supergraph_sdl, settings) as (client, recorders):
        signed_in = await client.post("/graphql", json=me, headers=bearer(ED.sign(claims("3"))))
        smuggled = await client.post("/graphql", json=me, headers=SMUGGLED)
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json() == {"data": {"me": {"id": "3"}}}
    assert smuggled.status_code == 200, smuggled.text
    assert (smuggled.json().get("data") or {}).get("me") is None
    sent = recorders["users"].requests[0]
    assert ("authorization" in sent) == (mode == "token")
    assert ("x-fedra-claims" in sent) == (mode == "claims-header")


async def test_the_access_log_names_the_verified_subject_only(
    tmp_path: Path, supergraph_sdl: str, keys_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="fedra.access")
    settings = auth_settings(f"[{{file: '{keys_file}'}}]")
    ping = {"query": "{ __typename }"}
    async with stack(tmp_path, supergraph_sdl, settings) as (client, _recorders):
        await client.post("/graphql", json=ping, headers=bearer(ED.sign(claims("42"))))
        await client.post("/graphql", json=ping, headers=bearer(expired()))
        await client.post("/graphql", json=ping, headers=SMUGGLED)
    entries = [
        (record.__dict__["status"], record.__dict__["subject"])
        for record in caplog.records
        if record.name == "fedra.access"
    ]
    assert entries == [(200, "42"), (401, None), (200, None)]

"""Header propagation rules: only what a rule names reaches a subgraph."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from router.config.model import HeadersConfig
from router.server.header_rules import HeaderPropagation
from tests.server.recording import HeaderRecorder
from tests.server.stack import REPO_ROOT

INCOMING = {
    "authorization": "Bearer t",
    "x-user-id": "7",
    "x-tenant-a": "1",
    "x-tenant-b": "2",
    "cookie": "secret",
    "host": "router",
    "content-length": "12",
}


def rules(data: dict[str, object]) -> HeaderPropagation:
    return HeaderPropagation(HeadersConfig.model_validate(data))


def test_nothing_propagates_without_rules() -> None:
    assert rules({}).for_subgraph("users", INCOMING) == {}


def test_named_rename_default_insert_and_remove() -> None:
    propagation = rules(
        {
            "all": [
                {"propagate": {"named": "X-User-Id"}},
                {"propagate": {"named": "authorization", "rename": "x-auth"}},
                {"propagate": {"named": "x-missing", "default": "fallback"}},
                {"insert": {"name": "x-source", "value": "fedra"}},
            ],
            "subgraphs": {
                "orders": [
                    {"propagate": {"matching": "x-tenant-.*"}},
                    {"remove": {"named": "x-auth"}},
                ]
            },
        }
    )
    assert propagation.for_subgraph("users", INCOMING) == {
        "x-user-id": "7",
        "x-auth": "Bearer t",
        "x-missing": "fallback",
        "x-source": "fedra",
    }
    assert propagation.for_subgraph("orders", INCOMING) == {
        "x-user-id": "7",
        "x-missing": "fallback",
        "x-source": "fedra",
        "x-tenant-a": "1",
        "x-tenant-b": "2",
    }


def test_connection_headers_never_propagate() -> None:
    propagation = rules({"all": [{"propagate": {"matching": ".*"}}]})
    sent = propagation.for_subgraph("users", INCOMING)
    assert "host" not in sent and "content-length" not in sent
    assert sent["cookie"] == "secret"  # a catch-all rule is the user's explicit choice


async def test_default_router_yaml_sends_the_verified_token_and_no_client_identity(
    tmp_path: Path, supergraph_sdl: str, network: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from router.config import load_config
    from router.server import create_app
    from tests.auth.keys import SigningKey, claims, write_jwks
    from tests.server.stack import CROSS_SUBGRAPH_QUERY, routed_subgraphs, router_client

    key = SigningKey.ed25519()
    keys_dir = tmp_path / "keys"
    write_jwks(keys_dir / "jwks.json", key)
    monkeypatch.setenv("FEDRA_AUTH_JWKS", str(keys_dir / "jwks.json"))  # the subgraphs' keys
    token = key.sign(claims("1"))
    recorders = {"users": HeaderRecorder(), "orders": HeaderRecorder()}
    supergraph_path = tmp_path / "supergraph.graphql"
    supergraph_path.write_text(supergraph_sdl)
    wrap = {name: recorder.wrap for name, recorder in recorders.items()}
    async with routed_subgraphs(tmp_path, wrap, network=network) as routes:
        environ = {
            "FEDRA_SUPERGRAPH__WATCH": "false",
            "FEDRA_AUTH_KEYS_DIR": str(keys_dir),
            **routes.url_overrides(),
        }
        config = load_config(REPO_ROOT / "router.yaml", environ=environ)
        app = create_app(
            config, supergraph_path=supergraph_path, subgraph_transports_override=routes.transports
        )
        async with router_client(app) as client:
            anonymous = await client.post("/graphql", json={"query": "{ me { name } }"})
            assert anonymous.status_code == 200
            assert (anonymous.json().get("data") or {}).get("me") is None
            response = await client.post(
                "/graphql",
                json={"query": CROSS_SUBGRAPH_QUERY},
                headers={
                    "x-user-id": "1",
                    "authorization": f"Bearer {token}",
                    "cookie": "session=secret",
                    "x-other": "private",
                },
            )
    assert response.status_code == 200, response.text
    for name, recorder in recorders.items():
        sent = recorder.requests[-1]
        assert "x-user-id" not in sent, name
        assert sent["authorization"] == f"Bearer {token}", name
        assert "cookie" not in sent and "x-other" not in sent, name


def test_identity_headers_are_stripped_whatever_the_rules_say() -> None:
    stripped = frozenset({"x-user-id", "x-fedra-claims", "authorization"})
    propagation = HeaderPropagation(
        HeadersConfig.model_validate(
            {
                "all": [
                    {"propagate": {"matching": ".*"}},
                    {"propagate": {"named": "x-tenant-a", "rename": "x-user-id"}},
                    {"insert": {"name": "X-Fedra-Claims", "value": "forged"}},
                ]
            }
        ),
        stripped,
    )
    sent = propagation.for_subgraph("users", INCOMING)
    assert not stripped & set(sent)
    assert sent["x-tenant-b"] == "2" and sent["cookie"] == "secret"


def setting_a_cookie(app: Any) -> Any:
    """The subgraph app, answering every request with a session cookie for whoever asked."""

    async def with_cookie(scope: dict[str, Any], receive: Any, send: Any) -> None:
        async def send_with_cookie(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {
                    **message,
                    "headers": [*message["headers"], (b"set-cookie", b"session=first-client")],
                }
            await send(message)

        await app(scope, receive, send_with_cookie)

    return with_cookie


async def test_a_subgraph_cookie_never_reaches_another_client_request(
    tmp_path: Path, supergraph_sdl: str, network: bool
) -> None:
    from tests.server.stack import router_stack

    recorder = HeaderRecorder()
    wrap = {"products": lambda app: recorder.wrap(setting_a_cookie(app))}
    async with router_stack(tmp_path, supergraph_sdl, wrap=wrap, network=network) as (client, _):
        for _ in range(2):
            response = await client.post("/graphql", json={"query": '{ product(id: "1") { id } }'})
            assert response.json() == {"data": {"product": {"id": "1"}}}
            assert "set-cookie" not in response.headers
    assert len(recorder.requests) == 2
    assert "cookie" not in recorder.requests[1]

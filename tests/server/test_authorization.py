"""Authorization through the HTTP server: the ``authorization`` section and the policy hook.

The subgraphs are the authorization fixture's, served over HTTP. The caller is set by a hook
standing in for authentication (``on_http_request`` writes ``context.principal``); policies
are decided by an ``on_policies`` hook, as configured.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.responses import Response

from router.auth.principal import Principal
from router.server.app import create_app
from router.server.hooks import RequestContext, RouterHook
from router.supergraph.reader import SupergraphError
from tests.conformance.servers import serve_subgraphs
from tests.gateway.authorization.corpus import subgraph_specs
from tests.server.stack import config_from, router_client

ACCESS = Path(__file__).parents[1] / "gateway" / "authorization" / "fixtures" / "access"
POLICY_CALLS: list[tuple[str | None, frozenset[str]]] = []


class TestCallerHook(RouterHook):
    """The caller from test headers, and the "support" policy for subjects named support-*."""

    async def on_http_request(self, context: RequestContext) -> Response | None:
        subject = context.headers.get("x-test-subject")
        if subject is not None:
            claims = {"sub": subject, "scope": context.headers.get("x-test-scope", "")}
            context.principal = Principal.from_claims(claims, token="test")
        return None

    async def on_policies(
        self, context: RequestContext, principal: Principal, policies: frozenset[str]
    ) -> frozenset[str]:
        POLICY_CALLS.append((principal.subject, policies))
        subject = principal.subject or ""
        return frozenset({"support"}) if subject.startswith("support-") else frozenset()


@pytest.fixture(scope="module")
def urls() -> Iterator[dict[str, str]]:
    with serve_subgraphs(subgraph_specs(ACCESS)) as served:
        yield served


@asynccontextmanager
async def router(urls: dict[str, str], **settings: str) -> AsyncIterator[httpx.AsyncClient]:
    environ = {
        "FEDRA_SUPERGRAPH__WATCH": "false",
        "FEDRA_HOOKS": "[tests.server.test_authorization:TestCallerHook]",
        **{f"FEDRA_SUBGRAPHS__{name.upper()}__URL": url for name, url in urls.items()},
        **settings,
    }
    app = create_app(config_from(environ), supergraph_path=ACCESS / "supergraph.apollo.graphql")
    async with router_client(app) as client:
        yield client


async def _post(client: httpx.AsyncClient, query: str, **headers: str) -> httpx.Response:
    return await client.post(
        "/graphql",
        json={"query": query},
        headers={"content-type": "application/json", **headers},
    )


async def test_unauthorized_fields_are_null_with_errors(urls: dict[str, str]) -> None:
    async with router(urls) as client:
        anonymous = await _post(client, "{ me { name } motd }")
        signed_in = await _post(client, "{ me { name } motd }", **{"x-test-subject": "1"})
    assert anonymous.status_code == 200
    body: dict[str, Any] = anonymous.json()
    assert body["data"] == {"me": None, "motd": "hello"}
    assert body["errors"] == [
        {
            "message": "Unauthorized field or type",
            "path": ["me"],
            "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"},
        }
    ]
    assert signed_in.json() == {"data": {"me": {"name": "Ada"}, "motd": "hello"}}


async def test_policies_are_decided_by_the_hook(urls: dict[str, str]) -> None:
    POLICY_CALLS.clear()
    query = "{ me { name internalNote } }"
    async with router(urls) as client:
        support = await _post(client, query, **{"x-test-subject": "support-7"})
        other = await _post(client, query, **{"x-test-subject": "8"})
    assert support.json() == {"data": {"me": {"name": "Ada", "internalNote": "prefers email"}}}
    assert other.json()["data"] == {"me": None}
    assert other.json()["errors"][0]["path"] == ["me", "internalNote"]
    assert [("support-7", {"support"}), ("8", {"support"})] == POLICY_CALLS


async def test_reject_unauthorized_refuses_the_whole_operation(urls: dict[str, str]) -> None:
    async with router(urls, FEDRA_AUTHORIZATION__REJECT_UNAUTHORIZED="true") as client:
        refused = await _post(client, "{ me { name } motd }")
        allowed = await _post(client, "{ motd }")
    assert "data" not in refused.json()
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHORIZED_FIELD_OR_TYPE"
    assert allowed.json() == {"data": {"motd": "hello"}}


async def test_require_authentication_answers_anonymous_requests_with_401(
    urls: dict[str, str],
) -> None:
    async with router(urls, FEDRA_AUTHORIZATION__REQUIRE_AUTHENTICATION="true") as client:
        anonymous = await _post(client, "{ motd }")
        signed_in = await _post(client, "{ motd }", **{"x-test-subject": "1"})
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert signed_in.status_code == 200
    assert signed_in.json() == {"data": {"motd": "hello"}}


async def test_disabled_authorization_enforces_nothing(urls: dict[str, str]) -> None:
    async with router(
        urls,
        FEDRA_AUTHORIZATION__ENABLED="false",
        FEDRA_AUTHORIZATION__REQUIRE_AUTHENTICATION="true",
    ) as client:
        response = await _post(client, "{ me { name } secretCount }")
    assert response.status_code == 200
    assert response.json() == {"data": {"me": {"name": "Ada"}, "secretCount": 42}}


def test_the_section_rejects_unknown_keys() -> None:
    from router.config import ConfigError

    with pytest.raises(ConfigError, match="reject_unauthorised"):
        config_from({"FEDRA_AUTHORIZATION__REJECT_UNAUTHORISED": "true"})


async def test_a_supergraph_with_an_unsupported_security_feature_is_not_served(
    tmp_path: Path, urls: dict[str, str]
) -> None:
    sdl = (ACCESS / "supergraph.apollo.graphql").read_text()
    marker = '@link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY)'
    assert marker in sdl
    path = tmp_path / "supergraph.graphql"
    path.write_text(
        sdl.replace(
            marker, marker + '\n  @link(url: "https://example.com/acl/v1.0", for: SECURITY)'
        )
    )
    app = create_app(config_from({"FEDRA_SUPERGRAPH__WATCH": "false"}), supergraph_path=path)
    with pytest.raises(SupergraphError, match=re.escape("https://example.com/acl/v1.0")):
        async with router_client(app):
            pass


class _Grants(RouterHook):
    def __init__(self, *granted: str) -> None:
        self.granted = frozenset(granted)

    async def on_policies(
        self, context: RequestContext, principal: Principal, policies: frozenset[str]
    ) -> frozenset[str]:
        return self.granted


async def test_several_policy_hooks_add_up_within_the_asked_policies() -> None:
    from starlette.requests import Request

    from router.server.hooks import HookChain

    chain = HookChain([_Grants("a"), _Grants("b", "not-asked"), RouterHook()])
    context = RequestContext(Request({"type": "http", "headers": []}))
    assert chain.has("on_policies")
    principal = Principal.from_claims({"sub": "1"})
    assert await chain.policies(context, principal, frozenset({"a", "b", "c"})) == {"a", "b"}
    assert not HookChain([RouterHook()]).has("on_policies")

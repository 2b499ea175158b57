"""CSRF prevention (Apollo's rules) and configurable CORS."""

from __future__ import annotations

from pathlib import Path

from router.server.csrf import is_preflighted
from tests.server.stack import router_stack

REQUIRED = ("x-apollo-operation-name", "apollo-require-preflight")


def test_simple_requests_are_not_preflighted() -> None:
    assert not is_preflighted({}, REQUIRED)
    assert not is_preflighted({"content-type": "text/plain"}, REQUIRED)
    assert not is_preflighted({"content-type": "multipart/form-data; boundary=x"}, REQUIRED)
    assert not is_preflighted({"content-type": "application/x-www-form-urlencoded"}, REQUIRED)


def test_json_content_type_or_custom_header_is_preflighted() -> None:
    assert is_preflighted({"content-type": "application/json; charset=utf-8"}, REQUIRED)
    assert is_preflighted({"apollo-require-preflight": "true"}, REQUIRED)
    assert is_preflighted({"x-apollo-operation-name": "Q", "content-type": "text/plain"}, REQUIRED)


async def test_form_post_is_refused(tmp_path: Path, supergraph_sdl: str) -> None:
    async with router_stack(tmp_path, supergraph_sdl) as (client, _app):
        response = await client.post(
            "/graphql",
            content=b'{"query": "{ __typename }"}',
            headers={"content-type": "text/plain"},
        )
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "CSRF_PREVENTION"
        assert "apollo-require-preflight" in error["message"]


async def test_plain_get_is_refused_and_preflight_header_allows_it(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    async with router_stack(tmp_path, supergraph_sdl) as (client, _app):
        params = {"query": "{ __typename }"}
        refused = await client.get("/graphql", params=params)
        assert refused.status_code == 400
        assert refused.json()["errors"][0]["extensions"]["code"] == "CSRF_PREVENTION"
        allowed = await client.get(
            "/graphql", params=params, headers={"x-apollo-operation-name": "Anything"}
        )
        assert allowed.status_code == 200
        assert allowed.json() == {"data": {"__typename": "Query"}}


async def test_csrf_prevention_can_be_disabled(tmp_path: Path, supergraph_sdl: str) -> None:
    async with router_stack(tmp_path, supergraph_sdl, {"FEDRA_CSRF__ENABLED": "false"}) as (
        client,
        _app,
    ):
        response = await client.get("/graphql", params={"query": "{ __typename }"})
        assert response.status_code == 200


async def test_cors_allows_configured_origin_with_credentials(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    settings = {
        "FEDRA_CORS__ALLOW_ORIGINS": "[https://app.example.com]",
        "FEDRA_CORS__ALLOW_CREDENTIALS": "true",
    }
    async with router_stack(tmp_path, supergraph_sdl, settings) as (client, _app):
        preflight = await client.options(
            "/graphql",
            headers={
                "origin": "https://app.example.com",
                "access-control-request-method": "POST",
                "access-control-request-headers": "content-type, x-user-id",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://app.example.com"
        assert preflight.headers["access-control-allow-credentials"] == "true"
        allowed_headers = preflight.headers["access-control-allow-headers"].lower()
        assert "x-user-id" in allowed_headers

        other = await client.options(
            "/graphql",
            headers={
                "origin": "https://evil.example.net",
                "access-control-request-method": "POST",
            },
        )
        assert other.status_code == 400
        assert "access-control-allow-origin" not in other.headers

        simple = await client.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={"origin": "https://app.example.com"},
        )
        assert simple.headers["access-control-allow-origin"] == "https://app.example.com"


async def test_no_cors_headers_without_configuration(tmp_path: Path, supergraph_sdl: str) -> None:
    async with router_stack(tmp_path, supergraph_sdl) as (client, _app):
        response = await client.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={"origin": "https://app.example.com"},
        )
        assert response.status_code == 200
        assert "access-control-allow-origin" not in response.headers

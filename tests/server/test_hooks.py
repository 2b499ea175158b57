"""Python hooks at each stage of a request, loaded from the configuration by dotted path."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from starlette.responses import JSONResponse, Response

from router.gateway import GraphQLRequest
from router.server.hooks import HookError, RequestContext, RouterHook, load_hook
from tests.server.recording import HeaderRecorder
from tests.server.stack import router_stack
from tests.server.test_defer import parts_of

EVENTS: list[tuple[str, Any]] = []


class RecordingHook(RouterHook):
    async def on_http_request(self, context: RequestContext) -> Response | None:
        EVENTS.append(("http_request", context.http_request.url.path))
        if context.headers.get("x-block") == "yes":
            return JSONResponse({"errors": [{"message": "blocked by hook"}]}, status_code=403)
        context.state["tenant"] = context.headers.get("x-tenant", "none")
        return None

    async def on_operation(
        self, context: RequestContext, request: GraphQLRequest
    ) -> GraphQLRequest:
        EVENTS.append(("operation", request.operation_name))
        if request.query == "{ rewritten }":
            return replace(request, query="{ __typename }")
        return request

    async def on_subgraph_request(
        self, context: RequestContext, subgraph: str, headers: dict[str, str]
    ) -> None:
        EVENTS.append(("subgraph_request", subgraph))
        headers["x-tenant"] = context.state["tenant"]

    async def on_subgraph_response(
        self, context: RequestContext, subgraph: str, status: int | None, seconds: float
    ) -> None:
        EVENTS.append(("subgraph_response", (subgraph, status, seconds >= 0)))

    async def on_response(
        self, context: RequestContext, response: dict[str, Any]
    ) -> dict[str, Any]:
        EVENTS.append(("response", sorted(response)))
        return {**response, "extensions": {**response.get("extensions", {}), "hooked": True}}


instance_hook = RecordingHook()


async def test_every_stage_runs_in_order(
    tmp_path: Path, supergraph_sdl: str, network: bool
) -> None:
    EVENTS.clear()
    recorder = HeaderRecorder()
    settings = {"FEDRA_HOOKS": "[tests.server.test_hooks:RecordingHook]"}
    wrap = {"users": recorder.wrap}
    async with router_stack(tmp_path, supergraph_sdl, settings, wrap=wrap, network=network) as (
        client,
        _app,
    ):
        response = await client.post(
            "/graphql",
            json={"query": "query Users { users(first: 1) { edges { node { id } } } }",
                  "operationName": "Users"},
            headers={"x-tenant": "acme"},
        )  # fmt: skip
    assert response.json()["extensions"] == {"hooked": True}
    assert [name for name, _ in EVENTS] == [
        "http_request",
        "operation",
        "subgraph_request",
        "subgraph_response",
        "response",
    ]
    assert EVENTS[1] == ("operation", "Users")
    assert EVENTS[3] == ("subgraph_response", ("users", 200, True))
    assert recorder.requests[-1]["x-tenant"] == "acme"


async def test_http_hook_can_answer_and_operation_hook_can_rewrite(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    settings = {"FEDRA_HOOKS": "[tests.server.test_hooks.instance_hook]"}
    async with router_stack(tmp_path, supergraph_sdl, settings) as (client, _app):
        blocked = await client.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"x-block": "yes"}
        )
        assert blocked.status_code == 403
        rewritten = await client.post("/graphql", json={"query": "{ rewritten }"})
        assert rewritten.json()["data"] == {"__typename": "Query"}


def test_bad_hook_paths_are_reported() -> None:
    with pytest.raises(HookError, match="cannot import"):
        load_hook("tests.server.no_such_module:Hook")
    with pytest.raises(HookError, match="has no attribute"):
        load_hook("tests.server.test_hooks:Missing")
    with pytest.raises(HookError, match="expected"):
        load_hook("nodots")


class FailingHook:
    async def on_operation(
        self, context: RequestContext, request: GraphQLRequest
    ) -> GraphQLRequest:
        raise RuntimeError("hook bug")


async def test_unexpected_failure_is_a_500_graphql_error(
    tmp_path: Path, supergraph_sdl: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = {"FEDRA_HOOKS": "[tests.server.test_hooks:FailingHook]"}
    async with router_stack(tmp_path, supergraph_sdl, settings) as (client, _app):
        response = await client.post("/graphql", json={"query": "{ __typename }"})
        assert response.status_code == 500
        assert response.json() == {
            "errors": [
                {
                    "message": "Internal server error",
                    "extensions": {"code": "INTERNAL_SERVER_ERROR"},
                }
            ]
        }
        assert "hook bug" not in response.text
        assert (await client.get("/health")).status_code == 200
    assert any("unexpected error" in record.message for record in caplog.records)


class PayloadHook(RouterHook):
    """Counts the payloads it sees and marks each one it returns."""

    seen: list[list[str]] = []

    async def on_response(
        self, context: RequestContext, response: dict[str, Any]
    ) -> dict[str, Any]:
        PayloadHook.seen.append(sorted(response))
        return {**response, "extensions": {"payload": len(PayloadHook.seen)}}


async def test_on_response_sees_every_payload_of_a_streamed_response(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    PayloadHook.seen = []
    settings = {"FEDRA_HOOKS": "[tests.server.test_hooks:PayloadHook]"}
    query = (
        '{ users(first: 2) { edges { node { name ... @defer(label: "count") { orderCount } } } } }'
    )
    async with router_stack(tmp_path, supergraph_sdl, settings) as (client, _app):
        response = await client.post(
            "/graphql",
            json={"query": query},
            headers={"accept": "multipart/mixed;deferSpec=20220824"},
        )
    assert response.headers["content-type"].startswith("multipart/mixed")
    payloads = parts_of(response.content)
    assert len(payloads) >= 2
    assert [p["extensions"] for p in payloads] == [
        {"payload": n} for n in range(1, len(payloads) + 1)
    ]
    assert PayloadHook.seen[0] == ["data", "hasNext"]
    assert all("incremental" in keys for keys in PayloadHook.seen[1:-1])
    delivered = [item for p in payloads[1:] for item in p.get("incremental", ())]
    assert sorted(tuple(item["path"]) for item in delivered) == [
        ("users", "edges", 0, "node"),
        ("users", "edges", 1, "node"),
    ]
    assert payloads[-1]["hasNext"] is False

"""Subgraph error masking through the router app and the real subgraphs: redacted by default
in production, shown in development mode and when switched off, per subgraph overrides; the
original is logged with the trace id."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from router.config.resilience import ErrorsConfig
from tests.server.stack import router_stack

# users refuses page sizes over 100; orders refuses more than 100 orders per user
USERS_ERROR = "{ users(first: 500) { edges { node { id } } } }"
ORDERS_ERROR = '{ user(id: "1") { name orders(first: 1000) { id } } }'


async def test_production_redacts_subgraph_errors_and_logs_the_original(
    tmp_path: Path, supergraph_sdl: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="fedra.subgraph_errors")
    async with router_stack(tmp_path, supergraph_sdl) as (client, _app):
        body = (await client.post("/graphql", json={"query": USERS_ERROR})).json()
        assert body["data"] is None
        assert body["errors"] == [
            {
                "message": "Subgraph errors redacted",
                "path": ["users"],
                "extensions": {"code": "BAD_USER_INPUT", "serviceName": "users"},
            }
        ]
    [record] = [r for r in caplog.records if r.name == "fedra.subgraph_errors"]
    assert record.__dict__["subgraph"] == "users"
    assert record.__dict__["error_message"] == "first must be between 0 and 100, got 500"
    assert record.__dict__["path"] == ["users"]
    assert "trace_id" in record.__dict__


async def test_development_mode_shows_subgraph_errors(tmp_path: Path, supergraph_sdl: str) -> None:
    async with router_stack(tmp_path, supergraph_sdl, {"FEDRA_DEVELOPMENT": "true"}) as (
        client,
        _app,
    ):
        body = (await client.post("/graphql", json={"query": USERS_ERROR})).json()
        [error] = body["errors"]
        assert error["message"] == "first must be between 0 and 100, got 500"
        assert error["extensions"]["maximum"] == 100


async def test_per_subgraph_switch_overrides_the_global_one(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    settings = {
        "FEDRA_ERRORS__MASK_SUBGRAPH_ERRORS": "false",
        "FEDRA_ERRORS__SUBGRAPHS__ORDERS": "true",
    }
    async with router_stack(tmp_path, supergraph_sdl, settings, signed_in=True) as (client, app):
        users = (await client.post("/graphql", json={"query": USERS_ERROR})).json()
        assert users["errors"][0]["message"] == "first must be between 0 and 100, got 500"
        admin = app.state.test_keys.user(1, admin=True)
        orders = (await client.post("/graphql", json={"query": ORDERS_ERROR}, headers=admin)).json()
        assert orders["data"]["user"] is None or "name" in orders["data"]["user"]
        [error] = orders["errors"]
        assert error["message"] == "Subgraph errors redacted"
        assert error["path"][:2] == ["user", "orders"]
        assert error["extensions"]["serviceName"] == "orders"


def test_mask_settings_resolve_auto_by_mode() -> None:
    assert ErrorsConfig().masks("users", development=False)
    assert not ErrorsConfig().masks("users", development=True)
    forced = ErrorsConfig(mask_subgraph_errors=True)
    assert forced.masks("users", development=True)
    per_subgraph = ErrorsConfig(mask_subgraph_errors=False, subgraphs={"users": "auto"})
    assert not per_subgraph.masks("users", development=False)
    assert ErrorsConfig(subgraphs={"users": False}).masks("orders", development=False)
    assert not ErrorsConfig(subgraphs={"users": False}).masks("users", development=False)


async def test_the_original_error_is_an_event_on_the_request_span(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    async with router_stack(tmp_path, supergraph_sdl) as (client, app):
        exporter = InMemorySpanExporter()
        app.state.services.tracing.add_span_processor(SimpleSpanProcessor(exporter))
        body = (await client.post("/graphql", json={"query": USERS_ERROR})).json()
        assert body["errors"][0]["message"] == "Subgraph errors redacted"
    [request_span] = [s for s in exporter.get_finished_spans() if s.name == "graphql.request"]
    [event] = [e for e in request_span.events if e.name == "subgraph.error"]
    assert event.attributes is not None
    assert event.attributes["subgraph.name"] == "users"
    assert event.attributes["graphql.error.message"] == "first must be between 0 and 100, got 500"
    assert event.attributes["graphql.error.path"] == "users"

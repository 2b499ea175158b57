"""Health and readiness, Prometheus metrics, W3C trace context to subgraphs, JSON logs."""

from __future__ import annotations

import http.server
import json
import logging
import threading
from pathlib import Path
from typing import ClassVar

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from router.config.model import LoggingConfig
from router.server.json_logging import JsonFormatter, TextFormatter, configure_logging
from tests.server.recording import HeaderRecorder
from tests.server.stack import CROSS_SUBGRAPH_QUERY, router_stack

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
INCOMING_TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


async def test_health_and_ready(tmp_path: Path, supergraph_sdl: str) -> None:
    async with router_stack(tmp_path, supergraph_sdl) as (client, _app):
        health = await client.get("/health")
        assert health.status_code == 200 and health.json() == {"status": "pass"}
        ready = await client.get("/ready")
        assert ready.status_code == 200
        assert ready.json()["subgraphs"] == ["orders", "products", "users"]


async def test_not_ready_without_a_supergraph(tmp_path: Path, supergraph_sdl: str) -> None:
    async with router_stack(tmp_path, supergraph_sdl) as (client, app):
        await app.state.services.holder.aclose()
        assert (await client.get("/ready")).status_code == 503
        assert (await client.get("/health")).status_code == 200
        response = await client.post("/graphql", json={"query": "{ __typename }"})
        assert response.status_code == 503
        assert response.json()["errors"][0]["extensions"]["code"] == "NOT_READY"


def sample(metrics: str, name: str) -> float:
    """The value of one sample, ``name`` with its labels as Prometheus prints them."""
    for line in metrics.splitlines():
        if line.rsplit(" ", 1)[0] == name:
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in metrics")


async def test_metrics(tmp_path: Path, supergraph_sdl: str, network: bool) -> None:
    async with router_stack(tmp_path, supergraph_sdl, network=network) as (client, _app):
        for _ in range(3):
            await client.post("/graphql", json={"query": CROSS_SUBGRAPH_QUERY})
        await client.post("/graphql", json={"query": "{ nope }"})
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    metrics = response.text
    assert sample(metrics, 'fedra_http_requests_total{method="POST",status="200"}') == 4
    assert sample(metrics, 'fedra_http_request_duration_seconds_count{method="POST"}') == 4
    assert sample(metrics, "fedra_graphql_operations_total") == 4
    assert sample(metrics, 'fedra_graphql_errors_total{code="GRAPHQL_VALIDATION_FAILED"}') == 1
    assert sample(metrics, 'fedra_subgraph_fetch_duration_seconds_count{subgraph="users"}') == 3
    assert sample(metrics, 'fedra_subgraph_fetch_duration_seconds_count{subgraph="orders"}') >= 3
    assert sample(metrics, "fedra_plan_cache_hits_total") == 2
    assert sample(metrics, "fedra_plan_cache_misses_total") == 2
    assert sample(metrics, 'fedra_supergraph_reloads_total{outcome="loaded"}') == 1


def failing_subgraph(_app: object) -> object:
    """A subgraph that answers every request with HTTP 500."""

    async def app(scope: dict[str, object], receive: object, send: object) -> None:
        await send({"type": "http.response.start", "status": 500, "headers": []})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b"boom"})  # type: ignore[operator]

    return app


async def test_subgraph_failures_are_counted(
    tmp_path: Path, supergraph_sdl: str, network: bool
) -> None:
    wrap = {"users": failing_subgraph}
    async with router_stack(tmp_path, supergraph_sdl, wrap=wrap, network=network) as (
        client,
        _app,
    ):
        response = await client.post(
            "/graphql", json={"query": '{ user(id: "1") { name } product(id: "1") { name } }'}
        )
        metrics = (await client.get("/metrics")).text
    body = response.json()
    assert body["data"]["user"] is None and body["data"]["product"]["name"]
    assert body["errors"][0]["extensions"]["serviceName"] == "users"
    assert sample(metrics, 'fedra_subgraph_fetch_errors_total{subgraph="users"}') == 1
    assert 'fedra_subgraph_fetch_errors_total{subgraph="products"}' not in metrics


async def test_traceparent_reaches_subgraphs_in_the_callers_trace(
    tmp_path: Path, supergraph_sdl: str, network: bool
) -> None:
    users = HeaderRecorder()
    orders = HeaderRecorder()
    wrap = {"users": users.wrap, "orders": orders.wrap}
    async with router_stack(tmp_path, supergraph_sdl, wrap=wrap, network=network) as (
        client,
        app,
    ):
        exporter = InMemorySpanExporter()
        app.state.services.tracing.add_span_processor(SimpleSpanProcessor(exporter))
        response = await client.post(
            "/graphql",
            json={"query": CROSS_SUBGRAPH_QUERY},
            headers={"traceparent": INCOMING_TRACEPARENT},
        )
        assert response.status_code == 200
    sent = [users.requests[-1]["traceparent"], orders.requests[-1]["traceparent"]]
    assert all(value.split("-")[1] == TRACE_ID for value in sent)
    spans = exporter.get_finished_spans()
    by_name = {span.name: span for span in spans}
    server_span = by_name["graphql.request"]
    assert format(server_span.context.trace_id, "032x") == TRACE_ID
    subgraph_spans = [span for span in spans if span.name.startswith("subgraph ")]
    assert {span.name for span in subgraph_spans} >= {"subgraph users", "subgraph orders"}
    parents = [span.parent.span_id if span.parent else None for span in subgraph_spans]
    assert parents == [server_span.context.span_id] * len(subgraph_spans)
    # Each subgraph saw the span id of its own fetch span.
    span_ids = {format(span.context.span_id, "016x") for span in subgraph_spans}
    assert {value.split("-")[2] for value in sent} <= span_ids


async def test_tracing_can_be_disabled(tmp_path: Path, supergraph_sdl: str, network: bool) -> None:
    users = HeaderRecorder()
    settings = {"FEDRA_TELEMETRY__TRACING__ENABLED": "false"}
    wrap = {"users": users.wrap}
    async with router_stack(tmp_path, supergraph_sdl, settings, wrap=wrap, network=network) as (
        client,
        app,
    ):
        app.state.services.tracing.add_span_processor(SimpleSpanProcessor(InMemorySpanExporter()))
        await client.post(
            "/graphql",
            json={"query": '{ user(id: "1") { name } }'},
            headers={"traceparent": INCOMING_TRACEPARENT},
        )
    assert "traceparent" not in users.requests[-1]


async def test_without_an_exporter_no_span_is_made_and_the_callers_context_is_forwarded(
    tmp_path: Path, supergraph_sdl: str, network: bool
) -> None:
    users = HeaderRecorder()
    async with router_stack(
        tmp_path, supergraph_sdl, wrap={"users": users.wrap}, network=network
    ) as (client, app):
        assert not app.state.services.tracing.recording
        query = {"query": '{ user(id: "1") { name } }'}
        await client.post(
            "/graphql",
            json=query,
            headers={"traceparent": INCOMING_TRACEPARENT, "tracestate": "a=1"},
        )
        await client.post("/graphql", json=query)
        await client.post("/graphql", json=query, headers={"traceparent": "00-not-a-trace-01"})
    with_context, without_context, malformed = users.requests[-3:]
    # No span of the router's own: the subgraph's parent is the caller's span.
    assert with_context["traceparent"] == INCOMING_TRACEPARENT
    assert with_context["tracestate"] == "a=1"
    assert "traceparent" not in without_context and "traceparent" not in malformed


def test_json_formatter_writes_one_object_per_line() -> None:
    record = logging.LogRecord("fedra.access", logging.INFO, __file__, 1, "request", None, None)
    record.status = 200
    record.operations = ["Q"]
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["level"] == "info" and entry["logger"] == "fedra.access"
    assert entry["message"] == "request"
    assert entry["status"] == 200 and entry["operations"] == ["Q"]
    assert entry["time"].endswith("+00:00")


async def test_each_request_is_logged_with_its_trace_id(
    tmp_path: Path, supergraph_sdl: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="fedra.access")
    async with router_stack(tmp_path, supergraph_sdl) as (client, _app):
        await client.post(
            "/graphql",
            json={"query": "query Named { __typename }", "operationName": "Named"},
            headers={"traceparent": INCOMING_TRACEPARENT},
        )
    records = [record for record in caplog.records if record.name == "fedra.access"]
    assert records
    record = records[-1]
    assert record.__dict__["status"] == 200
    assert record.__dict__["operations"] == ["Named"]
    assert record.__dict__["trace_id"] == TRACE_ID
    assert record.__dict__["client"] == "203.0.113.7"


def test_configure_logging_installs_the_json_formatter() -> None:
    configure_logging(LoggingConfig(format="json", level="warning"))
    logger = logging.getLogger("fedra")
    try:
        assert isinstance(logger.handlers[0].formatter, JsonFormatter)
        assert logger.level == logging.WARNING
    finally:
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
        for name in ("uvicorn", "uvicorn.error"):
            logging.getLogger(name).handlers.clear()
            logging.getLogger(name).propagate = True
        logging.getLogger("uvicorn.access").disabled = False


class _TraceReceiver(http.server.BaseHTTPRequestHandler):
    bodies: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        length = int(self.headers["content-length"])
        _TraceReceiver.bodies.append(self.rfile.read(length))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return None


async def test_spans_are_exported_over_otlp(tmp_path: Path, supergraph_sdl: str) -> None:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    _TraceReceiver.bodies.clear()
    collector = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _TraceReceiver)
    thread = threading.Thread(target=collector.serve_forever, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{collector.server_address[1]}/v1/traces"
    settings = {
        "FEDRA_TELEMETRY__TRACING__EXPORTER": "otlp",
        "FEDRA_TELEMETRY__TRACING__OTLP_ENDPOINT": endpoint,
        "FEDRA_TELEMETRY__SERVICE_NAME": "router-under-test",
    }
    try:
        async with router_stack(tmp_path, supergraph_sdl, settings) as (client, _app):
            await client.post(
                "/graphql",
                json={"query": CROSS_SUBGRAPH_QUERY},
                headers={"traceparent": INCOMING_TRACEPARENT},
            )
        # Shutting the router down flushed the batch to the collector.
    finally:
        collector.shutdown()
        collector.server_close()
    names: set[str] = set()
    services: set[str] = set()
    for body in _TraceReceiver.bodies:
        request = ExportTraceServiceRequest.FromString(body)
        for resource_spans in request.resource_spans:
            for attribute in resource_spans.resource.attributes:
                if attribute.key == "service.name":
                    services.add(attribute.value.string_value)
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    names.add(span.name)
                    assert span.trace_id.hex() == TRACE_ID
    assert services == {"router-under-test"}
    assert {"graphql.request", "subgraph users", "subgraph orders"} <= names


def test_text_formatter_appends_fields() -> None:
    record = logging.LogRecord("fedra.access", logging.INFO, __file__, 1, "request", None, None)
    record.status = 200
    record.trace_id = None
    line = TextFormatter().format(record)
    assert line.endswith("INFO fedra.access request status=200")

"""The ASGI app serving one fixture subgraph at POST /graphql."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import orjson
from graphql import GraphQLSchema, graphql
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .faults import Fault, matching_fault
from .schema import build_subgraph_schema, resolve_type_by_typename
from .spec import SubgraphSpec

JSON = "application/json"


def _json_response(payload: Any, status_code: int = 200) -> Response:
    return Response(orjson.dumps(payload), status_code=status_code, media_type=JSON)


async def _sleep_unless_stopping(seconds: float, stopping: threading.Event) -> None:
    """Sleep, but wake up early when the server is being stopped."""
    await asyncio.to_thread(stopping.wait, seconds)


async def _faulty_response(fault: Fault, stopping: threading.Event) -> Response | None:
    """The response a fault replaces the real one with; None when it only delays it."""
    if fault.kind == "http_500":
        return Response(fault.body, status_code=500, media_type="text/plain")
    if fault.kind == "invalid_json":
        return Response(b'{"data": {"unterminated', media_type=JSON)
    if fault.kind == "graphql_errors":
        return _json_response(fault.response)
    if fault.kind == "slow":
        await _sleep_unless_stopping(fault.seconds, stopping)
    return None


async def _execute(schema: GraphQLSchema, request: Request, payload: Any) -> Response:
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return _json_response({"errors": [{"message": "POST body must carry a query"}]}, 400)
    result = await graphql(
        schema,
        payload["query"],
        context_value={"request": request, "headers": dict(request.headers)},
        variable_values=payload.get("variables"),
        operation_name=payload.get("operationName"),
        type_resolver=resolve_type_by_typename,
    )
    return _json_response(result.formatted)


def subgraph_app(spec: SubgraphSpec, stopping: threading.Event | None = None) -> Starlette:
    """The app for `spec`; setting `stopping` cuts injected delays short."""
    schema = build_subgraph_schema(spec)
    stop_signal = stopping if stopping is not None else threading.Event()

    async def graphql_endpoint(request: Request) -> Response:
        try:
            payload = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return _json_response({"errors": [{"message": "body is not JSON"}]}, 400)
        query = payload.get("query", "") if isinstance(payload, dict) else ""
        fault = matching_fault(spec.faults, query if isinstance(query, str) else "")
        if fault is not None:
            replaced = await _faulty_response(fault, stop_signal)
            if replaced is not None:
                return replaced
        return await _execute(schema, request, payload)

    return Starlette(routes=[Route("/graphql", graphql_endpoint, methods=["POST"])])

"""Preparing an operation: what the parser refuses, and planning off the event loop."""

from __future__ import annotations

from pathlib import Path

from router.gateway import Gateway, GatewayOptions, GraphQLRequest
from router.supergraph import read_supergraph_file

SUPERGRAPH = Path(__file__).resolve().parents[2] / "schema" / "supergraph.graphql"


async def run(query: str, options: GatewayOptions | None = None) -> dict[str, object]:
    gateway = Gateway(read_supergraph_file(str(SUPERGRAPH)), options)
    try:
        return await gateway.execute(GraphQLRequest(query=query))
    finally:
        await gateway.aclose()


async def test_an_empty_selection_set_is_a_syntax_error_with_its_location() -> None:
    response = await run("{ product(id: 1) { } }")
    assert "data" not in response
    assert response["errors"] == [
        {
            "message": "Syntax Error: Expected Name, found '}'.",
            "locations": [{"line": 1, "column": 20}],
            "extensions": {"code": "GRAPHQL_PARSE_FAILED"},
        }
    ]


async def test_documents_over_the_token_limit_are_refused() -> None:
    query = "{ " + "a: __typename " * 30 + "}"
    limited = await run(query, GatewayOptions(max_parser_tokens=50))
    [error] = limited["errors"]  # type: ignore[misc]
    assert (
        error["message"] == "Syntax Error: Document contains more than 50 tokens. Parsing aborted."
    )
    assert error["extensions"] == {"code": "GRAPHQL_PARSE_FAILED"}
    # The default limit (15,000 tokens) leaves ordinary documents alone.
    assert await run(query) == {"data": {"a": "Query"}}


async def test_planning_a_new_operation_leaves_the_event_loop_free() -> None:
    """A slow plan (here: 0.3 s) must not stall other requests on the same event loop."""
    import asyncio
    import time

    from graphql import DocumentNode

    from router.planner import plan_operation
    from router.planner.plan import QueryPlan
    from router.supergraph import Supergraph

    def slow_planner(
        supergraph: Supergraph,
        document: DocumentNode,
        operation_name: str | None,
        *,
        override_labels: frozenset[str] = frozenset(),
    ) -> QueryPlan:
        time.sleep(0.3)
        return plan_operation(supergraph, document, operation_name, override_labels=override_labels)

    gateway = Gateway(
        read_supergraph_file(str(SUPERGRAPH)),
        GatewayOptions(url_overrides={"products": "http://127.0.0.1:9/graphql"}),
        planner=slow_planner,
    )
    ticks = 0
    planning = True

    async def ticker() -> None:
        nonlocal ticks
        while planning:
            ticks += 1
            await asyncio.sleep(0.01)

    task = asyncio.create_task(ticker())
    try:
        response = await gateway.execute(GraphQLRequest(query="{ product(id: 1) { name } }"))
    finally:
        planning = False
        await task
        await gateway.aclose()
    assert response["data"] == {"product": None}  # products is unreachable: partial data
    assert ticks >= 10, f"the event loop only ran {ticks} times while planning"

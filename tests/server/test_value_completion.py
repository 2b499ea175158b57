"""Values a subgraph returns that the API schema does not allow are nulled by the router and
reported under ``extensions.valueCompletion`` (or as errors, when configured so), and counted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.server.stack import router_stack
from tests.server.test_observability import sample

QUERY = "{ topProducts(first: 2) { name } }"
# Query.topProducts is [Product!]!: an object where the list belongs cannot be completed
WRONG_SHAPE = {"data": {"topProducts": {"name": "not a list"}}}
NOT_A_LIST = {
    "message": "Invalid value for Query.topProducts: expected a list.",
    "path": ["topProducts"],
    "extensions": {"code": "INVALID_GRAPHQL"},
}


def answering(body: dict[str, Any]) -> Any:
    """Wraps a subgraph app: its GraphQL POSTs get ``body`` as the answer."""

    def wrapper(app: Any) -> Any:
        async def canned(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] != "http" or scope.get("method") != "POST":
                await app(scope, receive, send)
                return
            more = True
            while more:
                more = (await receive()).get("more_body", False)
            encoded = json.dumps(body).encode()
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": encoded})

        return canned

    return wrapper


async def test_value_completion_errors_are_reported_in_extensions(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    async with router_stack(
        tmp_path, supergraph_sdl, wrap={"products": answering(WRONG_SHAPE)}
    ) as (client, _app):
        response = await client.post("/graphql", json={"query": QUERY})
        metrics = (await client.get("/metrics")).text
    assert response.status_code == 200
    assert response.json() == {"data": None, "extensions": {"valueCompletion": [NOT_A_LIST]}}
    assert sample(metrics, "fedra_value_completion_errors_total") == 1


async def test_value_completion_errors_can_be_reported_as_errors(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    async with router_stack(
        tmp_path,
        supergraph_sdl,
        {"FEDRA_ERRORS__VALUE_COMPLETION": "errors"},
        wrap={"products": answering(WRONG_SHAPE)},
    ) as (client, _app):
        response = await client.post("/graphql", json={"query": QUERY})
    assert response.json() == {"data": None, "errors": [NOT_A_LIST]}

"""What the parser refuses before any other work: empty selection sets, oversized documents."""

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

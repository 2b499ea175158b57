"""``@defer`` over HTTP: Accept negotiation, multipart framing, payload order, authorization.

The router runs in process with the three real subgraphs (in process or over HTTP).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from router.executor.incremental import merge_incremental
from router.server.multipart import accepts_multipart
from tests.server.stack import router_stack, served_over_http

MULTIPART = "multipart/mixed;deferSpec=20220824"
DEFERRED_QUERY = (
    "query Deferred { users(first: 2) { edges { node { name "
    '... @defer(label: "count") { orderCount } } } } '
    "topProducts(first: 1) { name ... @defer { shippingEstimate { amount currency } } } }"
)
PLAIN_QUERY = (
    "query Deferred { users(first: 2) { edges { node { name orderCount } } } "
    "topProducts(first: 1) { name shippingEstimate { amount currency } } }"
)
DELIMITER = b"\r\n---\r\ncontent-type: application/json; charset=utf-8\r\n\r\n"
CLOSING = b"\r\n-----\r\n"


def parts_of(body: bytes) -> list[dict[str, Any]]:
    """The JSON payloads of a multipart/mixed body framed as the router frames it."""
    assert body.endswith(CLOSING), body[-40:]
    chunks = body[: -len(CLOSING)].split(DELIMITER)
    assert chunks[0] == b"", "the body starts with a delimiter"
    return [orjson.loads(chunk) for chunk in chunks[1:]]


async def test_multipart_response_for_a_client_accepting_it(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    async with router_stack(tmp_path, supergraph_sdl) as (client, _app):
        response = await client.post(
            "/graphql",
            json={"query": DEFERRED_QUERY},
            headers={"accept": f"{MULTIPART}, application/json;q=0.9"},
        )
        assert response.status_code == 200
        assert response.headers["content-type"] == (
            'multipart/mixed; boundary="-"; deferSpec=20220824'
        )
        payloads = parts_of(response.content)
        initial = payloads[0]
        assert initial["hasNext"] is True
        for edge in initial["data"]["users"]["edges"]:
            assert set(edge["node"]) == {"name"}
        assert set(initial["data"]["topProducts"][0]) == {"name"}
        assert payloads[-1]["hasNext"] is False
        labels = sorted(
            str(item.get("label")) for p in payloads[1:] for item in p.get("incremental", ())
        )
        assert labels == ["None", "count", "count"]
        counts = [
            item
            for p in payloads[1:]
            for item in p.get("incremental", ())
            if item.get("label") == "count"
        ]
        assert [item["path"] for item in counts] == [
            ["users", "edges", 0, "node"],
            ["users", "edges", 1, "node"],
        ]
        plain = await client.post("/graphql", json={"query": PLAIN_QUERY})
        assert merge_incremental(payloads) == plain.json()


async def test_plain_multipart_accept_without_defer_spec(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    async with router_stack(tmp_path, supergraph_sdl) as (client, _app):
        response = await client.post(
            "/graphql", json={"query": DEFERRED_QUERY}, headers={"accept": "multipart/mixed"}
        )
        assert response.headers["content-type"].startswith("multipart/mixed;")
        assert parts_of(response.content)[-1]["hasNext"] is False


async def test_json_client_gets_everything_at_once(tmp_path: Path, supergraph_sdl: str) -> None:
    async with router_stack(tmp_path, supergraph_sdl) as (client, _app):
        deferred = await client.post(
            "/graphql", json={"query": DEFERRED_QUERY}, headers={"accept": "application/json"}
        )
        plain = await client.post("/graphql", json={"query": PLAIN_QUERY})
        assert deferred.headers["content-type"].startswith("application/json")
        assert deferred.json() == plain.json()
        assert "hasNext" not in deferred.json()
        node = deferred.json()["data"]["users"]["edges"][0]["node"]
        assert set(node) == {"name", "orderCount"}


async def test_operation_without_defer_answers_json_to_a_multipart_client(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    async with router_stack(tmp_path, supergraph_sdl) as (client, _app):
        for accept in (MULTIPART, f"{MULTIPART}, application/json"):
            response = await client.post(
                "/graphql", json={"query": PLAIN_QUERY}, headers={"accept": accept}
            )
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("application/json")
            assert response.json()["data"]["topProducts"][0]["shippingEstimate"]


async def test_request_errors_of_a_deferred_operation_are_plain_json(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    async with router_stack(tmp_path, supergraph_sdl) as (client, _app):
        response = await client.post(
            "/graphql",
            json={"query": "{ topProducts(first: 1) { ... @defer { nope } } }"},
            headers={"accept": MULTIPART},
        )
        assert response.headers["content-type"].startswith("application/json")
        assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_stream_is_refused_with_a_clear_error(tmp_path: Path, supergraph_sdl: str) -> None:
    async with router_stack(tmp_path, supergraph_sdl) as (client, _app):
        response = await client.post(
            "/graphql",
            json={"query": "{ topProducts(first: 2) @stream { name } }"},
            headers={"accept": MULTIPART},
        )
        body = response.json()
        assert "data" not in body
        assert body["errors"][0]["message"].startswith("@stream is not supported")
        assert body["errors"][0]["extensions"]["code"] == "OPERATION_NOT_SUPPORTED"


async def test_batches_are_never_incremental(tmp_path: Path, supergraph_sdl: str) -> None:
    settings = {"FEDRA_BATCHING__ENABLED": "true"}
    async with router_stack(tmp_path, supergraph_sdl, settings) as (client, _app):
        response = await client.post(
            "/graphql",
            json=[{"query": DEFERRED_QUERY}, {"query": PLAIN_QUERY}],
            headers={"accept": f"{MULTIPART}, application/json"},
        )
        assert response.headers["content-type"].startswith("application/json")
        first, second = response.json()
        assert first == second


async def test_deferred_unauthorized_field_is_null_with_its_error_in_its_part(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    query = (
        "{ users(first: 1) { edges { node { name "
        '... @defer(label: "private") { orderCount orders(first: 1) { id } } } } } }'
    )
    async with router_stack(tmp_path, supergraph_sdl) as (client, _app):
        response = await client.post(
            "/graphql", json={"query": query}, headers={"accept": MULTIPART}
        )
        payloads = parts_of(response.content)
        assert "errors" not in payloads[0]
        items = [item for p in payloads[1:] for item in p.get("incremental", ())]
        assert len(items) == 1
        assert items[0]["data"]["orders"] is None
        assert isinstance(items[0]["data"]["orderCount"], int)
        codes = [error["extensions"]["code"] for error in items[0]["errors"]]
        assert codes == ["UNAUTHORIZED_FIELD_OR_TYPE"]


async def test_query_plan_of_a_deferred_operation(tmp_path: Path, supergraph_sdl: str) -> None:
    async with router_stack(tmp_path, supergraph_sdl, {"FEDRA_QUERY_PLAN__ENABLED": "true"}) as (
        client,
        _app,
    ):
        response = await client.post(
            "/graphql",
            json={"query": DEFERRED_QUERY},
            headers={"accept": MULTIPART, "x-fedra-query-plan": "true"},
        )
        initial = parts_of(response.content)[0]
        text = initial["extensions"]["queryPlan"]["text"]
        assert "Defer {" in text and "Primary {" in text
        assert 'Deferred(depends: [0], path: "users/edges/node", label: "count")' in text


class _HeldSubgraph:
    """Holds every request to a subgraph until ``release`` is set."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.release = asyncio.Event()
        self.held = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.held += 1
            await self.release.wait()
        await self.app(scope, receive, send)


async def test_initial_part_reaches_the_client_before_deferred_fetches_finish(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    """Over a real socket: the first part arrives while the subgraph of the deferred fields
    still holds their fetch; the rest follows once it answers."""
    held: list[_HeldSubgraph] = []

    def hold(app: Any) -> _HeldSubgraph:
        held.append(_HeldSubgraph(app))
        return held[-1]

    async with (
        router_stack(tmp_path, supergraph_sdl, wrap={"orders": hold}) as (_client, app),
        served_over_http({"router": app}) as urls,
        httpx.AsyncClient(timeout=30) as client,
        client.stream(
            "POST", urls["router"], json={"query": DEFERRED_QUERY}, headers={"accept": MULTIPART}
        ) as response,
    ):
        assert response.headers["content-type"].startswith("multipart/mixed")
        received = b""
        chunks = response.aiter_raw()
        first: dict[str, Any] | None = None
        while first is None:  # until the first part is complete
            received += await asyncio.wait_for(anext(chunks), 10)
            pieces = received.split(DELIMITER)
            if len(pieces) >= 2:
                try:
                    first = orjson.loads(pieces[1])
                except orjson.JSONDecodeError:
                    continue
        assert first["hasNext"] is True
        assert held[0].held >= 1, "the deferred fetch is still held by the subgraph"
        held[0].release.set()
        async for chunk in chunks:
            received += chunk
        payloads = parts_of(received)
        assert payloads[-1]["hasNext"] is False
        assert merge_incremental(payloads)["data"]["users"]["edges"][0]["node"]["orderCount"] >= 0


async def test_request_timeout_ends_the_stream_with_an_error(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    """A deferred fetch that outlasts ``limits.request_timeout``: the initial part stays
    delivered, the stream ends with a REQUEST_TIMEOUT error and ``hasNext: false``."""
    held: list[_HeldSubgraph] = []

    def hold(app: Any) -> _HeldSubgraph:
        held.append(_HeldSubgraph(app))
        return held[-1]

    settings = {"FEDRA_LIMITS__REQUEST_TIMEOUT": "1"}
    async with router_stack(tmp_path, supergraph_sdl, settings, wrap={"orders": hold}) as (
        client,
        _app,
    ):
        response = await client.post(
            "/graphql", json={"query": DEFERRED_QUERY}, headers={"accept": MULTIPART}
        )
        held[0].release.set()
        payloads = parts_of(response.content)
        assert payloads[0]["hasNext"] is True and payloads[0]["data"]["users"]
        assert payloads[-1]["hasNext"] is False
        (item,) = payloads[-1]["incremental"]
        assert item["errors"][0]["extensions"]["code"] == "REQUEST_TIMEOUT"


@pytest.mark.parametrize(
    ("accept", "incremental"),
    [
        ("multipart/mixed;deferSpec=20220824", True),
        ('multipart/mixed; deferSpec="20220824", application/json', True),
        ("application/json, multipart/mixed", True),
        ("Multipart/Mixed", True),
        ("multipart/mixed;deferSpec=20220824;q=0", False),
        ("multipart/mixed;deferSpec=20990101", False),
        ("multipart/mixed;subscriptionSpec=1.0", False),
        ("application/json", False),
        ("*/*", False),
        (None, False),
    ],
)
def test_which_accept_headers_ask_for_incremental_delivery(
    accept: str | None, incremental: bool
) -> None:
    assert accepts_multipart(accept) is incremental


async def test_defer_if_variable_is_chosen_per_request_from_one_plan(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    query = (
        "query Q($d: Boolean) { users(first: 2) { edges { node { name "
        '... @defer(if: $d, label: "count") { orderCount } } } } }'
    )
    plain = "{ users(first: 2) { edges { node { name orderCount } } } }"
    async with router_stack(tmp_path, supergraph_sdl) as (client, _app):
        expected = (await client.post("/graphql", json={"query": plain})).json()
        for variables, streamed in (({"d": True}, True), ({"d": False}, False), ({}, True)):
            response = await client.post(
                "/graphql",
                json={"query": query, "variables": variables},
                headers={"accept": MULTIPART},
            )
            is_multipart = response.headers["content-type"].startswith("multipart/mixed")
            assert is_multipart is streamed, variables
            body = merge_incremental(parts_of(response.content)) if streamed else response.json()
            assert body == expected, variables


TWO_CONDITIONS = (
    "query Q($a: Boolean, $b: Boolean) { users(first: 2) { edges { node { name "
    '... @defer(if: $a, label: "count") { orderCount } } } } '
    "topProducts(first: 1) { name ... @defer(if: $b) { shippingEstimate { amount currency } } } }"
)


@pytest.mark.parametrize("limit", ["4", "1"])
async def test_defer_if_variables_over_the_limit_are_planned_per_combination(
    tmp_path: Path, supergraph_sdl: str, limit: str
) -> None:
    environ = {"FEDRA_QUERY_PLAN__ENABLED": "true", "FEDRA_PLANNING__MAX_DEFER_CONDITIONS": limit}
    async with router_stack(tmp_path, supergraph_sdl, environ) as (client, _app):
        expected = (await client.post("/graphql", json={"query": PLAIN_QUERY})).json()
        for a in (True, False):
            for b in (True, False):
                response = await client.post(
                    "/graphql",
                    json={"query": TWO_CONDITIONS, "variables": {"a": a, "b": b}},
                    headers={"accept": MULTIPART, "x-fedra-query-plan": "true"},
                )
                if not (a or b):
                    assert response.headers["content-type"].startswith("application/json")
                    assert response.json()["data"] == expected["data"]
                    continue
                parts = parts_of(response.content)
                assert merge_incremental(parts) == expected, (a, b)
                text = parts[0]["extensions"]["queryPlan"]["text"]
                # within the limit one plan holds both conditions; over it, this request's plan
                assert ("Condition(if: $a)" in text) is (limit == "4"), text
                assert text.count("Deferred(") == a + b or limit == "4", text

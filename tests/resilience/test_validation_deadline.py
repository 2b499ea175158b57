"""Validation bounded in time: a document that keeps graphql-core's overlapping-fields rule
busy for seconds is refused after ``limits.max_validation_ms`` with VALIDATION_TIMEOUT."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from router.gateway import Gateway, GatewayOptions
from router.supergraph import read_supergraph
from tests.server.stack import router_stack

GRAPHQL_RESPONSE = {"accept": "application/graphql-response+json"}
# 1,600 fields of one response name with conflicting arguments: under the parser's token
# limit, quadratic for OverlappingFieldsCanBeMerged.
CONFLICTS = "{ me { " + " ".join(f"orders(first: {i}) {{ id }}" for i in range(1600)) + " } }"


async def test_a_slow_document_is_refused_at_the_deadline(
    tmp_path: Path, supergraph_sdl: str
) -> None:
    settings = {"FEDRA_LIMITS__MAX_VALIDATION_MS": "200"}
    async with router_stack(tmp_path, supergraph_sdl, settings, signed_in=True) as (client, app):
        started = time.perf_counter()
        response = await client.post(
            "/graphql", json={"query": CONFLICTS}, headers=GRAPHQL_RESPONSE
        )
        elapsed = time.perf_counter() - started
        assert response.status_code == 400
        [error] = response.json()["errors"]
        assert error == {
            "message": "Validation exceeded the max_validation_ms limit (200 ms)",
            "extensions": {"code": "VALIDATION_TIMEOUT"},
        }
        assert elapsed < 3.0  # parse + 200 ms of validation, on a loaded machine
        ok = await client.post(
            "/graphql",
            json={"query": "{ me { orders(first: 1) { id } } }"},
            headers=app.state.test_keys.user(1),
        )
        assert ok.status_code == 200
        assert "errors" not in ok.json()


def test_without_a_deadline_the_same_document_takes_far_longer(supergraph_sdl: str) -> None:
    supergraph = read_supergraph(supergraph_sdl)

    def seconds(milliseconds: float | None) -> tuple[float, list[str]]:
        gateway = Gateway(supergraph, GatewayOptions(max_validation_ms=milliseconds))
        started = time.perf_counter()
        prepared = gateway.prepare(CONFLICTS, None)
        return time.perf_counter() - started, [e["message"] for e in prepared.errors or []]

    bounded, bounded_errors = seconds(100)
    unbounded, unbounded_errors = seconds(None)
    assert bounded_errors == ["Validation exceeded the max_validation_ms limit (100 ms)"]
    assert unbounded_errors != bounded_errors
    assert unbounded > 3 * bounded


def test_the_deadline_ends_with_its_block(supergraph_sdl: str) -> None:
    from graphql import parse, specified_rules, validate

    from router.gateway.validation_deadline import (
        DeadlineRule,
        ValidationDeadlineExceeded,
        validation_deadline,
    )

    schema = read_supergraph(supergraph_sdl).api_schema
    document = parse("{ me { id } }")
    rules = (DeadlineRule, *specified_rules)
    with validation_deadline(1), pytest.raises(ValidationDeadlineExceeded):
        time.sleep(0.01)
        validate(schema, document, rules)
    assert validate(schema, document, rules) == []

"""@apollo/gateway, run on the live fixture subgraphs, answers what the corpus recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import REQUIRE_NODE, require

from .compare import assert_conforms
from .fixture import Fixture, all_fixtures
from .node_harness import GatewayResult, node_unavailable_reason, run_gateway
from .servers import serve_subgraphs

pytestmark = pytest.mark.node

_RESULTS: dict[Path, dict[str, GatewayResult]] = {}


def _require_node() -> None:
    reason = node_unavailable_reason()
    require(
        REQUIRE_NODE, None if reason is None else f"@apollo/gateway harness unavailable: {reason}"
    )


def _gateway_results(fixture: Fixture) -> dict[str, GatewayResult]:
    """One gateway process per fixture, shared by all of its operations' tests."""
    if fixture.path not in _RESULTS:
        operations = fixture.operations()
        with serve_subgraphs(fixture.subgraphs()) as urls:
            results = run_gateway(fixture, urls, operations)
        _RESULTS[fixture.path] = {
            operation.name: result for operation, result in zip(operations, results, strict=True)
        }
    return _RESULTS[fixture.path]


def _cases() -> list[Any]:
    return [
        pytest.param(fixture, operation.name, id=f"{fixture.name}/{operation.name}")
        for fixture in all_fixtures()
        if fixture.gateway_unsupported is None
        for operation in fixture.operations()
    ]


_UNSUPPORTED = [f for f in all_fixtures() if f.gateway_unsupported is not None]


@pytest.mark.parametrize("fixture", _UNSUPPORTED, ids=[f.name for f in _UNSUPPORTED])
def test_gateway_still_refuses_what_it_cannot_serve(fixture: Fixture) -> None:
    """The reason such a fixture holds hand-checked answers instead of recordings is current."""
    _require_node()
    with serve_subgraphs(fixture.subgraphs()) as urls, pytest.raises(RuntimeError) as refused:
        run_gateway(fixture, urls, fixture.operations()[:1])
    assert "UNSUPPORTED_LINKED_FEATURE" in str(refused.value)


@pytest.mark.parametrize(("fixture", "op_name"), _cases())
def test_gateway_reproduces_recording(fixture: Fixture, op_name: str) -> None:
    _require_node()
    operation = next(op for op in fixture.operations() if op.name == op_name)
    assert operation.expected_path.exists(), "not recorded: run python -m tests.conformance.record"
    expected = orjson.loads(operation.expected_path.read_bytes())
    assert_conforms(_gateway_results(fixture)[op_name].response, expected)


def test_every_operation_is_recorded() -> None:
    missing = [
        f"{fixture.name}/{operation.name}"
        for fixture in all_fixtures()
        for operation in fixture.operations()
        if not operation.plan_path.exists()
        or not (
            operation.correct_path
            if fixture.gateway_unsupported is not None
            else operation.expected_path
        ).exists()
    ]
    assert missing == []


def test_every_apollo_deviation_has_a_correct_answer() -> None:
    missing = [
        f"{fixture.name}/{operation.name}"
        for fixture in all_fixtures()
        for operation in fixture.operations()
        if operation.apollo_differs is not None and not operation.correct_path.exists()
    ]
    assert missing == []


def test_every_fixture_is_composed() -> None:
    assert [f.name for f in all_fixtures() if not f.supergraph_path.exists()] == []

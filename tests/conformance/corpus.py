"""The conformance corpus as test cases, for any router under test.

for case in iter_cases():
    with running_fixture(case.fixture_dir) as urls:
        response = my_router(case.supergraph_sdl, urls).execute(case.query, ...)
        assert_conforms(response, case.expected)      # from tests.conformance.compare
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from .fixture import Fixture, all_fixtures
from .servers import serve_subgraphs


@dataclass(frozen=True)
class Case:
    fixture_dir: Path
    op_name: str
    query: str
    variables: dict[str, Any] | None
    operation_name: str | None
    headers: dict[str, str]
    expected: dict[str, Any]
    subgraph_timeout_ms: int | None
    timeout_subgraphs: tuple[str, ...] | None
    apollo_differs: str | None
    """Why @apollo/gateway's recorded answer is wrong; `expected` is then the correct one."""
    gateway_unsupported: str | None = None
    """Why @apollo/gateway cannot serve the fixture; `expected` is then the correct answer."""

    @property
    def id(self) -> str:
        return f"{self.fixture_dir.name}/{self.op_name}"

    @property
    def supergraph_sdl(self) -> str:
        return (self.fixture_dir / "supergraph.graphql").read_text(encoding="utf-8")


def iter_cases(fixture_names: list[str] | None = None) -> list[Case]:
    """Every recorded operation of every fixture (or of the fixtures named).

    `expected` is @apollo/gateway's recorded answer, except where the operation documents that
    Apollo answers wrongly (`apollo_differs`) or the gateway cannot serve the fixture at all
    (`gatewayUnsupported`): then it is the hand-checked correct answer.
    """
    cases: list[Case] = []
    for fixture in all_fixtures(fixture_names):
        unsupported = fixture.gateway_unsupported
        for operation in fixture.operations():
            expected_path = operation.expected_path
            if operation.apollo_differs is not None or unsupported is not None:
                expected_path = operation.correct_path
            if not expected_path.exists():
                continue
            cases.append(
                Case(
                    fixture_dir=fixture.path,
                    op_name=operation.name,
                    query=operation.query,
                    variables=operation.variables,
                    operation_name=operation.operation_name,
                    headers=operation.headers,
                    expected=orjson.loads(expected_path.read_bytes()),
                    subgraph_timeout_ms=fixture.subgraph_timeout_ms,
                    timeout_subgraphs=fixture.timeout_subgraphs,
                    apollo_differs=operation.apollo_differs,
                    gateway_unsupported=unsupported,
                )
            )
    return cases


@contextmanager
def running_fixture(fixture_dir: Path) -> Iterator[dict[str, str]]:
    """Serve the fixture's subgraphs; yields `{subgraph name: url}` overrides."""
    with serve_subgraphs(Fixture(fixture_dir).subgraphs()) as urls:
        yield urls

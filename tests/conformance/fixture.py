"""The on-disk layout of one conformance fixture.

fixtures/<feature>/
    fixture.json               optional: {"description": ..., "subgraphTimeoutMs": ...,
                                          "gatewayUnsupported": why @apollo/gateway cannot
                                          serve the supergraph}
    subgraphs/<name>.graphql   subgraph SDL
    subgraphs/<name>.py        its data and resolvers (see runtime.spec)
    supergraph.graphql         composed by @apollo/composition
    operations/<op>.graphql    the client operation
    operations/<op>.json       optional: {"variables", "operationName", "headers",
                                          "apolloDiffers": why Apollo's answer is wrong}
    operations/<op>.expected.json   @apollo/gateway's response
    operations/<op>.apollo-plan.txt Apollo's query plan, for reference
    operations/<op>.correct.json    with apolloDiffers or gatewayUnsupported: the correct
                                    response (gatewayUnsupported: no expected.json, and the
                                    plan is @apollo/query-planner's, as Apollo Router plans)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from .runtime import SubgraphSpec, load_subgraph

FIXTURES_DIR = Path(__file__).parent / "fixtures"


def placeholder_url(subgraph_name: str) -> str:
    """The routing URL composition records; every run overrides it."""
    return f"http://{subgraph_name}.fixture.invalid/graphql"


@dataclass(frozen=True)
class Operation:
    fixture_dir: Path
    name: str
    query: str
    variables: dict[str, Any] | None = None
    operation_name: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    apollo_differs: str | None = None

    @property
    def correct_path(self) -> Path:
        return self.fixture_dir / "operations" / f"{self.name}.correct.json"

    @property
    def expected_path(self) -> Path:
        return self.fixture_dir / "operations" / f"{self.name}.expected.json"

    @property
    def plan_path(self) -> Path:
        return self.fixture_dir / "operations" / f"{self.name}.apollo-plan.txt"

    def request(self) -> dict[str, Any]:
        """The operation as the gateway harness (and any router test) sends it."""
        return {
            "query": self.query,
            "variables": self.variables,
            "operationName": self.operation_name,
            "headers": self.headers,
        }


@dataclass(frozen=True)
class Fixture:
    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def config(self) -> dict[str, Any]:
        config_path = self.path / "fixture.json"
        if not config_path.exists():
            return {}
        loaded: dict[str, Any] = orjson.loads(config_path.read_bytes())
        return loaded

    @property
    def subgraph_timeout_ms(self) -> int | None:
        timeout = self.config.get("subgraphTimeoutMs")
        return int(timeout) if timeout is not None else None

    @property
    def timeout_subgraphs(self) -> tuple[str, ...] | None:
        """The subgraphs ``subgraphTimeoutMs`` applies to (None: all of them): a short timeout
        for the one slow subgraph leaves the others room on a busy machine."""
        names = self.config.get("timeoutSubgraphs")
        return tuple(str(name) for name in names) if names is not None else None

    @property
    def gateway_unsupported(self) -> str | None:
        """Why @apollo/gateway refuses the supergraph (a feature only Apollo Router serves)."""
        reason = self.config.get("gatewayUnsupported")
        return str(reason) if reason is not None else None

    @property
    def supergraph_path(self) -> Path:
        return self.path / "supergraph.graphql"

    def subgraph_sdl_paths(self) -> list[Path]:
        return sorted((self.path / "subgraphs").glob("*.graphql"))

    def subgraphs(self) -> list[SubgraphSpec]:
        return [load_subgraph(path) for path in self.subgraph_sdl_paths()]

    def operations(self) -> list[Operation]:
        return [_read_operation(self.path, path) for path in self.operation_paths()]

    def operation_paths(self) -> list[Path]:
        return sorted((self.path / "operations").glob("*.graphql"))


def _read_operation(fixture_dir: Path, query_path: Path) -> Operation:
    options_path = query_path.with_suffix(".json")
    options: dict[str, Any] = {}
    if options_path.exists():
        options = orjson.loads(options_path.read_bytes())
    return Operation(
        fixture_dir=fixture_dir,
        name=query_path.stem,
        query=query_path.read_text(encoding="utf-8"),
        variables=options.get("variables"),
        operation_name=options.get("operationName"),
        headers=dict(options.get("headers", {})),
        apollo_differs=options.get("apolloDiffers"),
    )


def all_fixtures(names: list[str] | None = None) -> list[Fixture]:
    """Every fixture folder (or only those named), sorted by name."""
    fixtures = [Fixture(path) for path in sorted(FIXTURES_DIR.iterdir()) if path.is_dir()]
    if names:
        unknown = set(names) - {fixture.name for fixture in fixtures}
        if unknown:
            raise ValueError(f"unknown fixtures: {sorted(unknown)}")
        fixtures = [fixture for fixture in fixtures if fixture.name in names]
    return fixtures

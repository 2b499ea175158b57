"""The authorization fixtures: subgraphs, their supergraph by either composer, and cases.

fixtures/<name>/
    subgraphs/<subgraph>.graphql   subgraph SDL; <subgraph>.py its data (tests.conformance.runtime)
    supergraph.apollo.graphql      composed by @apollo/composition (``python -m
                                   tests.gateway.authorization.record``)
    cases/<case>.graphql           the operation
    cases/<case>.json              optional: {"principal": verified claims (absent: anonymous),
                                   "policies": the policies a hook says are satisfied,
                                   "rejectUnauthorized": bool, "variables": {...}}
    cases/<case>.expected.json     {"response": ..., "fetches": {subgraph: fetch count}}

The same cases run against the supergraph our composer builds and the one Apollo's builds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import orjson

from router.auth.principal import ANONYMOUS, Principal
from router.compose.api import SubgraphSource, compose
from tests.compose.fixture_sets import FixtureSubgraph
from tests.conformance.fixture import placeholder_url
from tests.conformance.runtime import SubgraphSpec, load_subgraph

FIXTURES_DIR = Path(__file__).parent / "fixtures"
APOLLO_SUPERGRAPH = "supergraph.apollo.graphql"

Composer = Literal["fedra", "apollo"]
COMPOSERS: tuple[Composer, ...] = ("fedra", "apollo")


@dataclass(frozen=True)
class Case:
    fixture_dir: Path
    name: str
    query: str
    claims: dict[str, Any] | None = None
    policies: frozenset[str] = frozenset()
    reject_unauthorized: bool = False
    variables: dict[str, Any] | None = None
    expected: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.fixture_dir.name}/{self.name}"

    @property
    def expected_path(self) -> Path:
        return self.fixture_dir / "cases" / f"{self.name}.expected.json"

    @property
    def principal(self) -> Principal:
        return ANONYMOUS if self.claims is None else Principal.from_claims(self.claims, "token")


def fixture_dirs() -> list[Path]:
    return sorted(path for path in FIXTURES_DIR.iterdir() if path.is_dir())


def subgraph_sdl_paths(fixture_dir: Path) -> list[Path]:
    return sorted((fixture_dir / "subgraphs").glob("*.graphql"))


def subgraph_specs(fixture_dir: Path) -> list[SubgraphSpec]:
    return [load_subgraph(path) for path in subgraph_sdl_paths(fixture_dir)]


def fixture_subgraphs(fixture_dir: Path) -> list[FixtureSubgraph]:
    return [
        FixtureSubgraph(path.stem, placeholder_url(path.stem), path.read_text("utf-8"), path)
        for path in subgraph_sdl_paths(fixture_dir)
    ]


def supergraph_sdl(fixture_dir: Path, composer: Composer) -> str:
    """The fixture's supergraph: composed now by ours, or as @apollo/composition recorded it."""
    if composer == "apollo":
        return (fixture_dir / APOLLO_SUPERGRAPH).read_text("utf-8")
    result = compose(
        [
            SubgraphSource(sub.name, sub.url, sub.sdl, str(sub.path))
            for sub in fixture_subgraphs(fixture_dir)
        ]
    )
    if result.supergraph_sdl is None:
        raise AssertionError(f"{fixture_dir.name} does not compose: {result.errors}")
    return result.supergraph_sdl


def cases(fixture_dir: Path) -> list[Case]:
    found: list[Case] = []
    for query_path in sorted((fixture_dir / "cases").glob("*.graphql")):
        options_path = query_path.with_suffix(".json")
        options: dict[str, Any] = (
            orjson.loads(options_path.read_bytes()) if options_path.exists() else {}
        )
        name = query_path.stem
        expected_path = fixture_dir / "cases" / f"{name}.expected.json"
        found.append(
            Case(
                fixture_dir=fixture_dir,
                name=name,
                query=query_path.read_text("utf-8"),
                claims=options.get("principal"),
                policies=frozenset(options.get("policies", ())),
                reject_unauthorized=bool(options.get("rejectUnauthorized", False)),
                variables=options.get("variables"),
                expected=orjson.loads(expected_path.read_bytes()) if expected_path.exists() else {},
            )
        )
    return found


def all_cases() -> list[Case]:
    return [case for fixture_dir in fixture_dirs() for case in cases(fixture_dir)]

"""Calls fedra's composer (router.compose) on a fixture set, failing the test if it is missing."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType

import pytest

from tests.compose.fixture_sets import FixtureSubgraph


@dataclass(frozen=True, slots=True)
class FedraError:
    code: str
    message: str
    subgraph: str | None
    line: int | None
    column: int | None

    def describe(self) -> str:
        where = ""
        if self.subgraph is not None:
            where = f" [{self.subgraph}"
            where += f":{self.line}:{self.column}]" if self.line is not None else "]"
        return f"{self.code}{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class FedraOutcome:
    supergraph_sdl: str | None
    errors: tuple[FedraError, ...]

    @property
    def ok(self) -> bool:
        return self.supergraph_sdl is not None and not self.errors

    @property
    def error_codes(self) -> frozenset[str]:
        return frozenset(error.code for error in self.errors)


CONTRACT_NAMES = ("compose", "SubgraphSource")


def _composer_module() -> ModuleType:
    try:
        module = importlib.import_module("router.compose")
    except ImportError as exc:
        pytest.fail(f"fedra's composer is not importable: `router.compose` ({exc})", pytrace=False)
    missing = [name for name in CONTRACT_NAMES if not hasattr(module, name)]
    if missing:
        pytest.fail(f"`router.compose` does not export {', '.join(missing)} yet", pytrace=False)
    return module


def _optional_int(value: object) -> int | None:
    return value if isinstance(value, int) else None


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def compose_with_fedra(subgraphs: Sequence[FixtureSubgraph]) -> FedraOutcome:
    """Run `router.compose.compose` over the fixture's subgraphs and capture what it returned."""
    module = _composer_module()
    sources = [
        module.SubgraphSource(name=sub.name, url=sub.url, sdl=sub.sdl, path=str(sub.path))
        for sub in subgraphs
    ]
    result = module.compose(sources)
    errors = tuple(
        FedraError(
            code=str(error.code),
            message=str(error.message),
            subgraph=_optional_str(getattr(error, "subgraph", None)),
            line=_optional_int(getattr(error, "line", None)),
            column=_optional_int(getattr(error, "column", None)),
        )
        for error in result.errors
    )
    return FedraOutcome(supergraph_sdl=_optional_str(result.supergraph_sdl), errors=errors)

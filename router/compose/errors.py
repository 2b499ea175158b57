"""Composition errors and hints: Apollo's codes, with the subgraph and line they come from."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import Node
from graphql.language.location import get_location


@dataclass(frozen=True, slots=True)
class CompositionError:
    """One composition problem (an error, or a hint when non-fatal)."""

    code: str
    message: str
    subgraph: str | None = None
    line: int | None = None  # 1-based, in that subgraph's SDL
    column: int | None = None

    def __str__(self) -> str:
        where = ""
        if self.subgraph is not None:
            where = f" [{self.subgraph}"
            if self.line is not None:
                where += f":{self.line}:{self.column or 1}"
            where += "]"
        return f"{self.code}{where}: {self.message}"


def location_of(node: Node | None) -> tuple[int | None, int | None]:
    """1-based line and column of ``node`` in the SDL it was parsed from."""
    if node is None or node.loc is None or node.loc.source is None:
        return None, None
    location = get_location(node.loc.source, node.loc.start)
    return location.line, location.column


@dataclass(slots=True)
class Diagnostics:
    """Collects errors and hints while composing."""

    errors: list[CompositionError] = field(default_factory=list)
    hints: list[CompositionError] = field(default_factory=list)

    def error(
        self, code: str, message: str, subgraph: str | None = None, node: Node | None = None
    ) -> None:
        line, column = location_of(node)
        self.errors.append(CompositionError(code, message, subgraph, line, column))

    def hint(
        self, code: str, message: str, subgraph: str | None = None, node: Node | None = None
    ) -> None:
        line, column = location_of(node)
        self.hints.append(CompositionError(code, message, subgraph, line, column))

    def failed(self) -> bool:
        return bool(self.errors)

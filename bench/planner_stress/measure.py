"""Build a generated supergraph with fedra's composer and time the planning of its operations."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field

from graphql import parse, validate

from bench.planner_stress.generate import GeneratedGraph
from router.compose.api import compose
from router.planner import PlanningBudget, PlanningError, plan_operation
from router.supergraph.model import Supergraph

OVER_DEADLINE = "over deadline"


class CompositionFailed(RuntimeError):
    """A generated supergraph did not compose: the generator is wrong."""


@dataclass
class OperationFigures:
    name: str
    # "ok"; "budget exceeded" (planning raised PlanningError); "over deadline" (planned, but
    # slower than the budget's max_seconds, which did not stop it); "invalid" (a bad operation)
    status: str
    detail: str = ""
    planning_ms: list[float] = field(default_factory=list)
    options_explored: int = 0
    fetches: int = 0

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.planning_ms) if self.planning_ms else 0.0

    @property
    def max_ms(self) -> float:
        return max(self.planning_ms, default=0.0)


@dataclass
class CaseFigures:
    name: str
    description: str
    subgraphs: int
    supergraph_bytes: int
    compose_ms: float
    query_graph_ms: float
    operations: list[OperationFigures] = field(default_factory=list)


def build_supergraph(graph: GeneratedGraph) -> tuple[Supergraph, float, int]:
    """The composed supergraph (as a router loads it), composition time in ms, SDL size."""
    started = time.perf_counter()
    result = compose(list(graph.sources))
    elapsed_ms = 1000 * (time.perf_counter() - started)
    if not result.ok or result.supergraph is None or result.supergraph_sdl is None:
        messages = "; ".join(str(error) for error in result.errors[:5])
        raise CompositionFailed(f"{graph.name} does not compose: {messages}")
    return result.supergraph, elapsed_ms, len(result.supergraph_sdl.encode())


def measure_case(
    graph: GeneratedGraph, description: str, repeats: int, budget: PlanningBudget
) -> CaseFigures:
    supergraph, compose_ms, size = build_supergraph(graph)
    started = time.perf_counter()
    supergraph.query_planner.query_graph()
    query_graph_ms = 1000 * (time.perf_counter() - started)
    figures = CaseFigures(
        name=graph.name,
        description=description,
        subgraphs=len(graph.sources),
        supergraph_bytes=size,
        compose_ms=round(compose_ms, 1),
        query_graph_ms=round(query_graph_ms, 1),
    )
    for name, text in graph.operations.items():
        figures.operations.append(_measure_operation(supergraph, name, text, repeats, budget))
    return figures


def _measure_operation(
    supergraph: Supergraph, name: str, text: str, repeats: int, budget: PlanningBudget
) -> OperationFigures:
    figures = OperationFigures(name=name, status="ok")
    document = parse(text)
    errors = validate(supergraph.api_schema, document)
    if errors:
        figures.status, figures.detail = "invalid", "; ".join(e.message for e in errors[:3])
        return figures
    for _ in range(repeats):
        started = time.perf_counter()
        try:
            plan = plan_operation(supergraph, document, budget=budget)
        except PlanningError as error:
            figures.planning_ms.append(1000 * (time.perf_counter() - started))
            figures.status, figures.detail = "budget exceeded", str(error)
            return figures
        figures.planning_ms.append(1000 * (time.perf_counter() - started))
        figures.options_explored = plan.stats.get("options_explored", 0)
        figures.fetches = plan.stats.get("fetches", 0)
    if figures.max_ms > 1000 * budget.max_seconds:
        figures.status = OVER_DEADLINE
        figures.detail = (
            f"planned in up to {figures.max_ms / 1000:.1f} s although the budget's deadline is "
            f"{budget.max_seconds} s: the deadline was not enforced"
        )
    return figures

"""Planning errors and the planning budget that bounds the search."""

from __future__ import annotations

import time
from dataclasses import dataclass


class PlanningError(Exception):
    """The operation cannot be planned (unreachable field, budget exceeded, bad input)."""


@dataclass(frozen=True, slots=True)
class PlanningBudget:
    """Upper bounds on one planning run: options explored and wall-clock seconds; and how many
    ``@defer(if: $variable)`` variables one operation is planned for in advance (a plan for
    each of their 2ⁿ values; with more, each combination a request uses is planned then)."""

    max_options: int = 200_000
    max_seconds: float = 5.0
    max_defer_conditions: int = 4


class BudgetTracker:
    """Counts explored options against a ``PlanningBudget``; raises when it is exceeded."""

    def __init__(self, budget: PlanningBudget) -> None:
        self.budget = budget
        self.options = 0
        self.started = time.monotonic()

    def spend(self, count: int = 1) -> None:
        self.options += count
        if self.options > self.budget.max_options:
            raise PlanningError(
                f"query planning exceeded its budget of {self.budget.max_options} explored options"
            )
        if self.options % 32 == 0:
            self.check_deadline()

    def check_deadline(self) -> None:
        """Raises once planning has run past its deadline; cheap enough for any inner loop."""
        if self.elapsed() > self.budget.max_seconds:
            raise PlanningError(
                f"query planning exceeded its deadline of {self.budget.max_seconds} seconds"
            )

    def elapsed(self) -> float:
        return time.monotonic() - self.started

"""The outcome of ``fedra check`` and how it prints, for people and for machines."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from router.check.composition import format_composition_error
from router.check.diff import SchemaChange, Severity
from router.check.operations import OperationProblem
from router.compose import CompositionError


@dataclass(slots=True)
class CheckReport:
    base: str | None
    composition_errors: list[CompositionError] = field(default_factory=list)
    changes: list[SchemaChange] = field(default_factory=list)
    operation_problems: list[OperationProblem] = field(default_factory=list)
    operations_checked: int = 0
    stale: bool | None = None  # the base differs from the composed supergraph
    require_up_to_date: bool = False

    @property
    def breaking(self) -> list[SchemaChange]:
        return [c for c in self.changes if c.severity is Severity.BREAKING]

    @property
    def passed(self) -> bool:
        return not (
            self.composition_errors
            or self.breaking
            or self.operation_problems
            or (self.require_up_to_date and self.stale)
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "base": self.base,
            "compositionErrors": [
                {
                    "code": e.code,
                    "message": e.message,
                    "subgraph": e.subgraph,
                    "line": e.line,
                    "column": e.column,
                }
                for e in self.composition_errors
            ],
            "changes": [c.as_dict() for c in self.changes],
            "operations": {
                "checked": self.operations_checked,
                "problems": [p.as_dict() for p in self.operation_problems],
            },
            "stale": self.stale,
        }

    def format_text(self) -> str:
        lines: list[str] = []
        if self.composition_errors:
            lines.append(f"Composition failed ({len(self.composition_errors)} error(s)):")
            lines += [f"  {format_composition_error(e)}" for e in self.composition_errors]
        if self.base is None:
            lines.append("No base supergraph: schema changes not checked.")
        elif not self.composition_errors:
            for severity in Severity:
                selected = [c for c in self.changes if c.severity is severity]
                if selected:
                    lines.append(f"{severity.value.capitalize()} changes ({len(selected)}):")
                    lines += [f"  {c.code}: {c.message}" for c in selected]
            if not self.changes:
                lines.append(f"No schema changes against {self.base}.")
            if self.stale:
                marker = "error" if self.require_up_to_date else "note"
                lines.append(f"{marker}: {self.base} is not the composed supergraph (stale).")
        if self.operations_checked or self.operation_problems:
            lines.append(
                f"Operations: {self.operations_checked} checked, "
                f"{len(self.operation_problems)} problem(s)."
            )
            lines += [f"  {p.format()}" for p in self.operation_problems]
        lines.append("Check passed." if self.passed else "Check failed.")
        return "\n".join(lines) + "\n"

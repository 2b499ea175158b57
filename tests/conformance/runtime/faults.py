"""Failures a fixture subgraph can be told to show, for the gateway's error handling tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

FaultKind = Literal["http_500", "invalid_json", "slow", "graphql_errors", "down"]
FAULT_KINDS: tuple[FaultKind, ...] = ("http_500", "invalid_json", "slow", "graphql_errors", "down")


@dataclass(frozen=True)
class Fault:
    """One failure mode; `when` limits it to requests whose query contains that text."""

    kind: FaultKind
    when: str | None = None
    seconds: float = 0.0
    body: str = "Internal Server Error"
    response: dict[str, Any] = field(default_factory=dict)

    def applies_to(self, query: str) -> bool:
        return self.when is None or self.when in query


def fault_from_data(data: dict[str, Any]) -> Fault:
    """Read a fault from the plain dict a fixture's resolver module declares in FAULTS."""
    kind = data["kind"]
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
    return Fault(
        kind=kind,
        when=data.get("when"),
        seconds=float(data.get("seconds", 0.0)),
        body=str(data.get("body", "Internal Server Error")),
        response=dict(data.get("response", {})),
    )


def matching_fault(faults: tuple[Fault, ...], query: str) -> Fault | None:
    return next((fault for fault in faults if fault.applies_to(query)), None)

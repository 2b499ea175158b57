"""Which cores the gateway under test gets, and which the subgraphs and the load generator share."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CpuPlan:
    gateway: list[int] = field(default_factory=list)
    load: list[int] = field(default_factory=list)


def plan_cpus(usable: list[int], pin: bool) -> CpuPlan:
    """The last usable core for the gateway, the others for subgraphs and wrk; no pinning on a
    single core (or when asked), where every process shares whatever there is."""
    if not pin or len(usable) < 2:
        return CpuPlan()
    return CpuPlan(gateway=[usable[-1]], load=usable[:-1])

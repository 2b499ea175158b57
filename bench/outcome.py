"""What a benchmark run found, gateway by gateway: the types the runner fills and the
report prints."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.load import LoadResult

OK = "ok"
PENDING = "pending"
WRONG_ANSWER = "wrong answer"
WRONG_UNDER_LOAD = "wrong answers under load"
FAILED = "failed"


@dataclass(frozen=True)
class RoundResult:
    """One measured load run of one gateway, with the CPU it and the subgraphs used meanwhile."""

    load: LoadResult
    gateway_cpu_percent: float
    subgraphs_cpu_percent: float

    @property
    def requests_per_cpu_second(self) -> float:
        """Throughput per second of the gateway's own CPU time: what the gateway costs, less
        swayed than requests/s by other work on a shared machine."""
        busy = self.gateway_cpu_percent / 100
        return self.load.requests_per_s / busy if busy > 0 else 0.0


@dataclass
class GatewayOutcome:
    name: str
    version: str
    status: str = PENDING
    detail: str = ""
    answer_bytes: int = 0
    subgraph_fetches: dict[str, int] = field(default_factory=dict)
    rounds: list[RoundResult] = field(default_factory=list)
    log_path: str = ""
    log_tail: str = ""

    @property
    def total_fetches(self) -> int:
        return sum(self.subgraph_fetches.values())

    @property
    def typical_round(self) -> RoundResult | None:
        """The round with the median throughput (the lower middle one of an even count)."""
        if not self.rounds:
            return None
        ordered = sorted(self.rounds, key=lambda round_: round_.load.requests_per_s)
        return ordered[(len(ordered) - 1) // 2]

    @property
    def load(self) -> LoadResult | None:
        typical = self.typical_round
        return None if typical is None else typical.load

    @property
    def measured(self) -> bool:
        return self.status == OK and self.load is not None

    def fail(self, status: str, detail: str, log_tail: str = "") -> None:
        self.status = status
        self.detail = detail
        self.log_tail = log_tail


@dataclass
class RunOutcome:
    started_at: str
    quick: bool
    machine: dict[str, str | int]
    settings: dict[str, object]
    gateways: list[GatewayOutcome] = field(default_factory=list)

    def gateway(self, name: str) -> GatewayOutcome | None:
        return next((outcome for outcome in self.gateways if outcome.name == name), None)

"""The soak's figures, computed from what the run recorded: every answer (when it was sent, how
long it took, what it was), the samples taken every second (router RSS, breaker state and
transitions) and the windows during which the flapping subgraph was down."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    FULL = "full"  # 200, data, no errors
    PARTIAL = "partial"  # 200, data with errors (expected while a subgraph is down)
    ERRORS = "errors"  # 200, a GraphQL answer with errors and no data
    WRONG = "wrong"  # 200, data without errors, but not the data of the reference answer
    FAILED = "failed"  # no answer, a 5xx or another non-200 status, or not a GraphQL answer


@dataclass(frozen=True, slots=True)
class Answer:
    sent_s: float  # since the load started
    latency_s: float
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class Sample:
    at_s: float  # since the load started
    rss_kib: int  # the router's processes together
    circuit_state: dict[str, int] = field(default_factory=dict)  # 0 closed, 1 half-open, 2 open
    transitions: dict[str, float] = field(default_factory=dict)  # "subgraph:state" -> count


@dataclass(frozen=True, slots=True)
class Window:
    """The flapping subgraph was down from ``start_s`` (killed) to ``end_s`` (listening again);
    it was started again at ``restart_s``."""

    start_s: float
    end_s: float
    restart_s: float

    def holds(self, at_s: float) -> bool:
        return self.start_s <= at_s < self.end_s


@dataclass(frozen=True, slots=True)
class Bucket:
    second: int
    full: int = 0
    partial: int = 0
    errors: int = 0
    wrong: int = 0
    failed: int = 0

    @property
    def served(self) -> int:
        return self.full + self.partial + self.errors


@dataclass(frozen=True, slots=True)
class Latency:
    count: int
    p50_ms: float
    p99_ms: float
    max_ms: float


@dataclass(frozen=True, slots=True)
class Summary:
    duration_s: float
    requests: int
    requests_per_s: float
    outcomes: dict[str, int]
    partial_rate: float  # answers with errors (partial or no data) per request
    failed_rate: float  # requests failed outright or answered wrong, per request
    latency: Latency
    latency_down: Latency
    latency_up: Latency
    rss_start_kib: int
    rss_end_kib: int
    rss_max_kib: int
    transitions: dict[str, float]  # entered during the run, "subgraph:state" -> count
    states_seen: dict[str, list[int]]  # subgraph -> breaker states observed in the samples
    down_s: float
    flaps: int
    startup_s: float  # the longest time from start command to listening, after a kill

    @property
    def failed_outright(self) -> bool:
        return self.outcomes[Outcome.FAILED] + self.outcomes[Outcome.WRONG] > 0


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def latency_of(answers: Sequence[Answer]) -> Latency:
    values = [a.latency_s * 1000 for a in answers]
    return Latency(
        count=len(values),
        p50_ms=percentile(values, 50),
        p99_ms=percentile(values, 99),
        max_ms=max(values, default=0.0),
    )


def buckets(answers: Sequence[Answer], duration_s: float) -> list[Bucket]:
    """Answers per second of the run, by outcome (by the second the request was sent in)."""
    seconds = max(1, math.ceil(duration_s))
    counts: list[dict[Outcome, int]] = [dict.fromkeys(Outcome, 0) for _ in range(seconds)]
    for answer in answers:
        index = min(seconds - 1, max(0, int(answer.sent_s)))
        counts[index][answer.outcome] += 1
    return [
        Bucket(
            second=index,
            full=c[Outcome.FULL],
            partial=c[Outcome.PARTIAL],
            errors=c[Outcome.ERRORS],
            wrong=c[Outcome.WRONG],
            failed=c[Outcome.FAILED],
        )
        for index, c in enumerate(counts)
    ]


def transitions_during(samples: Sequence[Sample]) -> dict[str, float]:
    """Breaker transitions counted between the first sample and the last."""
    if not samples:
        return {}
    first, last = samples[0].transitions, samples[-1].transitions
    changed = {key: last[key] - first.get(key, 0.0) for key in last}
    return {key: count for key, count in sorted(changed.items()) if count}


def states_seen(samples: Sequence[Sample]) -> dict[str, list[int]]:
    seen: dict[str, set[int]] = {}
    for sample in samples:
        for subgraph, state in sample.circuit_state.items():
            seen.setdefault(subgraph, set()).add(state)
    return {subgraph: sorted(states) for subgraph, states in sorted(seen.items())}


def summarise(
    answers: Sequence[Answer],
    samples: Sequence[Sample],
    windows: Sequence[Window],
    duration_s: float,
) -> Summary:
    outcomes = {outcome.value: 0 for outcome in Outcome}
    for answer in answers:
        outcomes[answer.outcome] += 1
    requests = len(answers)
    down = [a for a in answers if any(w.holds(a.sent_s) for w in windows)]
    up = [a for a in answers if not any(w.holds(a.sent_s) for w in windows)]
    with_errors = outcomes[Outcome.PARTIAL] + outcomes[Outcome.ERRORS]
    rss = [s.rss_kib for s in samples]
    return Summary(
        duration_s=duration_s,
        requests=requests,
        requests_per_s=requests / duration_s if duration_s else 0.0,
        outcomes=outcomes,
        partial_rate=with_errors / requests if requests else 0.0,
        failed_rate=(outcomes[Outcome.FAILED] + outcomes[Outcome.WRONG]) / requests
        if requests
        else 0.0,
        latency=latency_of(answers),
        latency_down=latency_of(down),
        latency_up=latency_of(up),
        rss_start_kib=rss[0] if rss else 0,
        rss_end_kib=rss[-1] if rss else 0,
        rss_max_kib=max(rss, default=0),
        transitions=transitions_during(samples),
        states_seen=states_seen(samples),
        down_s=sum(w.end_s - w.start_s for w in windows),
        flaps=len(windows),
        startup_s=max((w.end_s - w.restart_s for w in windows), default=0.0),
    )


def _latency_row(name: str, latency: Latency) -> str:
    return (
        f"| {name} | {latency.count} | {latency.p50_ms:.1f} | {latency.p99_ms:.1f}"
        f" | {latency.max_ms:.1f} |"
    )


def markdown(
    summary: Summary,
    per_second: Sequence[Bucket],
    settings: Mapping[str, object],
    machine: Mapping[str, object],
    when: str,
    errors_seen: Mapping[str, int],
) -> str:
    s = summary
    verdict = (
        f"**yes: {s.outcomes[Outcome.FAILED]} requests failed, {s.outcomes[Outcome.WRONG]} "
        "answered wrong**"
        if s.failed_outright
        else "no (every request got a GraphQL answer with HTTP 200)"
    )
    lines = [
        f"# Soak with a flapping subgraph — {when}",
        "",
        "`python -m bench.soak`: " + ", ".join(f"{k}: {v}" for k, v in settings.items()) + ".",
        "",
        f"- duration: {s.duration_s:.1f} s; the flapping subgraph was down {s.flaps} times, "
        f"{s.down_s:.1f} s in all (from the kill until it listened again; its startup took up "
        f"to {s.startup_s:.1f} s)",
        f"- requests: {s.requests} ({s.requests_per_s:.1f} req/s)",
        f"- answers: {s.outcomes[Outcome.FULL]} full, {s.outcomes[Outcome.PARTIAL]} partial "
        f"(data with errors), {s.outcomes[Outcome.ERRORS]} errors without data, "
        f"{s.outcomes[Outcome.WRONG]} wrong, {s.outcomes[Outcome.FAILED]} failed (no answer or "
        "non-200)",
        f"- error rate: {s.partial_rate:.2%} answers with errors, {s.failed_rate:.2%} failed",
        f"- the router failed a request outright: {verdict}",
        f"- router RSS: {s.rss_start_kib / 1024:.1f} MiB at start, {s.rss_end_kib / 1024:.1f} "
        f"MiB at end, {s.rss_max_kib / 1024:.1f} MiB max",
        "- breaker transitions: "
        + (", ".join(f"{k} {v:.0f}" for k, v in s.transitions.items()) or "none"),
        "- breaker states sampled (0 closed, 1 half-open, 2 open): "
        + (", ".join(f"{k} {v}" for k, v in s.states_seen.items()) or "none"),
        "",
        "| requests sent | count | p50 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|",
        _latency_row("all", s.latency),
        _latency_row("while the subgraph was down", s.latency_down),
        _latency_row("while it was up", s.latency_up),
        "",
        "Errors in the answers (code: message), most frequent first:",
        "",
        *(
            f"- {count}: `{text}`"
            for text, count in sorted(errors_seen.items(), key=lambda item: -item[1])[:10]
        ),
        "",
        "Per second (full / partial / errors / wrong / failed), ten seconds a line:",
        "",
        "```",
    ]
    for start in range(0, len(per_second), 10):
        row = per_second[start : start + 10]
        cells = " ".join(f"{b.full}/{b.partial}/{b.errors}/{b.wrong}/{b.failed}" for b in row)
        lines.append(f"{start:4d}s {cells}")
    lines += [
        "```",
        "",
        "Machine: " + ", ".join(f"{k}: {v}" for k, v in machine.items()),
        "",
    ]
    return "\n".join(lines)

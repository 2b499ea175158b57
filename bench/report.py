"""The results of a run: a table on the terminal, and JSON + Markdown files in bench/results."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import orjson

from bench.gateways import APOLLO_GATEWAY, FEDRA
from bench.outcome import GatewayOutcome, RunOutcome

LATENCY_COLUMNS = ("p50", "p90", "p99")


def ratios(
    run: RunOutcome, numerator: str = FEDRA, denominator: str = APOLLO_GATEWAY
) -> dict[str, float] | None:
    """fedra / apollo-gateway: throughput (higher is better) and latency (lower is better)."""
    top, bottom = run.gateway(numerator), run.gateway(denominator)
    if top is None or bottom is None or not (top.measured and bottom.measured):
        return None
    assert top.load is not None and bottom.load is not None
    top_round, bottom_round = top.typical_round, bottom.typical_round
    assert top_round is not None and bottom_round is not None
    found = {
        "requests_per_s": _ratio(top.load.requests_per_s, bottom.load.requests_per_s),
        "requests_per_cpu_second": _ratio(
            top_round.requests_per_cpu_second, bottom_round.requests_per_cpu_second
        ),
    }
    for column in LATENCY_COLUMNS:
        found[f"latency_{column}"] = _ratio(
            top.load.latency_ms[column], bottom.load.latency_ms[column]
        )
    return found


def _peers(run: RunOutcome) -> list[str]:
    """Every gateway of the run but fedra itself, apollo-gateway first."""
    names = [outcome.name for outcome in run.gateways if outcome.name != FEDRA]
    return sorted(names, key=lambda name: name != APOLLO_GATEWAY)


def _ratio_line(run: RunOutcome, peer: str) -> str | None:
    found = ratios(run, FEDRA, peer)
    if found is None:
        return None
    return (
        f"- {FEDRA} / {peer}: req/s x{found['requests_per_s']}, "
        f"req/CPU-s x{found['requests_per_cpu_second']}, "
        + ", ".join(f"{c} x{found[f'latency_{c}']}" for c in LATENCY_COLUMNS)
    )


def _ratio(top: float, bottom: float) -> float:
    return round(top / bottom, 3) if bottom else float("nan")


def as_json(run: RunOutcome) -> bytes:
    document = dataclasses.asdict(run)
    for record, outcome in zip(document["gateways"], run.gateways, strict=True):
        typical = outcome.typical_round
        record["typical_round"] = None
        if typical is not None:
            record["typical_round"] = {
                **dataclasses.asdict(typical),
                "requests_per_cpu_second": round(typical.requests_per_cpu_second, 2),
            }
    document["ratios"] = {f"{FEDRA}/{peer}": ratios(run, FEDRA, peer) for peer in _peers(run)}
    return orjson.dumps(document, option=orjson.OPT_INDENT_2)


def table(run: RunOutcome) -> str:
    header = ["gateway", "status", "req/s", *(f"{c} ms" for c in LATENCY_COLUMNS), "requests"]
    header += ["failures", "gateway CPU", "req/CPU-s", "subgraphs CPU", "fetches"]
    rows = [header, ["---"] * len(header)]
    rows.extend(_row(outcome) for outcome in run.gateways)
    lines = ["| " + " | ".join(row) + " |" for row in rows]
    ratio_lines = [_ratio_line(run, peer) for peer in _peers(run)]
    present = [line for line in ratio_lines if line is not None]
    if present:
        lines.append("")
        lines.extend(present)
    problems = [o for o in run.gateways if o.status != "ok" or (o.load and o.load.failures)]
    for outcome in problems:
        lines.append("")
        lines.append(f"{outcome.name} ({outcome.status}): {outcome.detail}")
        last_lines = outcome.log_tail.strip().splitlines()[-3:]
        lines.extend(f"    {line}" for line in last_lines)
        if outcome.log_path:
            lines.append(f"    (log: {outcome.log_path})")
    return "\n".join(lines)


def _row(outcome: GatewayOutcome) -> list[str]:
    typical = outcome.typical_round
    if typical is None:
        return [outcome.name, outcome.status, *["-"] * (len(LATENCY_COLUMNS) + 7)]
    load = typical.load
    return [
        outcome.name,
        outcome.status,
        f"{load.requests_per_s:.1f}",
        *(f"{load.latency_ms[c]:.1f}" for c in LATENCY_COLUMNS),
        str(load.requests),
        str(load.failures),
        _percent(typical.gateway_cpu_percent),
        f"{typical.requests_per_cpu_second:.1f}",
        _percent(typical.subgraphs_cpu_percent),
        str(outcome.total_fetches),
    ]


def _fetches(outcome: GatewayOutcome) -> str:
    parts = ", ".join(f"{name} {count}" for name, count in outcome.subgraph_fetches.items())
    return f"{outcome.total_fetches} ({parts})"


def _rounds(outcome: GatewayOutcome) -> str:
    return ", ".join(f"{round_.load.requests_per_s:.1f}" for round_ in outcome.rounds)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}%"


def markdown(run: RunOutcome) -> str:
    machine = run.machine
    lines = [
        f"# Gateway benchmark, {run.started_at}" + (" (quick)" if run.quick else ""),
        "",
        "Workload: the public federation gateway benchmark (four subgraphs, `TestQuery`), "
        "answers checked against `bench/workload/expected.json` before any load.",
        "",
        "## Machine",
        "",
        *(f"- {key}: {value}" for key, value in machine.items()),
        "",
        "## Settings",
        "",
        *(f"- {key}: {value}" for key, value in run.settings.items()),
        "",
        "## Gateways",
        "",
        *(f"- {o.name}: {o.version}" for o in run.gateways),
        "",
        "Subgraph requests per `TestQuery` (the fetches of each gateway's plan):",
        "",
        *(f"- {o.name}: {_fetches(o)}" for o in run.gateways if o.subgraph_fetches),
        "",
        "## Results",
        "",
        "Each gateway's figures are those of its median round (by requests/s).",
        "",
        table(run),
        "",
        "Requests/s of every round:",
        "",
        *(f"- {o.name}: {_rounds(o)}" for o in run.gateways if o.rounds),
        "",
    ]
    return "\n".join(lines)


def write_results(run: RunOutcome, results_dir: Path) -> tuple[Path, Path]:
    results_dir.mkdir(parents=True, exist_ok=True)
    host = re.sub(r"[^A-Za-z0-9_.-]", "-", str(run.machine.get("host", "host")))
    stamp = run.started_at.replace(":", "")
    stem = f"{stamp}-{host}" + ("-quick" if run.quick else "")
    json_path = results_dir / f"{stem}.json"
    markdown_path = results_dir / f"{stem}.md"
    json_path.write_bytes(as_json(run) + b"\n")
    markdown_path.write_text(markdown(run), encoding="utf-8")
    return json_path, markdown_path

"""The planner stress run as a table, JSON and Markdown, and compared with a baseline run."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from bench.planner_stress.measure import CaseFigures

BASELINE_NAME = "planner-stress-baseline.json"


@dataclass
class StressRun:
    started_at: str
    quick: bool
    machine: dict[str, str | int]
    budget: dict[str, float]
    repeats: int
    cases: list[CaseFigures] = field(default_factory=list)


def as_document(run: StressRun) -> dict[str, Any]:
    cases = []
    for case in run.cases:
        operations = [
            {
                "name": op.name,
                "status": op.status,
                "detail": op.detail,
                "planning_ms_p50": round(op.p50_ms, 2),
                "planning_ms_max": round(op.max_ms, 2),
                "planning_ms": [round(ms, 2) for ms in op.planning_ms],
                "options_explored": op.options_explored,
                "fetches": op.fetches,
            }
            for op in case.operations
        ]
        cases.append(
            {
                "name": case.name,
                "description": case.description,
                "subgraphs": case.subgraphs,
                "supergraph_bytes": case.supergraph_bytes,
                "compose_ms": case.compose_ms,
                "query_graph_ms": case.query_graph_ms,
                "operations": operations,
            }
        )
    return {
        "started_at": run.started_at,
        "quick": run.quick,
        "machine": run.machine,
        "budget": run.budget,
        "repeats": run.repeats,
        "cases": cases,
    }


def table(run: StressRun) -> str:
    header = ["case", "subgraphs", "compose ms", "query graph ms", "operation", "status"]
    header += ["plan p50 ms", "plan max ms", "options explored", "fetches"]
    rows = [header, ["---"] * len(header)]
    for case in run.cases:
        for op in case.operations:
            rows.append(
                [
                    case.name,
                    str(case.subgraphs),
                    f"{case.compose_ms:.0f}",
                    f"{case.query_graph_ms:.0f}",
                    op.name,
                    op.status,
                    f"{op.p50_ms:.1f}",
                    f"{op.max_ms:.1f}",
                    str(op.options_explored),
                    str(op.fetches),
                ]
            )
    lines = ["| " + " | ".join(row) + " |" for row in rows]
    for case in run.cases:
        for op in case.operations:
            if op.status != "ok":
                lines.append(f"\n{case.name} / {op.name}: {op.status}: {op.detail}")
    return "\n".join(lines)


def load_baseline(path: Path) -> dict[str, Any] | None:
    try:
        document: dict[str, Any] = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    return document


def comparison(run: StressRun, baseline: dict[str, Any]) -> str:
    """Per operation present in both: planning p50 and options explored, now / baseline."""
    before = {
        (case["name"], op["name"]): op
        for case in baseline.get("cases", [])
        for op in case.get("operations", [])
    }
    lines = ["| case | operation | plan p50 now/before | options now/before | fetches now/before |"]
    lines.append("| --- | --- | --- | --- | --- |")
    for case in run.cases:
        for op in case.operations:
            old = before.get((case.name, op.name))
            if old is None:
                continue
            p50 = _ratio(op.p50_ms, float(old["planning_ms_p50"]))
            options = _ratio(op.options_explored, float(old["options_explored"]))
            fetches = f"{op.fetches}/{old['fetches']}"
            lines.append(f"| {case.name} | {op.name} | x{p50} | x{options} | {fetches} |")
    return "\n".join(lines)


def _ratio(now: float, before: float) -> str:
    return f"{now / before:.2f}" if before else "-"


def markdown(run: StressRun) -> str:
    lines = [
        f"# Planner stress set, {run.started_at}" + (" (quick)" if run.quick else ""),
        "",
        "Generated supergraphs composed by fedra's composer (`router/compose`), operations "
        "planned by fedra's planner; `python -m bench.planner_stress`.",
        "",
        "## Machine",
        "",
        *(f"- {key}: {value}" for key, value in run.machine.items()),
        "",
        "## Settings",
        "",
        f"- planning budget: {run.budget['max_options']} options, {run.budget['max_seconds']} s",
        f"- plannings per operation: {run.repeats}",
        "",
        "## Cases",
        "",
        *(
            f"- {case.name}: {case.description}; supergraph {case.supergraph_bytes} bytes"
            for case in run.cases
        ),
        "",
        "## Results",
        "",
        table(run),
        "",
    ]
    return "\n".join(lines)


def write_run(run: StressRun, results_dir: Path, as_baseline: bool = False) -> list[Path]:
    results_dir.mkdir(parents=True, exist_ok=True)
    host = re.sub(r"[^A-Za-z0-9_.-]", "-", str(run.machine.get("host", "host")))
    stamp = run.started_at.replace(":", "")
    stem = f"{stamp}-planner-stress-{host}" + ("-quick" if run.quick else "")
    document = orjson.dumps(as_document(run), option=orjson.OPT_INDENT_2) + b"\n"
    json_path, markdown_path = results_dir / f"{stem}.json", results_dir / f"{stem}.md"
    json_path.write_bytes(document)
    markdown_path.write_text(markdown(run), encoding="utf-8")
    written = [json_path, markdown_path]
    if as_baseline:
        baseline = results_dir / BASELINE_NAME
        baseline.write_bytes(document)
        written.append(baseline)
    return written

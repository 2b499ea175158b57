"""Planner stress set: ``python -m bench.planner_stress [--quick] [--repeats N]``.

Large generated supergraphs (see ``bench/planner_stress/generate.py``), composed by fedra's own
composer, and wide operations over them. Prints and writes, per case, the supergraph build time
(composition; query graph) and, per operation, planning time (p50 / max over the repeats),
options explored and fetches, against the default planning budget. The figures of a run are
compared with ``bench/results/planner-stress-baseline.json`` when it exists.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench.machine import describe_machine
from bench.planner_stress.cases import CASES, QUICK_CASES
from bench.planner_stress.measure import CaseFigures, CompositionFailed, measure_case
from bench.planner_stress.report import (
    BASELINE_NAME,
    StressRun,
    comparison,
    load_baseline,
    table,
    write_run,
)
from bench.workload import BENCH_DIR
from router.planner import PlanningBudget

RESULTS_DIR = BENCH_DIR / "results"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.planner_stress", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    parser.add_argument("--repeats", type=int, default=5, help="plannings per operation")
    parser.add_argument("--cases", nargs="+", help="only these cases (by name)")
    parser.add_argument("--max-options", type=int, default=PlanningBudget().max_options)
    parser.add_argument("--max-seconds", type=float, default=PlanningBudget().max_seconds)
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument(
        "--baseline", type=Path, help=f"compare with this run (default: results/{BASELINE_NAME})"
    )
    parser.add_argument(
        "--write-baseline", action="store_true", help=f"also write the run as {BASELINE_NAME}"
    )
    parser.add_argument("--no-write", action="store_true", help="print only, write no files")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    budget = PlanningBudget(max_options=args.max_options, max_seconds=args.max_seconds)
    repeats = 1 if args.quick else args.repeats
    cases = QUICK_CASES if args.quick else CASES
    if args.cases:
        cases = tuple(case for case in cases if case.name in args.cases)
    run = StressRun(
        started_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        quick=args.quick,
        machine=describe_machine(),
        budget={"max_options": budget.max_options, "max_seconds": budget.max_seconds},
        repeats=repeats,
    )
    for case in cases:
        print(f"planner-stress: {case.name}", file=sys.stderr, flush=True)
        try:
            figures: CaseFigures = measure_case(case.build(), case.description, repeats, budget)
        except CompositionFailed as error:
            print(f"planner-stress: {error}", file=sys.stderr)
            return 2
        run.cases.append(figures)
    print(table(run))
    baseline_path = args.baseline or args.results_dir / BASELINE_NAME
    baseline = load_baseline(baseline_path)
    if baseline is not None:
        print(f"\nagainst {baseline_path.name}:\n{comparison(run, baseline)}")
    if not args.no_write:
        for path in write_run(run, args.results_dir, as_baseline=args.write_baseline):
            print(f"results: {path}")
    # A blown budget is a finding of the run (reported); an invalid operation is a bug here.
    invalid = [o for c in run.cases for o in c.operations if o.status == "invalid"]
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main())

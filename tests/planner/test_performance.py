"""Planning the benchmark's deep query stays well within budget (plans are cached anyway)."""

from __future__ import annotations

import time
from pathlib import Path

from graphql import parse

from router.planner import plan_operation
from router.supergraph import read_supergraph_file

WORKLOAD = Path(__file__).resolve().parents[2] / "bench" / "workload"


def test_bench_query_plans_in_under_50_ms() -> None:
    supergraph = read_supergraph_file(str(WORKLOAD / "supergraph.graphql"))
    document = parse((WORKLOAD / "query.graphql").read_text(encoding="utf-8"))
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        plan = plan_operation(supergraph, document)
        timings.append(time.perf_counter() - started)
    # entity fetches into one subgraph at one depth share a request (multi-path Flatten)
    assert plan.stats["fetches"] == 7
    assert min(timings) < 0.050, f"planning took {min(timings) * 1000:.1f} ms"

"""The soak's figures from a handful of recorded answers and samples, and its answer check."""

from __future__ import annotations

import orjson
import pytest

from bench.soak import breaker_metrics
from bench.soak_load import classify
from bench.soak_report import (
    Answer,
    Outcome,
    Sample,
    Window,
    buckets,
    markdown,
    percentile,
    summarise,
)

DATA = {"users": {"edges": [{"node": {"id": "1"}}]}, "customer": {"orderCount": 2}}
ANSWERS = [
    Answer(0.1, 0.010, Outcome.FULL),
    Answer(0.5, 0.020, Outcome.FULL),
    Answer(1.2, 0.002, Outcome.PARTIAL),  # while down
    Answer(1.4, 0.004, Outcome.PARTIAL),  # while down
    Answer(1.9, 0.100, Outcome.ERRORS),  # while down
    Answer(2.5, 0.030, Outcome.FULL),
    Answer(3.0, 0.040, Outcome.FAILED),
]
WINDOWS = [Window(start_s=1.0, end_s=2.0, restart_s=1.5)]
SAMPLES = [
    Sample(0.0, 70_000, {}, {}),
    Sample(1.0, 72_000, {"orders": 2}, {"orders:open": 1.0}),
    Sample(2.0, 75_000, {"orders": 1}, {"orders:open": 1.0, "orders:half_open": 1.0}),
    Sample(
        3.0, 71_000, {"orders": 0}, {"orders:open": 1, "orders:half_open": 1, "orders:closed": 1}
    ),
]


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([7.0], 99) == 7
    assert percentile([], 50) == 0


def test_the_summary_counts_outcomes_latencies_rss_and_transitions() -> None:
    summary = summarise(ANSWERS, SAMPLES, WINDOWS, duration_s=3.5)
    assert summary.requests == 7
    assert summary.requests_per_s == pytest.approx(2.0)
    assert summary.outcomes == {"full": 3, "partial": 2, "errors": 1, "wrong": 0, "failed": 1}
    assert summary.partial_rate == pytest.approx(3 / 7)
    assert summary.failed_rate == pytest.approx(1 / 7)
    assert summary.failed_outright
    assert summary.latency.count == 7
    assert summary.latency.p50_ms == pytest.approx(20)
    assert summary.latency.p99_ms == pytest.approx(100)
    assert summary.latency_down.count == 3
    assert summary.latency_down.p50_ms == pytest.approx(4)
    assert summary.latency_down.max_ms == pytest.approx(100)
    assert summary.latency_up.count == 4
    assert summary.latency_up.p50_ms == pytest.approx(20)
    assert (summary.rss_start_kib, summary.rss_end_kib, summary.rss_max_kib) == (
        70_000,
        71_000,
        75_000,
    )
    assert summary.transitions == {"orders:closed": 1, "orders:half_open": 1, "orders:open": 1}
    assert summary.states_seen == {"orders": [0, 1, 2]}
    assert summary.down_s == pytest.approx(1.0)
    assert summary.startup_s == pytest.approx(0.5)
    assert summary.flaps == 1


def test_transitions_are_counted_from_the_first_sample() -> None:
    later = [SAMPLES[1], SAMPLES[3]]
    assert summarise(ANSWERS, later, WINDOWS, 3.5).transitions == {
        "orders:closed": 1,
        "orders:half_open": 1,
    }


def test_a_run_without_failures_did_not_fail_outright() -> None:
    served = [a for a in ANSWERS if a.outcome is not Outcome.FAILED]
    summary = summarise(served, SAMPLES, WINDOWS, 3.5)
    assert not summary.failed_outright
    assert summary.failed_rate == 0


def test_answers_are_bucketed_by_the_second_they_were_sent_in() -> None:
    per_second = buckets(ANSWERS, duration_s=3.5)
    assert [b.second for b in per_second] == [0, 1, 2, 3]
    assert [(b.full, b.partial, b.errors, b.failed) for b in per_second] == [
        (2, 0, 0, 0),
        (0, 2, 1, 0),
        (1, 0, 0, 0),
        (0, 0, 0, 1),
    ]
    assert per_second[1].served == 3


def test_the_markdown_report_shows_the_verdict_and_the_figures() -> None:
    summary = summarise(ANSWERS, SAMPLES, WINDOWS, 3.5)
    text = markdown(summary, buckets(ANSWERS, 3.5), {"duration": "3 s"}, {"host": "h"}, "now", {})
    assert "**yes: 1 requests failed, 0 answered wrong**" in text
    assert "| while the subgraph was down | 3 | 4.0 | 100.0 | 100.0 |" in text
    assert "68.4 MiB at start" in text
    assert "   0s 2/0/0/0/0 0/2/1/0/0 1/0/0/0/0 0/0/0/0/1" in text


@pytest.mark.parametrize(
    ("status", "answer", "outcome"),
    [
        (200, {"data": DATA}, Outcome.FULL),
        (200, {"data": {**DATA, "customer": None}}, Outcome.WRONG),
        (200, {"data": {**DATA, "customer": None}, "errors": [{"message": "x"}]}, Outcome.PARTIAL),
        (200, {"data": None, "errors": [{"message": "x"}]}, Outcome.ERRORS),
        (200, {"something": "else"}, Outcome.FAILED),
        (502, {"data": DATA}, Outcome.FAILED),
    ],
)
def test_answers_are_classified(status: int, answer: object, outcome: Outcome) -> None:
    assert classify(status, orjson.dumps(answer), DATA).outcome is outcome


def test_errors_are_named_by_code_and_message_without_their_numbers() -> None:
    error = {
        "message": "circuit open (next attempt in 2.5s) for http://127.0.0.1:4003",
        "extensions": {"code": "SUBREQUEST_CIRCUIT_OPEN"},
    }
    result = classify(200, orjson.dumps({"data": DATA, "errors": [error]}), DATA)
    assert result.errors == (
        "SUBREQUEST_CIRCUIT_OPEN: circuit open (next attempt in Ns) for http://N.N:N",
    )
    assert classify(200, b"<html>", DATA).errors == ("not JSON",)


def test_breaker_figures_are_read_from_the_metrics_text() -> None:
    text = (
        "# TYPE fedra_subgraph_circuit_state gauge\n"
        'fedra_subgraph_circuit_state{subgraph="orders"} 2.0\n'
        "# TYPE fedra_subgraph_circuit_transitions counter\n"
        'fedra_subgraph_circuit_transitions_total{state="open",subgraph="orders"} 3.0\n'
        'fedra_subgraph_circuit_transitions_total{state="closed",subgraph="orders"} 2.0\n'
    )
    states, transitions = breaker_metrics(text)
    assert states == {"orders": 2}
    assert transitions == {"orders:open": 3.0, "orders:closed": 2.0}

"""Prometheus metrics of one router app (its own registry, so apps never share counters).

With several worker processes, set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory before
start: every worker then writes its samples there and ``/metrics`` aggregates all of them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"

_CIRCUIT_STATES = {"closed": 0, "half_open": 1, "open": 2}

PlanCacheStats = Callable[[], tuple[int, int] | None]


class _PlanCacheCollector(Collector):
    def __init__(self, stats: PlanCacheStats) -> None:
        self._stats = stats

    def collect(self) -> Iterator[CounterMetricFamily]:
        stats = self._stats()
        if stats is None:
            return
        hits, misses = stats
        yield CounterMetricFamily(
            "fedra_plan_cache_hits", "Operations answered from the plan cache", value=hits
        )
        yield CounterMetricFamily(
            "fedra_plan_cache_misses", "Operations parsed, validated and planned", value=misses
        )


class _RegistryPollCollector(Collector):
    def __init__(self, age: Callable[[], float | None]) -> None:
        self._age = age

    def collect(self) -> Iterator[GaugeMetricFamily]:
        age = self._age()
        if age is None:
            return
        yield GaugeMetricFamily(
            "fedra_registry_last_successful_poll_age_seconds",
            "Seconds since the registry last answered a poll (200 or 304)",
            value=age,
        )


class RouterMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        self.http_requests = Counter(
            "fedra_http_requests",
            "HTTP requests to the GraphQL endpoint",
            ["method", "status"],
            registry=registry,
        )
        self.http_duration = Histogram(
            "fedra_http_request_duration_seconds",
            "Latency of HTTP requests to the GraphQL endpoint",
            ["method"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.operations = Counter(
            "fedra_graphql_operations",
            "GraphQL operations executed (a batch counts each operation)",
            registry=registry,
        )
        self.subscriptions_active = Gauge(
            "fedra_subscriptions_active",
            "Client subscriptions running now, by transport",
            ["transport"],
            registry=registry,
        )
        self.subscription_events = Counter(
            "fedra_subscription_events",
            "Subscription responses sent to clients, by transport",
            ["transport"],
            registry=registry,
        )
        self.graphql_errors = Counter(
            "fedra_graphql_errors",
            "GraphQL errors returned to clients, by extensions.code",
            ["code"],
            registry=registry,
        )
        self.value_completion_errors = Counter(
            "fedra_value_completion_errors",
            "Values the router nulled while completing responses (extensions.valueCompletion"
            " or errors, as errors.value_completion says)",
            registry=registry,
        )
        self.subgraph_duration = Histogram(
            "fedra_subgraph_fetch_duration_seconds",
            "Latency of subgraph fetches",
            ["subgraph"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.subgraph_errors = Counter(
            "fedra_subgraph_fetch_errors",
            "Subgraph fetches that failed (transport error or HTTP status >= 400)",
            ["subgraph"],
            registry=registry,
        )
        self.in_flight = Gauge(
            "fedra_http_requests_in_flight",
            "HTTP requests being served",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.reloads = Counter(
            "fedra_supergraph_reloads",
            "Supergraph reloads by outcome",
            ["outcome"],
            registry=registry,
        )
        self.circuit_state = Gauge(
            "fedra_subgraph_circuit_state",
            "Circuit breaker state per subgraph: 0 closed, 1 half-open, 2 open",
            ["subgraph"],
            registry=registry,
            multiprocess_mode="max",
        )
        self.circuit_transitions = Counter(
            "fedra_subgraph_circuit_transitions",
            "Circuit breaker state changes per subgraph, by the state entered",
            ["subgraph", "state"],
            registry=registry,
        )
        self.subgraph_retries = Counter(
            "fedra_subgraph_retries",
            "Subgraph requests sent again, by reason (stale_connection, failure)",
            ["subgraph", "reason"],
            registry=registry,
        )
        self.subgraph_deduplicated = Counter(
            "fedra_subgraph_deduplicated_fetches",
            "Subgraph fetches that shared the answer of an identical request in flight",
            ["subgraph"],
            registry=registry,
        )
        self.instance_requests = Counter(
            "fedra_subgraph_instance_requests",
            "Requests to each instance of a subgraph, by outcome (ok, failed)",
            ["subgraph", "instance", "outcome"],
            registry=registry,
        )
        self.instance_ejected_state = Gauge(
            "fedra_subgraph_instance_ejected",
            "Whether an instance of a subgraph is ejected (1) or takes requests (0)",
            ["subgraph", "instance"],
            registry=registry,
            multiprocess_mode="max",
        )
        self.instance_ejections = Counter(
            "fedra_subgraph_instance_ejections",
            "Ejections of each instance of a subgraph after repeated failures",
            ["subgraph", "instance"],
            registry=registry,
        )
        self.registry_polls = Counter(
            "fedra_registry_polls",
            "Polls of the schema registry, by outcome (changed, unchanged, failed)",
            ["outcome"],
            registry=registry,
        )
        self.registry_version = Gauge(
            "fedra_registry_supergraph_version",
            "The registry's supergraph version being served",
            registry=registry,
            multiprocess_mode="max",
        )
        self.usage_reports = Counter(
            "fedra_usage_reports",
            "Operation usage batches sent to the registry, by outcome (sent, dropped)",
            ["outcome"],
            registry=registry,
        )
        self.rate_limited = Counter(
            "fedra_rate_limited_requests", "Requests refused by rate limiting", registry=registry
        )

    def set_plan_cache_source(self, stats: PlanCacheStats) -> None:
        """Report the plan cache's (hits, misses) at every scrape."""
        self.registry.register(_PlanCacheCollector(stats))

    def set_registry_poll_age(self, age: Callable[[], float | None]) -> None:
        """Report the seconds since the last successful registry poll at every scrape."""
        self.registry.register(_RegistryPollCollector(age))

    # router.executor.traffic.InstanceListener
    def instance_fetched(self, service: str, instance: str, failed: bool) -> None:
        self.instance_requests.labels(service, instance, "failed" if failed else "ok").inc()

    def instance_ejected(self, service: str, instance: str, ejected: bool) -> None:
        self.instance_ejected_state.labels(service, instance).set(1 if ejected else 0)
        if ejected:
            self.instance_ejections.labels(service, instance).inc()

    def observe_subgraph_fetch(self, subgraph: str, seconds: float, failed: bool) -> None:
        self.subgraph_duration.labels(subgraph).observe(seconds)
        if failed:
            self.subgraph_errors.labels(subgraph).inc()

    # router.executor.TrafficListener
    def circuit_changed(self, service: str, state: str) -> None:
        self.circuit_state.labels(service).set(_CIRCUIT_STATES.get(state, 0))
        self.circuit_transitions.labels(service, state).inc()

    def retried(self, service: str, reason: str) -> None:
        self.subgraph_retries.labels(service, reason).inc()

    def deduplicated(self, service: str) -> None:
        self.subgraph_deduplicated.labels(service).inc()

    def count_response(self, payload: dict[str, Any]) -> None:
        """The errors and the value-completion errors of one response or payload."""
        self.count_errors(payload.get("errors"))
        extensions = payload.get("extensions")
        if isinstance(extensions, dict):
            completion = extensions.get("valueCompletion")
            if isinstance(completion, list) and completion:
                self.value_completion_errors.inc(len(completion))

    def count_errors(self, errors: object) -> None:
        if not isinstance(errors, list):
            return
        for error in errors:
            code = "UNKNOWN"
            if isinstance(error, dict):
                extensions = error.get("extensions")
                if isinstance(extensions, dict) and isinstance(extensions.get("code"), str):
                    code = extensions["code"]
            self.graphql_errors.labels(code).inc()

    def exposition(self) -> tuple[bytes, str]:
        if os.environ.get(MULTIPROCESS_ENV):
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST

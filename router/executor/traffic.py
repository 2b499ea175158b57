"""Traffic shaping of subgraph fetches: the policies per subgraph and who hears about them.

The router's configuration (``router.config.traffic_shaping``) builds these plain values;
the fetcher reads them once per subgraph, never per request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

from router.executor.http_response import ResponseLimits


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Queries (never mutations) that failed without an answer are sent again, within a budget.

    The budget, like a token bucket over ``ttl`` seconds: every request adds
    ``retry_percent`` of a retry, and ``min_per_sec`` retries a second are always allowed.
    """

    max_retries: int = 1  # per fetch
    min_per_sec: float = 10.0
    retry_percent: float = 0.2
    ttl: float = 10.0  # seconds a deposit stays in the budget
    # HTTP statuses that are retried (transport failures always are, timeouts never)
    statuses: frozenset[int] = frozenset({502, 503, 504})


@dataclass(frozen=True, slots=True)
class BreakerPolicy:
    """Opens after ``failure_threshold`` failures within ``window`` seconds; after
    ``cool_down`` seconds lets ``half_open_probes`` fetches through, closing on a success."""

    failure_threshold: int = 5
    window: float = 10.0
    cool_down: float = 5.0
    half_open_probes: int = 1


@dataclass(frozen=True, slots=True)
class BalancingPolicy:
    """How a subgraph's requests spread over its instances, and when an instance is ejected.

    ``failure_threshold`` consecutive failures (no answer, or a 5xx) eject an instance for
    ``ejection_seconds``, doubled at each ejection in a row up to ``max_ejection_seconds``; a
    returning instance is ejected again by its first failure, kept by its first success. A
    request that could not connect is sent to another instance (at most ``max_attempts``
    instances per attempt); one that may have reached the instance only when it is a query.
    """

    strategy: Literal["round_robin", "least_in_flight"] = "round_robin"
    failure_threshold: int = 3
    ejection_seconds: float = 5.0
    max_ejection_seconds: float = 60.0
    max_attempts: int = 2


@dataclass(frozen=True, slots=True)
class SubgraphTraffic:
    """Everything traffic shaping does for one subgraph."""

    limits: ResponseLimits = field(default_factory=ResponseLimits)
    dedup_queries: bool = True  # identical queries in flight at once share one request
    retry: RetryPolicy | None = field(default_factory=RetryPolicy)  # None: no retries
    breaker: BreakerPolicy | None = field(default_factory=BreakerPolicy)  # None: no breaker
    balancing: BalancingPolicy = field(default_factory=BalancingPolicy)  # over its instances


DEFAULT_TRAFFIC = SubgraphTraffic()


class TrafficListener(Protocol):
    """Hears what traffic shaping does (e.g. to count it in metrics)."""

    def circuit_changed(self, service: str, state: str) -> None:
        """The circuit of ``service`` is now ``state``: "closed", "open" or "half_open"."""

    def retried(self, service: str, reason: str) -> None:
        """A fetch to ``service`` is sent again; ``reason``: "stale_connection" or "failure"."""

    def deduplicated(self, service: str) -> None:
        """A fetch to ``service`` shared the answer of an identical one in flight."""


class InstanceListener(Protocol):
    """Hears what happens to the instances of subgraphs (e.g. to count it in metrics)."""

    def instance_fetched(self, service: str, instance: str, failed: bool) -> None:
        """One request to ``instance`` of ``service`` ended; ``failed``: no usable answer."""

    def instance_ejected(self, service: str, instance: str, ejected: bool) -> None:
        """``instance`` of ``service`` was ejected (True) or took requests again (False)."""

"""Traffic shaping of subgraph fetches: the policies per subgraph and who hears about them.

The router's configuration (``router.config.traffic_shaping``) builds these plain values;
the fetcher reads them once per subgraph, never per request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

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
class SubgraphTraffic:
    """Everything traffic shaping does for one subgraph."""

    limits: ResponseLimits = field(default_factory=ResponseLimits)
    dedup_queries: bool = True  # identical queries in flight at once share one request
    retry: RetryPolicy | None = field(default_factory=RetryPolicy)  # None: no retries
    breaker: BreakerPolicy | None = field(default_factory=BreakerPolicy)  # None: no breaker


DEFAULT_TRAFFIC = SubgraphTraffic()


class TrafficListener(Protocol):
    """Hears what traffic shaping does (e.g. to count it in metrics)."""

    def circuit_changed(self, service: str, state: str) -> None:
        """The circuit of ``service`` is now ``state``: "closed", "open" or "half_open"."""

    def retried(self, service: str, reason: str) -> None:
        """A fetch to ``service`` is sent again; ``reason``: "stale_connection" or "failure"."""

    def deduplicated(self, service: str) -> None:
        """A fetch to ``service`` shared the answer of an identical one in flight."""

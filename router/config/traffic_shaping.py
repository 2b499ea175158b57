"""The ``traffic_shaping`` section: limits, retries, circuit breaking, deduplication and
balancing over instances of subgraph fetches. ``all`` applies to every subgraph;
``subgraphs.<name>`` overrides the keys it sets (a nested ``retry``, ``circuit_breaker`` or
``ejection`` block is merged key by key too)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from router.executor.http_response import ResponseLimits
from router.executor.traffic import BalancingPolicy, BreakerPolicy, RetryPolicy, SubgraphTraffic

MIB = 1024 * 1024


class Section(BaseModel):  # as router.config.model.Section: frozen, unknown keys are errors
    model_config = ConfigDict(extra="forbid", frozen=True)


class RetryConfig(Section):
    enabled: bool = True
    max_retries: int = Field(default=1, ge=0)  # per fetch
    min_per_sec: float = Field(default=10.0, ge=0)  # retries always allowed per second
    retry_percent: float = Field(default=0.2, ge=0, le=1000)  # share of requests retried
    ttl: float = Field(default=10.0, gt=0)  # seconds a request counts in the budget
    statuses: tuple[int, ...] = (502, 503, 504)  # HTTP statuses retried (besides no answer)


class CircuitBreakerConfig(Section):
    enabled: bool = True
    failure_threshold: int = Field(default=5, ge=1)
    window: float = Field(default=10.0, gt=0)  # seconds the failures must fall within
    cool_down: float = Field(default=5.0, gt=0)  # seconds open before a half-open probe
    half_open_probes: int = Field(default=1, ge=1)  # probes in flight at once when half-open


class EjectionConfig(Section):
    failure_threshold: int = Field(default=3, ge=1)  # consecutive failures of one instance
    base_seconds: float = Field(default=5.0, gt=0)  # first ejection; doubles each time in a row
    max_seconds: float = Field(default=60.0, gt=0)
    max_attempts: int = Field(default=2, ge=1)  # instances tried when a request cannot connect


class SubgraphTrafficConfig(Section):
    max_response_bytes: int = Field(default=64 * MIB, ge=1)  # body as sent
    max_decompressed_bytes: int = Field(default=64 * MIB, ge=1)  # body after gzip/deflate
    max_header_bytes: int = Field(default=64 * 1024, ge=1024)
    dedup_queries: bool = True  # identical queries in flight share one request
    retry: RetryConfig = RetryConfig()
    circuit_breaker: CircuitBreakerConfig = CircuitBreakerConfig()
    # over the subgraph's instances (from the registry, or subgraphs.<name>.instances)
    load_balancing: Literal["round_robin", "least_in_flight"] = "round_robin"
    ejection: EjectionConfig = EjectionConfig()

    def policy(self) -> SubgraphTraffic:
        retry = self.retry
        breaker = self.circuit_breaker
        return SubgraphTraffic(
            limits=ResponseLimits(
                max_head_bytes=self.max_header_bytes,
                max_body_bytes=self.max_response_bytes,
                max_decoded_bytes=self.max_decompressed_bytes,
            ),
            dedup_queries=self.dedup_queries,
            retry=(
                RetryPolicy(
                    max_retries=retry.max_retries,
                    min_per_sec=retry.min_per_sec,
                    retry_percent=retry.retry_percent,
                    ttl=retry.ttl,
                    statuses=frozenset(retry.statuses),
                )
                if retry.enabled and retry.max_retries > 0
                else None
            ),
            breaker=(
                BreakerPolicy(
                    failure_threshold=breaker.failure_threshold,
                    window=breaker.window,
                    cool_down=breaker.cool_down,
                    half_open_probes=breaker.half_open_probes,
                )
                if breaker.enabled
                else None
            ),
            balancing=BalancingPolicy(
                strategy=self.load_balancing,
                failure_threshold=self.ejection.failure_threshold,
                ejection_seconds=self.ejection.base_seconds,
                max_ejection_seconds=max(self.ejection.base_seconds, self.ejection.max_seconds),
                max_attempts=self.ejection.max_attempts,
            ),
        )


class TrafficShapingConfig(Section):
    all: SubgraphTrafficConfig = SubgraphTrafficConfig()
    subgraphs: dict[str, SubgraphTrafficConfig] = {}

    def for_subgraph(self, name: str) -> SubgraphTrafficConfig:
        """``all``, with what ``subgraphs.<name>`` sets laid over it."""
        override = self.subgraphs.get(name)
        if override is None:
            return self.all
        return SubgraphTrafficConfig.model_validate(
            _overlay(self.all.model_dump(), override.model_dump(exclude_unset=True))
        )

    def policies(self) -> tuple[SubgraphTraffic, dict[str, SubgraphTraffic]]:
        """The policy for every subgraph, and the ones named in ``subgraphs``."""
        return self.all.policy(), {
            name: self.for_subgraph(name).policy() for name in self.subgraphs
        }


def _overlay(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _overlay(merged[key], value)
        else:
            merged[key] = value
    return merged

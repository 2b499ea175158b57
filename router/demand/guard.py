"""Demand control for one supergraph: estimate each operation's cost before it runs, reject
it over the maximum (``enforce``), and record estimated and actual costs in /metrics."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram

from router.config.resilience import DemandControlConfig
from router.demand.actual import ActualCost
from router.demand.directives import read_cost_directives
from router.demand.estimate import CostEstimator, SlicingArgumentError
from router.gateway.errors import request_error
from router.gateway.prepared import PreparedOperation
from router.supergraph.model import Supergraph

COST_ESTIMATED_TOO_EXPENSIVE = "COST_ESTIMATED_TOO_EXPENSIVE"
COST_SLICING_ARGUMENT_INVALID = "COST_SLICING_ARGUMENT_INVALID"
COST_BUCKETS = (1, 5, 10, 50, 100, 500, 1_000, 5_000, 10_000, 50_000, 100_000, 1_000_000)

logger = logging.getLogger("fedra.demand")


class CostMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.estimated = Histogram(
            "fedra_operation_cost_estimated",
            "Estimated cost of operations (static analysis, before execution)",
            buckets=COST_BUCKETS,
            registry=registry,
        )
        self.actual = Histogram(
            "fedra_operation_cost_actual",
            "Actual cost of executed operations, computed from their responses",
            buckets=COST_BUCKETS,
            registry=registry,
        )
        self.rejected = Counter(
            "fedra_operation_cost_rejected",
            "Operations refused because their estimated cost exceeded demand_control.max",
            registry=registry,
        )


class CostGuard:
    def __init__(
        self, supergraph: Supergraph, config: DemandControlConfig, metrics: CostMetrics | None
    ) -> None:
        self.config = config
        self.metrics = metrics
        self.estimator = CostEstimator(
            supergraph.api_schema,
            read_cost_directives(supergraph),
            list_size=config.list_size,
            mutation_cost=config.mutation_cost,
        )
        self.actual = ActualCost(self.estimator)
        self._sample_credit = 0.0  # actual cost is measured for a share of the responses

    def estimate(self, prepared: PreparedOperation, variables: Mapping[str, Any]) -> float:
        """The estimated cost; an operation without variables is estimated once."""
        if prepared.static_cost is not None:
            return prepared.static_cost
        assert prepared.operation is not None
        cost = self.estimator.estimate(prepared.operation, prepared.fragments, variables)
        if not prepared.variable_definitions:
            prepared.static_cost = cost
        return cost

    def refuses_statically(self, prepared: PreparedOperation) -> bool:
        """Whether the operation needs no variables and is over the limit in enforce mode: then
        it need not be planned, as ``check`` refuses every request of it."""
        if self.config.mode != "enforce" or prepared.variable_definitions:
            return False
        try:
            return self.estimate(prepared, {}) > self.config.max
        except SlicingArgumentError:
            return True

    def check(
        self, prepared: PreparedOperation, variables: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """None when the operation may run, else the request error refusing it."""
        if prepared.operation is None:
            return None
        try:
            cost = self.estimate(prepared, variables)
        except SlicingArgumentError as error:
            return request_error(str(error), COST_SLICING_ARGUMENT_INVALID)
        if self.metrics is not None:
            self.metrics.estimated.observe(cost)
        if cost <= self.config.max:
            return None
        if self.config.mode == "measure":
            logger.info(
                "operation over the cost limit (measure mode): %g > %d", cost, self.config.max
            )
            return None
        if self.metrics is not None:
            self.metrics.rejected.inc()
        refusal = request_error(
            f"Operation estimated cost {cost:g} exceeds the maximum allowed cost {self.config.max}",
            COST_ESTIMATED_TOO_EXPENSIVE,
        )
        refusal["extensions"].update({"cost.estimated": cost, "cost.max": self.config.max})
        return refusal

    def record(
        self, prepared: PreparedOperation, variables: Mapping[str, Any], response: Mapping[str, Any]
    ) -> None:
        """Observe the actual cost of an executed operation."""
        if self.metrics is None or prepared.operation is None:
            return
        self._sample_credit += self.config.actual_cost_sample_rate
        if self._sample_credit < 1.0:
            return
        self._sample_credit -= 1.0
        cost = self.actual.measure(
            prepared.operation, prepared.fragments, variables, response.get("data")
        )
        self.metrics.actual.observe(cost)

"""Demand control: the cost of an operation (IBM GraphQL cost spec, ``@cost`` and
``@listSize``) estimated before it runs and measured from its response."""

from router.demand.directives import CostDirectives, ListSize, read_cost_directives
from router.demand.estimate import CostEstimator, SlicingArgumentError
from router.demand.guard import COST_ESTIMATED_TOO_EXPENSIVE, CostGuard, CostMetrics

__all__ = [
    "COST_ESTIMATED_TOO_EXPENSIVE",
    "CostDirectives",
    "CostEstimator",
    "CostGuard",
    "CostMetrics",
    "ListSize",
    "SlicingArgumentError",
    "read_cost_directives",
]

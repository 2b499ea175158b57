"""The executor: runs a QueryPlan against the subgraphs and shapes the response."""

from router.executor.compiled_plan import CompiledPlan, compile_plan
from router.executor.complete import ValueCompletionMode, add_errors, shape_response
from router.executor.executor import Executor
from router.executor.fetcher import FetcherOptions, FetchObserver, FetchResult, SubgraphFetcher
from router.executor.shape import SelectionShape, compile_shape, condition_variables

__all__ = [
    "CompiledPlan",
    "Executor",
    "FetchObserver",
    "FetchResult",
    "FetcherOptions",
    "SelectionShape",
    "SubgraphFetcher",
    "ValueCompletionMode",
    "add_errors",
    "compile_plan",
    "compile_shape",
    "condition_variables",
    "shape_response",
]

"""``Cache-Control`` on subgraph answers, so the router's entity cache knows what it may keep.

Queries get the subgraph's hint (public data with a lifetime, or per-caller ``private``);
mutations, answers with errors, and requests that could not be parsed get ``no-store``.
"""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType


def cache_hints(query_policy: str) -> type[SchemaExtension]:
    """A schema extension answering queries with ``Cache-Control: <query_policy>``."""

    class CacheHints(SchemaExtension):
        def on_execute(self) -> Iterator[None]:
            yield
            execution = self.execution_context
            response = getattr(execution.context, "response", None)
            if response is None:
                return
            result = execution.result
            is_query = execution.operation_type is OperationType.QUERY
            clean = result is not None and not result.errors
            response.headers["cache-control"] = query_policy if is_query and clean else "no-store"

    return CacheHints


PUBLIC_PRODUCTS = "public, max-age=60"
PRIVATE_PER_CALLER = "private, max-age=30"

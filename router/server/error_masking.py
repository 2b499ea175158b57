"""Subgraph error masking: what a subgraph says in an error stays inside the router.

In production (``errors.mask_subgraph_errors: auto`` outside development mode, or ``true``)
every error that came from a subgraph (it carries ``extensions.serviceName``) reaches the client
as ``"Subgraph errors redacted"`` with its path, code and subgraph name only. The original is
logged with the request's trace id and recorded as an event on the current span.
"""

from __future__ import annotations

import logging
from typing import Any

from opentelemetry import trace

from router.config.resilience import ErrorsConfig

logger = logging.getLogger("fedra.subgraph_errors")


class SubgraphErrorMasking:
    def __init__(self, config: ErrorsConfig, development: bool) -> None:
        self.config = config
        self.development = development
        self._masks: dict[str, bool] = {}

    def masks(self, subgraph: str) -> bool:
        masked = self._masks.get(subgraph)
        if masked is None:
            masked = self._masks[subgraph] = self.config.masks(subgraph, self.development)
        return masked

    def apply(self, result: dict[str, Any], trace_id: str | None) -> dict[str, Any]:
        """``result`` with the errors of masked subgraphs redacted (in place; returned)."""
        errors = result.get("errors")
        if not isinstance(errors, list):
            return result
        for index, error in enumerate(errors):
            if not isinstance(error, dict):
                continue
            extensions = error.get("extensions")
            if not isinstance(extensions, dict):
                continue
            subgraph = extensions.get("serviceName")
            if not isinstance(subgraph, str) or not self.masks(subgraph):
                continue
            self._record(error, subgraph, trace_id)
            redacted: dict[str, Any] = {"message": self.config.redacted_message}
            if "path" in error:
                redacted["path"] = error["path"]
            redacted["extensions"] = {"code": extensions.get("code"), "serviceName": subgraph}
            errors[index] = redacted
        return result

    def _record(self, error: dict[str, Any], subgraph: str, trace_id: str | None) -> None:
        message = str(error.get("message"))
        logger.warning(
            "subgraph error",
            extra={
                "subgraph": subgraph,
                "error_message": message,
                "path": error.get("path"),
                "extensions": error.get("extensions"),
                "trace_id": trace_id,
            },
        )
        span = trace.get_current_span()
        if span.is_recording():
            span.add_event(
                "subgraph.error",
                {
                    "subgraph.name": subgraph,
                    "graphql.error.message": message,
                    "graphql.error.path": ".".join(str(p) for p in error.get("path") or ()),
                    "graphql.error.code": str((error.get("extensions") or {}).get("code")),
                },
            )

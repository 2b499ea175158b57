"""GraphQL error values produced while executing a plan."""

from __future__ import annotations

from typing import Any

# Error codes, in the vocabulary clients of federated graphs already know.
SUBREQUEST_HTTP_ERROR = "SUBREQUEST_HTTP_ERROR"
SUBREQUEST_MALFORMED_RESPONSE = "SUBREQUEST_MALFORMED_RESPONSE"
SUBREQUEST_TIMEOUT = "SUBREQUEST_TIMEOUT"
# A subgraph answer over one of the router's size limits (body, decoded body, head).
SUBREQUEST_RESPONSE_TOO_LARGE = "SUBREQUEST_RESPONSE_TOO_LARGE"
# A fetch not sent: the subgraph's circuit breaker is open after repeated failures.
SUBREQUEST_CIRCUIT_OPEN = "SUBREQUEST_CIRCUIT_OPEN"
# A subgraph's own error that carries no code of its own.
DOWNSTREAM_SERVICE_ERROR = "DOWNSTREAM_SERVICE_ERROR"
# A value the router itself could not complete (e.g. null for a non-null field, no subgraph
# having reported why): the code @apollo/gateway gives its own value-completion errors.
INVALID_GRAPHQL = "INVALID_GRAPHQL"

GraphQLErrorDict = dict[str, Any]
ResponsePath = list[str | int]


def fetch_failure(service: str, message: str, code: str, **extensions: Any) -> GraphQLErrorDict:
    """An error for a subgraph fetch that returned nothing usable."""
    return {"message": message, "extensions": {"code": code, "serviceName": service, **extensions}}


def completion_error(message: str, path: ResponsePath) -> GraphQLErrorDict:
    """An error the router raised while shaping the response, at the client path ``path``."""
    return {"message": message, "path": path, "extensions": {"code": INVALID_GRAPHQL}}


def from_subgraph(error: object, service: str, path: ResponsePath | None) -> GraphQLErrorDict:
    """A copy of one subgraph error, named after its subgraph, with ``path`` as its path.

    ``path`` is the client's response path (``None`` drops the path). The subgraph's own
    ``extensions.code`` is kept; an error without one gets ``DOWNSTREAM_SERVICE_ERROR``. Its
    ``locations`` are dropped: they point into the document the router sent the subgraph,
    not into the client's.
    """
    if isinstance(error, dict):
        result: GraphQLErrorDict = {"message": str(error.get("message", "Unknown error"))}
        extensions = error.get("extensions")
    else:
        result = {"message": str(error)}
        extensions = None
    if path is not None:
        result["path"] = path
    merged_extensions = dict(extensions) if isinstance(extensions, dict) else {}
    if merged_extensions.get("code") is None:
        merged_extensions["code"] = DOWNSTREAM_SERVICE_ERROR
    merged_extensions["serviceName"] = service
    result["extensions"] = merged_extensions
    return result


def subgraph_path(error: object) -> list[Any] | None:
    if not isinstance(error, dict):
        return None
    path = error.get("path")
    return path if isinstance(path, list) else None

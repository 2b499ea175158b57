"""Reading GraphQL requests from HTTP: a POST JSON body (one request or a batch) or GET params."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request

from router.config.model import BatchingConfig
from router.gateway import GraphQLRequest
from router.server.errors import RequestError


@dataclass(frozen=True, slots=True)
class ParsedRequest:
    operations: list[GraphQLRequest]
    is_batch: bool


async def read_body(request: Request, max_bytes: int) -> bytes:
    too_large = RequestError(
        413,
        f"Request body exceeds the max_body_bytes limit ({max_bytes} bytes)",
        "PAYLOAD_TOO_LARGE",
    )
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def parse_post_body(
    body: bytes, content_type: str | None, batching: BatchingConfig
) -> ParsedRequest:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise RequestError(
            415,
            f"Unsupported Content-Type {media_type or '(none)'!r}; send application/json",
            "UNSUPPORTED_MEDIA_TYPE",
        )
    try:
        payload: Any = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise RequestError(
            400, f"The request body is not valid JSON: {error}", "BAD_REQUEST"
        ) from None
    if isinstance(payload, dict):
        return ParsedRequest([_operation(payload, None)], is_batch=False)
    if isinstance(payload, list):
        if not batching.enabled:
            raise RequestError(
                400,
                "Batched requests are disabled (batching.enabled: false)",
                "BATCHING_NOT_ENABLED",
            )
        if not payload:
            raise RequestError(400, "A batch must contain at least one request", "BAD_REQUEST")
        if len(payload) > batching.max_size:
            raise RequestError(
                400,
                f"Batch of {len(payload)} requests exceeds the batching.max_size limit "
                f"({batching.max_size})",
                "BATCH_LIMIT_EXCEEDED",
            )
        return ParsedRequest(
            [_operation(item, index) for index, item in enumerate(payload)], is_batch=True
        )
    raise RequestError(400, "The request body must be a JSON object or array", "BAD_REQUEST")


def parse_query_params(params: Mapping[str, str]) -> ParsedRequest:
    fields: dict[str, Any] = {}
    for name in ("query", "operationName"):
        if name in params:
            fields[name] = params[name]
    for name in ("variables", "extensions"):
        if name in params and params[name] != "":
            try:
                fields[name] = orjson.loads(params[name])
            except orjson.JSONDecodeError:
                raise RequestError(
                    400, f"The '{name}' query parameter is not valid JSON", "BAD_REQUEST"
                ) from None
    return ParsedRequest([_operation(fields, None)], is_batch=False)


def _operation(payload: object, index: int | None) -> GraphQLRequest:
    where = "the request" if index is None else f"request {index} of the batch"
    if not isinstance(payload, dict):
        raise RequestError(400, f"{where.capitalize()} must be a JSON object", "BAD_REQUEST")
    query = payload.get("query")
    operation_name = payload.get("operationName")
    variables = payload.get("variables")
    extensions = payload.get("extensions")
    if query is not None and not isinstance(query, str):
        raise RequestError(400, f"'query' in {where} must be a string", "BAD_REQUEST")
    if operation_name is not None and not isinstance(operation_name, str):
        raise RequestError(400, f"'operationName' in {where} must be a string", "BAD_REQUEST")
    if variables is not None and not isinstance(variables, dict):
        raise RequestError(400, f"'variables' in {where} must be an object", "BAD_REQUEST")
    if extensions is not None and not isinstance(extensions, dict):
        raise RequestError(400, f"'extensions' in {where} must be an object", "BAD_REQUEST")
    if query is None and not (extensions and "persistedQuery" in extensions):
        raise RequestError(400, f"{where.capitalize()} has no 'query'", "BAD_REQUEST")
    return GraphQLRequest(
        query=query, operation_name=operation_name, variables=variables, extensions=extensions
    )

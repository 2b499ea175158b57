"""Fetching a running subgraph's SDL with the ``_service { sdl }`` query."""

from __future__ import annotations

import httpx

SERVICE_QUERY = "query __FedraSubgraphSdl { _service { sdl } }"


class SubgraphFetchError(Exception):
    """The subgraph could not be reached or did not return its SDL."""


async def fetch_subgraph_sdl(
    url: str,
    headers: dict[str, str] | None = None,
    *,
    timeout_seconds: float = 10.0,
    transport: httpx.AsyncBaseTransport | None = None,
) -> str:
    """POST ``{ _service { sdl } }`` to ``url`` and return the SDL text."""
    request_headers = {"content-type": "application/json", "accept": "application/json"}
    request_headers.update(headers or {})
    try:
        async with httpx.AsyncClient(timeout=timeout_seconds, transport=transport) as client:
            response = await client.post(
                url, json={"query": SERVICE_QUERY}, headers=request_headers
            )
    except httpx.HTTPError as error:
        raise SubgraphFetchError(f"could not reach subgraph at {url}: {error}") from error
    if response.status_code != 200:
        raise SubgraphFetchError(
            f"subgraph at {url} answered HTTP {response.status_code} to _service {{ sdl }}: "
            f"{response.text[:200]}"
        )
    try:
        payload = response.json()
    except ValueError as error:
        raise SubgraphFetchError(f"subgraph at {url} did not answer with JSON") from error
    errors = payload.get("errors") if isinstance(payload, dict) else None
    if errors:
        messages = "; ".join(str(item.get("message", item)) for item in errors)
        raise SubgraphFetchError(
            f"subgraph at {url} answered _service {{ sdl }} with errors: {messages}"
        )
    data = payload.get("data") if isinstance(payload, dict) else None
    service = data.get("_service") if isinstance(data, dict) else None
    sdl = service.get("sdl") if isinstance(service, dict) else None
    if not isinstance(sdl, str):
        raise SubgraphFetchError(
            f"subgraph at {url} returned no SDL: is it a federation subgraph (no _service field)?"
        )
    return sdl

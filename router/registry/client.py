"""Publishing to the registry from CI (``fedra publish``): the request and a readable report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import orjson


class PublishError(Exception):
    """The registry could not be asked, or refused the request itself (auth, bad input)."""


@dataclass(frozen=True, slots=True)
class PublishResponse:
    status: int
    body: dict[str, Any]

    @property
    def accepted(self) -> bool:
        return self.status == 200 and bool(self.body.get("accepted"))


def publish_schema(
    registry_url: str,
    name: str,
    sdl: str,
    routing_url: str,
    *,
    token: str | None,
    author: str | None = None,
    version: str | None = None,
    instance_id: str | None = None,
    timeout_seconds: float = 60.0,
) -> PublishResponse:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    body = {
        "sdl": sdl,
        "routing_url": routing_url,
        "instance_id": instance_id,
        "version": version,
        "author": author,
    }
    url = f"{registry_url.rstrip('/')}/api/v1/subgraphs/{name}/publish"
    try:
        response = httpx.post(
            url, content=orjson.dumps(body), headers=headers, timeout=timeout_seconds
        )
    except httpx.HTTPError as error:
        raise PublishError(f"cannot reach the registry at {registry_url}: {error}") from error
    try:
        parsed = response.json()
    except ValueError:
        raise PublishError(f"HTTP {response.status_code}: {response.text[:500]}") from None
    if response.status_code not in (200, 409):
        errors = parsed.get("errors") if isinstance(parsed, dict) else None
        message = errors[0].get("message") if errors else response.text[:500]
        raise PublishError(f"HTTP {response.status_code}: {message}")
    return PublishResponse(response.status_code, parsed)


def format_report(name: str, response: PublishResponse) -> str:
    """What CI prints: the outcome, then every composition error and breaking change, each
    breaking change with the operations that use it."""
    body = response.body
    check = body.get("check") or {}
    lines: list[str] = []
    if response.accepted:
        if body.get("changed"):
            lines.append(f"{name}: accepted, supergraph version {body.get('supergraph_version')}")
        else:
            lines.append(
                f"{name}: accepted, supergraph unchanged (version {body.get('supergraph_version')})"
            )
    else:
        lines.append(f"{name}: REJECTED ({check.get('summary', 'check failed')})")
    for error in check.get("composition_errors", []):
        where = error.get("subgraph") or "supergraph"
        for location in error.get("locations", [])[:1]:
            where += f":{location.get('line')}:{location.get('column')}"
        lines.append(f"  error {error.get('code')} [{where}] {error.get('message')}")
    for change in check.get("breaking_changes", []):
        operations = change.get("operations", [])
        lines.append(
            f"  breaking {change.get('code')} {change.get('coordinate')}: {change.get('message')}"
        )
        if operations:
            lines.append(f"    used by {len(operations)} operation(s):")
        for operation in operations:
            lines.append(
                f"      {operation.get('name') or '(anonymous)'} {operation.get('hash')}: "
                f"{operation.get('count')} request(s), last seen {operation.get('last_seen')}"
            )
    for change in check.get("changes", []):
        lines.append(f"  {change.get('severity')} {change.get('code')}: {change.get('message')}")
    return "\n".join(lines) + "\n"

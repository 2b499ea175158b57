"""A subgraph that fails on purpose, in one of several ways."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson
from starlette.types import Receive, Scope, Send

FailureMode = Literal["http500", "invalid_json", "timeout", "graphql_errors", "no_entities"]


@dataclass
class FailingApp:
    mode: FailureMode
    requests: list[dict[str, Any]] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        self.requests.append(orjson.loads(body))
        if self.mode == "http500":
            await _respond(send, 500, b"Internal Server Error", "text/plain")
        elif self.mode == "invalid_json":
            await _respond(send, 200, b'{"data": {"_entities": [', "application/json")
        elif self.mode == "timeout":
            await asyncio.sleep(30)
            await _respond(send, 200, b'{"data": null}', "application/json")
        elif self.mode == "graphql_errors":
            payload = {
                "data": None,
                "errors": [{"message": "database is down", "extensions": {"code": "INTERNAL"}}],
            }
            await _respond(send, 200, orjson.dumps(payload), "application/json")
        else:
            await _respond(send, 200, b'{"data": {"other": 1}}', "application/json")


async def _respond(send: Send, status: int, body: bytes, content_type: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type.encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})

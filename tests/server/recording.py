"""An ASGI wrapper that records the headers each subgraph receives (for header tests)."""

from __future__ import annotations

from typing import Any


class HeaderRecorder:
    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []

    def wrap(self, app: Any) -> Any:
        async def recorded(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                self.requests.append(
                    {
                        name.decode("latin-1"): value.decode("latin-1")
                        for name, value in scope["headers"]
                    }
                )
            await app(scope, receive, send)

        return recorded

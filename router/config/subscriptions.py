"""The ``subscriptions`` section: client transports, limits and the subgraph WebSocket URLs."""

from __future__ import annotations

from pydantic import Field, field_validator

from router.config.sections import Section


class SubscriptionsConfig(Section):
    enabled: bool = True
    # graphql-transport-ws over WebSocket; GraphQL over SSE and multipart HTTP use the GraphQL
    # endpoint itself (chosen by the Accept header).
    websocket_path: str = "/graphql"
    sse: bool = True
    multipart: bool = True
    max_connections_per_client: int = Field(default=50, ge=1)  # per client IP address
    max_subscriptions_per_connection: int = Field(default=100, ge=1)
    # no `connection_init` within this long after the upgrade: close 4408
    connection_init_timeout: float = Field(default=10.0, gt=0)
    # a `ping` (client WebSockets; ping frames to subgraph sockets, which must answer within as
    # long again) or a heartbeat (SSE comment, multipart `{}`) this often
    keepalive_seconds: float = Field(default=15.0, gt=0)
    # a WebSocket connection without any subscription for this long is closed (None: never)
    idle_timeout: float | None = Field(default=300.0, gt=0)
    # connecting to a subgraph's WebSocket and its `connection_ack`
    subgraph_connect_timeout: float = Field(default=10.0, gt=0)
    # the largest message accepted from a client or a subgraph
    max_message_bytes: int = Field(default=1_000_000, ge=1)
    # subgraph name -> its WebSocket URL (default: its routing URL with ws:// or wss://)
    subgraph_urls: dict[str, str] = {}

    @field_validator("websocket_path")
    @classmethod
    def _absolute_path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("must start with '/'")
        return value

    @field_validator("subgraph_urls")
    @classmethod
    def _websocket_urls(cls, value: dict[str, str]) -> dict[str, str]:
        for name, url in value.items():
            if not url.startswith(("ws://", "wss://")):
                raise ValueError(f"subgraph {name!r}: a WebSocket URL starts with ws:// or wss://")
        return value

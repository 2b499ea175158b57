"""The ``subscriptions`` configuration section and the choice of streaming transport."""

from __future__ import annotations

import pytest

from router.config import load_config
from router.config.loader import ConfigError
from router.executor.subscription_client import websocket_url
from router.server.subscriptions.limits import ConnectionLimiter
from router.server.subscriptions.streaming import streaming_kind


def test_defaults_are_sane() -> None:
    config = load_config(None, environ={}).subscriptions
    assert config.enabled and config.sse and config.multipart
    assert config.max_connections_per_client == 50
    assert config.max_subscriptions_per_connection == 100
    assert config.connection_init_timeout == 10 and config.idle_timeout == 300


def test_every_limit_comes_from_the_environment() -> None:
    config = load_config(
        None,
        environ={
            "FEDRA_SUBSCRIPTIONS__MAX_CONNECTIONS_PER_CLIENT": "3",
            "FEDRA_SUBSCRIPTIONS__KEEPALIVE_SECONDS": "2.5",
            "FEDRA_SUBSCRIPTIONS__SUBGRAPH_URLS": "{orders: 'wss://orders.example/graphql'}",
        },
    ).subscriptions
    assert config.max_connections_per_client == 3 and config.keepalive_seconds == 2.5
    assert config.subgraph_urls == {"orders": "wss://orders.example/graphql"}


def test_a_subgraph_url_must_be_a_websocket_url() -> None:
    with pytest.raises(ConfigError, match="ws://"):
        load_config(
            None,
            environ={"FEDRA_SUBSCRIPTIONS__SUBGRAPH_URLS": "{orders: 'http://orders/graphql'}"},
        )


def test_websocket_urls_follow_the_routing_urls() -> None:
    assert websocket_url("http://orders:4003/graphql") == "ws://orders:4003/graphql"
    assert websocket_url("https://orders.example/graphql") == "wss://orders.example/graphql"


@pytest.mark.parametrize(
    ("accept", "kind"),
    [
        ("text/event-stream", "sse"),
        ('multipart/mixed;subscriptionSpec="1.0", application/json', "multipart"),
        ("multipart/mixed; subscriptionSpec=1.0", "multipart"),
        ("multipart/mixed", None),  # @defer's multipart, not subscriptions
        ("application/json", None),
        ("text/event-stream;q=0", None),
        (None, None),
    ],
)
def test_the_streaming_transport_follows_accept(accept: str | None, kind: str | None) -> None:
    assert streaming_kind(accept, sse=True, multipart=True) == kind


def test_a_disabled_transport_is_not_chosen() -> None:
    assert streaming_kind("text/event-stream", sse=False, multipart=True) is None


def test_connections_are_counted_per_client() -> None:
    limiter = ConnectionLimiter(2)
    assert limiter.acquire("a") and limiter.acquire("a") and not limiter.acquire("a")
    assert limiter.acquire("b")
    limiter.release("a")
    assert limiter.acquire("a") and limiter.open_connections("a") == 2

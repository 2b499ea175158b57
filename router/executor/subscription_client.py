"""Subscriptions to subgraphs over WebSocket, with the graphql-transport-ws protocol.

One WebSocket per client subscription: ``connection_init`` (its payload carries the headers the
router sends the subgraph, also sent on the upgrade request), ``connection_ack``, ``subscribe``;
then every ``next`` is an event. The subgraph's ``complete`` ends the stream; an ``error``
message, a close or a dropped socket ends it with one error event naming the subgraph, never a
hang.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from router.executor.errors import GraphQLErrorDict, fetch_failure, from_subgraph
from router.executor.fetcher import FetchObserver

SUBPROTOCOL = "graphql-transport-ws"
SUBSCRIPTION_CONNECTION_FAILED = "SUBSCRIPTION_CONNECTION_FAILED"
SUBSCRIPTION_CONNECTION_CLOSED = "SUBSCRIPTION_CONNECTION_CLOSED"


@dataclass(frozen=True, slots=True)
class SubgraphEvent:
    """One event of a subgraph subscription: its GraphQL result, or the failure ending it."""

    response: dict[str, Any] | None
    failure: GraphQLErrorDict | None = None


@dataclass(slots=True)
class SubscriptionClientOptions:
    urls: dict[str, str]  # subgraph name -> WebSocket URL
    connect_timeout: float = 10.0  # the upgrade and `connection_ack`
    max_message_bytes: int = 1_000_000
    # WebSocket ping frames this often; no pong within as long again ends the subscription
    # with an error (a subgraph gone without closing its socket), None: no pings
    keepalive_seconds: float | None = 15.0
    observer: FetchObserver | None = None  # adds the subgraph's headers, times the connect


def websocket_url(http_url: str) -> str:
    """A subgraph's WebSocket URL from its routing URL: http(s):// becomes ws(s)://."""
    if http_url.startswith("https://"):
        return "wss://" + http_url.removeprefix("https://")
    if http_url.startswith("http://"):
        return "ws://" + http_url.removeprefix("http://")
    return http_url


class SubgraphSubscriber:
    """Opens subscriptions on subgraphs; stateless between subscriptions."""

    def __init__(self, options: SubscriptionClientOptions) -> None:
        self.options = options

    async def subscribe(
        self,
        service: str,
        payload: Mapping[str, Any],
        headers: Mapping[str, str] | None = None,
    ) -> AsyncGenerator[SubgraphEvent, None]:
        """The events of one subscription; ``payload`` is the subscribe message's payload."""
        url = self.options.urls.get(service)
        if url is None:
            yield _failure(service, f"No WebSocket URL for subgraph '{service}'")
            return
        sent = dict(headers or {})
        observer = self.options.observer
        token: object = None
        started = time.perf_counter()
        if observer is not None:
            token = await observer.before_fetch(service, url, sent)
        try:
            async with asyncio.timeout(self.options.connect_timeout):
                socket = await connect(
                    url,
                    subprotocols=[SUBPROTOCOL],  # type: ignore[list-item]
                    additional_headers=sent,
                    max_size=self.options.max_message_bytes,
                    open_timeout=None,
                    ping_interval=self.options.keepalive_seconds,
                    ping_timeout=self.options.keepalive_seconds,
                )
                await _handshake(socket, sent)
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI, ConnectionClosed) as error:
            if observer is not None:
                await observer.after_fetch(service, token, None, time.perf_counter() - started)
            reason = "timed out" if isinstance(error, TimeoutError) else str(error) or "failed"
            yield _failure(service, f"Subscription to subgraph '{service}' failed: {reason}")
            return
        except _Refused as refused:
            if observer is not None:
                await observer.after_fetch(service, token, 101, time.perf_counter() - started)
            yield _failure(service, f"Subgraph '{service}' refused the connection: {refused}")
            return
        if observer is not None:
            await observer.after_fetch(service, token, 101, time.perf_counter() - started)
        try:
            async for event in _events(socket, service, payload):
                yield event
        finally:
            await socket.close()


class _Refused(Exception):
    pass


async def _handshake(socket: ClientConnection, headers: Mapping[str, str]) -> None:
    init = {"type": "connection_init", "payload": {"headers": dict(headers)}}
    await socket.send(orjson.dumps(init).decode())
    while True:
        message = _decode(await socket.recv())
        kind = message.get("type") if message is not None else None
        if kind == "connection_ack":
            return
        if kind == "ping":
            await socket.send('{"type":"pong"}')
            continue
        if kind == "pong":
            continue
        raise _Refused(f"expected connection_ack, got {kind or 'an invalid message'}")


async def _events(
    socket: ClientConnection, service: str, payload: Mapping[str, Any]
) -> AsyncGenerator[SubgraphEvent, None]:
    subscribe = {"id": "1", "type": "subscribe", "payload": dict(payload)}
    try:
        await socket.send(orjson.dumps(subscribe).decode())
        while True:
            message = _decode(await socket.recv())
            if message is None:
                yield _failure(service, f"Subgraph '{service}' sent an invalid message")
                return
            kind = message.get("type")
            if kind == "ping":
                await socket.send('{"type":"pong"}')
            elif kind == "next" and message.get("id") == "1":
                result = message.get("payload")
                if isinstance(result, dict):
                    yield SubgraphEvent(result)
                else:
                    yield _failure(service, f"Subgraph '{service}' sent an event without payload")
            elif kind == "error" and message.get("id") == "1":
                errors = message.get("payload")
                listed = errors if isinstance(errors, list) else [errors]
                yield SubgraphEvent({"errors": [from_subgraph(e, service, None) for e in listed]})
                return
            elif kind == "complete" and message.get("id") == "1":
                return
    except ConnectionClosed as closed:
        reason = f" (code {closed.rcvd.code})" if closed.rcvd is not None else ""
        yield _failure(
            service,
            f"Subgraph '{service}' closed the subscription's connection{reason}",
            SUBSCRIPTION_CONNECTION_CLOSED,
        )


def _decode(raw: str | bytes) -> dict[str, Any] | None:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def _failure(
    service: str, message: str, code: str = SUBSCRIPTION_CONNECTION_FAILED
) -> SubgraphEvent:
    return SubgraphEvent(None, fetch_failure(service, message, code))

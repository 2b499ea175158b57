"""graphql-transport-ws (the ``graphql-ws`` protocol) for clients, over WebSocket.

``connection_init`` within ``connection_init_timeout`` (else close 4408); its payload may carry
the token (``Authorization`` or the configured header, at the top level or under ``headers``),
verified as over HTTP: a token that does not verify closes 4403. Then ``subscribe`` runs any
operation (a query or mutation answers once), ``next``/``error``/``complete`` answer, and
``ping``/``pong`` keep it alive. Limits: connections per client address, subscriptions per
connection, an idle timeout without subscriptions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import Any

import orjson
from starlette.datastructures import Headers
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from router.auth.principal import ANONYMOUS, Principal
from router.auth.tokens import InvalidToken
from router.gateway import GraphQLRequest
from router.gateway.subscription import SubscriptionStream
from router.server.error_masking import SubgraphErrorMasking
from router.server.fetch_observer import ClientCall, current_call
from router.server.hooks import RequestContext
from router.server.services import RouterServices
from router.server.subscriptions.limits import ConnectionLimiter

logger = logging.getLogger("fedra.server")
SUBPROTOCOL = "graphql-transport-ws"
SUBSCRIPTION_LIMIT = "SUBSCRIPTION_LIMIT"


class GraphQLWebSocket:
    def __init__(self, services: RouterServices, limiter: ConnectionLimiter) -> None:
        self.services = services
        self.config = services.config.subscriptions
        self.limiter = limiter
        self.masking = SubgraphErrorMasking(services.config.errors, services.config.development)

    async def handle(self, websocket: WebSocket) -> None:
        if SUBPROTOCOL not in websocket.scope.get("subprotocols", []):
            await websocket.close(4406, "Subprotocol not acceptable")
            return
        client = websocket.client.host if websocket.client else "unknown"
        if not self.limiter.acquire(client):
            await websocket.close(1013, "Too many connections from this client")
            return
        try:
            await websocket.accept(subprotocol=SUBPROTOCOL)
            connection = _Connection(self, websocket)
            await connection.serve()
        finally:
            self.limiter.release(client)


class _Connection:
    def __init__(self, owner: GraphQLWebSocket, websocket: WebSocket) -> None:
        self.owner = owner
        self.services = owner.services
        self.config = owner.config
        self.websocket = websocket
        self.principal: Principal = ANONYMOUS
        self.headers: Headers = websocket.headers
        self.context: RequestContext | None = None
        self.acknowledged = False
        self.running: dict[str, asyncio.Task[None]] = {}
        self.send_lock = asyncio.Lock()
        self.last_active = asyncio.get_running_loop().time()

    async def serve(self) -> None:
        keepalive = asyncio.create_task(self._keepalive())
        try:
            if not await self._initialise():
                return
            while True:
                raw = await self.websocket.receive()
                if raw["type"] == "websocket.disconnect":
                    return
                text = raw.get("text")
                if text is None and raw.get("bytes") is not None:
                    text = raw["bytes"].decode("utf-8", "replace")
                if text is None or len(text) > self.config.max_message_bytes:
                    await self._close(4400, "Invalid message")
                    return
                if not await self._on_message(text):
                    return
        except WebSocketDisconnect:
            return
        finally:
            keepalive.cancel()
            for task in list(self.running.values()):
                task.cancel()
            await asyncio.gather(keepalive, *self.running.values(), return_exceptions=True)

    async def _initialise(self) -> bool:
        try:
            async with asyncio.timeout(self.config.connection_init_timeout):
                raw = await self.websocket.receive()
        except TimeoutError:
            await self._close(4408, "Connection initialisation timeout")
            return False
        if raw["type"] == "websocket.disconnect":
            return False
        message = _decode(raw.get("text") or raw.get("bytes") or b"")
        if message is None or message.get("type") != "connection_init":
            await self._close(4400, "Expected connection_init")
            return False
        payload = message.get("payload")
        self.headers = _headers_with(self.websocket.headers, payload)
        authenticator = self.services.authenticator
        if authenticator is not None:
            try:
                self.principal = await authenticator.authenticate(self.headers)
            except InvalidToken:
                await self._close(4403, "Forbidden")
                return False
        authorization = self.services.config.authorization
        if (
            authorization.enabled
            and authorization.require_authentication
            and not self.principal.authenticated
        ):
            await self._close(4403, "Forbidden")
            return False
        self.acknowledged = True
        await self._send({"type": "connection_ack"})
        return True

    async def _on_message(self, text: str) -> bool:
        message = _decode(text)
        if message is None or not isinstance(message.get("type"), str):
            await self._close(4400, "Invalid message")
            return False
        kind = message["type"]
        self.last_active = asyncio.get_running_loop().time()
        if kind == "ping":
            await self._send({"type": "pong"})
        elif kind == "pong":
            pass
        elif kind == "connection_init":
            await self._close(4429, "Too many initialisation requests")
            return False
        elif kind == "subscribe":
            return await self._subscribe(message)
        elif kind == "complete":
            task = self.running.pop(str(message.get("id")), None)
            if task is not None:
                task.cancel()
        else:
            await self._close(4400, f"Unknown message type {kind!r}")
            return False
        return True

    async def _subscribe(self, message: dict[str, Any]) -> bool:
        operation_id = message.get("id")
        payload = message.get("payload")
        if not isinstance(operation_id, str) or not operation_id or not isinstance(payload, dict):
            await self._close(4400, "Invalid subscribe message")
            return False
        if operation_id in self.running:
            await self._close(4409, f"Subscriber for {operation_id} already exists")
            return False
        if len(self.running) >= self.config.max_subscriptions_per_connection:
            limit = self.config.max_subscriptions_per_connection
            await self._send_error(
                operation_id,
                f"Too many subscriptions on this connection (at most {limit})",
                SUBSCRIPTION_LIMIT,
            )
            return True
        variables = payload.get("variables")
        query = payload.get("query")
        operation_name = payload.get("operationName")
        if (
            not isinstance(query, str)
            or not (variables is None or isinstance(variables, dict))
            or not (operation_name is None or isinstance(operation_name, str))
        ):
            await self._send_error(operation_id, "Invalid subscribe payload", "BAD_REQUEST")
            return True
        extensions = payload.get("extensions")
        request = GraphQLRequest(
            query=query,
            operation_name=operation_name,
            variables=variables,
            extensions=extensions if isinstance(extensions, dict) else None,
        )
        task = asyncio.create_task(self._run(operation_id, request))
        self.running[operation_id] = task
        task.add_done_callback(lambda _: self._finished(operation_id, task))
        return True

    def _finished(self, operation_id: str, task: asyncio.Task[None]) -> None:
        if self.running.get(operation_id) is task:
            del self.running[operation_id]
        self.last_active = asyncio.get_running_loop().time()

    async def _run(self, operation_id: str, request: GraphQLRequest) -> None:
        loaded = self.services.holder.current
        if loaded is None:
            await self._send_error(
                operation_id, "The router has no supergraph loaded yet", "NOT_READY"
            )
            return
        context = RequestContext(self.websocket)  # type: ignore[arg-type]
        context.principal = self.principal
        call = ClientCall(
            context,
            self.headers,
            self.services.propagation,
            principal=self.principal,
            identity=self.services.identity,
        )
        token = current_call.set(call)
        try:
            if self.services.hooks.has("on_operation"):
                request = await self.services.hooks.operation(context, request)
            result = await loaded.gateway.subscribe(request, principal=self.principal)
            if isinstance(result, SubscriptionStream):
                result.start()
        finally:
            current_call.reset(token)
        masking = self.owner.masking
        if isinstance(result, dict):
            if "data" not in result:
                await self._send(
                    {"id": operation_id, "type": "error", "payload": result.get("errors", [])}
                )
                return
            await self._send(
                {"id": operation_id, "type": "next", "payload": masking.apply(result, None)}
            )
            await self._send({"id": operation_id, "type": "complete"})
            return
        completed_by_client = False
        metrics = self.services.metrics
        metrics.subscriptions_active.labels("websocket").inc()
        try:
            async for response in result:
                metrics.subscription_events.labels("websocket").inc()
                await self._send(
                    {"id": operation_id, "type": "next", "payload": masking.apply(response, None)}
                )
        except asyncio.CancelledError:
            completed_by_client = True
            raise
        finally:
            metrics.subscriptions_active.labels("websocket").dec()
            await result.aclose()
            if not completed_by_client:
                with contextlib.suppress(Exception):
                    await self._send({"id": operation_id, "type": "complete"})

    async def _send_error(self, operation_id: str, message: str, code: str) -> None:
        error = {"message": message, "extensions": {"code": code}}
        await self._send({"id": operation_id, "type": "error", "payload": [error]})

    async def _keepalive(self) -> None:
        loop = asyncio.get_running_loop()
        idle_timeout = self.config.idle_timeout
        while True:
            await asyncio.sleep(self.config.keepalive_seconds)
            if self.acknowledged:
                await self._send({"type": "ping"})
            idle = loop.time() - self.last_active
            if idle_timeout is not None and not self.running and idle >= idle_timeout:
                await self._close(1000, "Idle timeout")
                return

    async def _send(self, message: Mapping[str, Any]) -> None:
        if self.websocket.application_state is not WebSocketState.CONNECTED:
            return
        async with self.send_lock:
            await self.websocket.send_text(orjson.dumps(message).decode())

    async def _close(self, code: int, reason: str) -> None:
        if self.websocket.application_state is WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await self.websocket.close(code, reason)


def _headers_with(upgrade: Headers, payload: object) -> Headers:
    """The upgrade request's headers with those of ``connection_init``'s payload over them:
    ``payload.headers`` and the payload's own string entries (e.g. ``Authorization``)."""
    given: dict[str, str] = {}
    if isinstance(payload, dict):
        nested = payload.get("headers")
        for source in (payload, nested if isinstance(nested, dict) else {}):
            for name, value in source.items():
                if (
                    isinstance(name, str)
                    and isinstance(value, str)
                    and name != "headers"
                    and name.isascii()  # header names and values: ASCII only
                    and value.isascii()
                ):
                    given[name.lower()] = value
    if not given:
        return upgrade
    raw = [(k, v) for k, v in upgrade.raw if k.decode("latin-1").lower() not in given]
    raw += [(name.encode("latin-1"), value.encode("latin-1")) for name, value in given.items()]
    return Headers(raw=raw)


def _decode(raw: str | bytes) -> dict[str, Any] | None:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None

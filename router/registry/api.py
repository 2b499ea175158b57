"""The registry's HTTP API (docs/registry.md), its web page and /health, as a Starlette app."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from router.registry.auth import Authenticator, AuthError, Caller
from router.registry.config import PUBLISH_SCOPE, READ_SCOPE, REPORT_SCOPE, RegistryConfig
from router.registry.health import HealthChecker
from router.registry.service import PublishRequest, RegistryService
from router.registry.store import (
    InstanceRecord,
    RegistryStore,
    ReportedOperation,
    VersionRecord,
    iso,
)

logger = logging.getLogger("fedra.registry")

STATIC_DIR = Path(__file__).resolve().parent / "static"
NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,99}$")
INSTANCE_PATTERN = re.compile(r"^[A-Za-z0-9_.:@-]{1,200}$")


class BadRequest(Exception):
    def __init__(self, message: str, status: int = 400, code: str = "BAD_REQUEST") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(body), status_code=status, media_type="application/json", headers=headers
    )


def error_response(status: int, code: str, message: str) -> Response:
    return json_response({"errors": [{"message": message, "extensions": {"code": code}}]}, status)


Handler = Callable[[Request], Awaitable[Response]]


def _guarded(handler: Handler) -> Handler:
    async def guarded(request: Request) -> Response:
        try:
            return await handler(request)
        except AuthError as error:
            return error_response(error.status, error.code, error.message)
        except BadRequest as error:
            return error_response(error.status, error.code, error.message)
        except SQLAlchemyError as error:
            logger.error("database error on %s %s: %s", request.method, request.url.path, error)
            return error_response(
                503, "REGISTRY_UNAVAILABLE", "the registry's database cannot be used right now"
            )

    return guarded


def _string(body: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = body.get(key)
    if value is None:
        if required:
            raise BadRequest(f"'{key}' is required")
        return None
    if not isinstance(value, str):
        raise BadRequest(f"'{key}' must be a string")
    return value


def _url(value: str | None) -> str:
    if value is None or not value.startswith(("http://", "https://")):
        raise BadRequest("'routing_url' must be an http:// or https:// URL")
    return value


def _timestamp(value: object) -> float:
    if not isinstance(value, str):
        raise BadRequest("'last_seen' must be an ISO 8601 string")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"'last_seen' is not ISO 8601: {value!r}") from None
    if parsed.tzinfo is None:
        raise BadRequest("'last_seen' needs a time zone (e.g. Z)")
    return parsed.timestamp()


class RegistryApi:
    def __init__(
        self, config: RegistryConfig, store: RegistryStore, authenticator: Authenticator
    ) -> None:
        self.config = config
        self.store = store
        self.service = RegistryService(config, store)
        self.auth = authenticator

    async def _caller(self, request: Request, scope: str) -> Caller:
        return await self.auth.require(request.headers.get("authorization"), scope)

    async def _body(self, request: Request) -> dict[str, Any]:
        data = b""
        async for chunk in request.stream():
            data += chunk
            if len(data) > self.config.max_body_bytes:
                raise BadRequest("the body is larger than max_body_bytes", 413, "TOO_LARGE")
        try:
            body = orjson.loads(data)
        except orjson.JSONDecodeError as error:
            raise BadRequest(f"the body is not JSON: {error}") from None
        if not isinstance(body, dict):
            raise BadRequest("the body must be a JSON object")
        return body

    @staticmethod
    def _name(request: Request) -> str:
        name = str(request.path_params["name"])
        if not NAME_PATTERN.match(name):
            raise BadRequest(f"invalid subgraph name {name!r}")
        return name

    @staticmethod
    def _instance(request: Request) -> str:
        instance_id = str(request.path_params["instance_id"])
        if not INSTANCE_PATTERN.match(instance_id):
            raise BadRequest(f"invalid instance id {instance_id!r}")
        return instance_id

    async def health(self, _request: Request) -> Response:
        return json_response({"status": "ok"})

    async def page(self, _request: Request) -> Response:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    async def publish(self, request: Request) -> Response:
        caller = await self._caller(request, PUBLISH_SCOPE)
        name = self._name(request)
        body = await self._body(request)
        instance_id = _string(body, "instance_id")
        if instance_id is not None and not INSTANCE_PATTERN.match(instance_id):
            raise BadRequest(f"invalid instance id {instance_id!r}")
        outcome = await self.service.publish(
            PublishRequest(
                subgraph=name,
                sdl=_string(body, "sdl", required=True) or "",
                routing_url=_url(_string(body, "routing_url", required=True)),
                instance_id=instance_id,
                version_label=_string(body, "version"),
                author=_string(body, "author") or caller.name,
            )
        )
        return json_response(
            {
                "accepted": outcome.accepted,
                "supergraph_version": outcome.supergraph_version,
                "changed": outcome.changed,
                "check": outcome.check,
            },
            200 if outcome.accepted else 409,
        )

    async def heartbeat(self, request: Request) -> Response:
        await self._caller(request, PUBLISH_SCOPE)
        name, instance_id = self._name(request), self._instance(request)
        body = await self._body(request)
        url = _url(_string(body, "routing_url", required=True))
        if not await self.store.heartbeat(name, instance_id, url):
            raise BadRequest(f"no subgraph {name!r} was published", 404, "NOT_FOUND")
        return json_response({"ok": True})

    async def deregister(self, request: Request) -> Response:
        await self._caller(request, PUBLISH_SCOPE)
        name, instance_id = self._name(request), self._instance(request)
        removed = await self.store.remove_instance(name, instance_id)
        return json_response({"ok": True, "removed": removed})

    def _etag(self, token: tuple[int, int]) -> str:
        return f'"{token[0]}.{token[1]}"'

    async def router_state(self, request: Request) -> Response:
        await self._caller(request, READ_SCOPE)
        wait_text = request.query_params.get("wait", "0")
        try:
            wait = min(max(float(wait_text), 0.0), self.config.long_poll_max_seconds)
        except ValueError:
            raise BadRequest(f"'wait' must be a number of seconds, not {wait_text!r}") from None
        seen = request.headers.get("if-none-match")
        token = await self.store.state_token()
        deadline = time.monotonic() + wait
        while seen == self._etag(token) and time.monotonic() < deadline:
            await asyncio.sleep(min(self.config.long_poll_interval_seconds, wait))
            token = await self.store.state_token()
        etag = self._etag(token)
        if seen == etag:
            return Response(status_code=304, headers={"ETag": etag})
        current = await self.store.version(token[0]) if token[0] else None
        if current is None:
            raise BadRequest("no supergraph was published yet", 404, "NOT_FOUND")
        state = {
            "version": current.version,
            "supergraph_sdl": current.sdl,
            "subgraphs": await self._subgraph_map(),
        }
        return json_response(state, headers={"ETag": etag})

    async def _subgraph_map(self) -> dict[str, Any]:
        by_subgraph: dict[str, list[InstanceRecord]] = {}
        for instance in await self.store.instances():
            by_subgraph.setdefault(instance.subgraph, []).append(instance)
        return {
            subgraph.name: {
                "routing_url": subgraph.routing_url,
                "instances": [
                    {"id": i.instance_id, "url": i.url, "healthy": i.healthy}
                    for i in by_subgraph.get(subgraph.name, [])
                ],
            }
            for subgraph in await self.store.subgraphs()
        }

    async def usage(self, request: Request) -> Response:
        await self._caller(request, REPORT_SCOPE)
        body = await self._body(request)
        entries = body.get("operations")
        if not isinstance(entries, list):
            raise BadRequest("'operations' must be a list")
        if len(entries) > self.config.max_usage_operations:
            raise BadRequest("more operations than max_usage_operations", 413, "TOO_LARGE")
        reported: list[ReportedOperation] = []
        for entry in entries:
            if not isinstance(entry, dict):
                raise BadRequest("each operation must be an object")
            count = entry.get("count")
            coordinates = entry.get("coordinates", [])
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                raise BadRequest("'count' must be a non-negative integer")
            if not isinstance(coordinates, list) or not all(
                isinstance(c, str) for c in coordinates
            ):
                raise BadRequest("'coordinates' must be a list of strings")
            reported.append(
                ReportedOperation(
                    hash=_string(entry, "hash", required=True) or "",
                    name=_string(entry, "name"),
                    count=count,
                    last_seen=_timestamp(entry.get("last_seen")),
                    coordinates=tuple(coordinates),
                )
            )
        await self.store.record_usage(reported)
        return json_response({"accepted": len(reported)}, 202)

    @staticmethod
    def _version_summary(record: VersionRecord) -> dict[str, Any]:
        return {
            "version": record.version,
            "created_at": iso(record.created_at),
            "author": record.author,
            "subgraph": record.subgraph,
            "summary": record.summary,
        }

    async def versions(self, _request: Request) -> Response:
        listed = await self.store.versions(self.config.history_limit)
        return json_response([self._version_summary(v) for v in listed])

    async def version(self, request: Request) -> Response:
        try:
            number = int(request.path_params["version"])
        except ValueError:
            raise BadRequest("the version must be a number") from None
        record = await self.store.version(number)
        if record is None:
            raise BadRequest(f"no supergraph version {number}", 404, "NOT_FOUND")
        return json_response(
            {
                **self._version_summary(record),
                "sdl": record.sdl,
                "diff_from_previous": {"sdl": record.sdl_diff, "changes": record.changes},
            }
        )

    async def checks(self, _request: Request) -> Response:
        listed = await self.store.checks(self.config.history_limit)
        return json_response(
            [
                {
                    "id": c.id,
                    "created_at": iso(c.created_at),
                    "subgraph": c.subgraph,
                    "author": c.author,
                    "accepted": c.accepted,
                    "supergraph_version": c.supergraph_version,
                    "result": c.result,
                }
                for c in listed
            ]
        )

    async def subgraphs(self, _request: Request) -> Response:
        instances = await self.store.instances()
        return json_response(
            [
                {
                    "name": s.name,
                    "routing_url": s.routing_url,
                    "version": s.version_label,
                    "author": s.author,
                    "updated_at": iso(s.updated_at),
                    "instances": [
                        {
                            "id": i.instance_id,
                            "url": i.url,
                            "version": i.version_label,
                            "healthy": i.healthy,
                            "failures": i.failures,
                            "registered_at": iso(i.registered_at),
                            "heard_at": iso(i.heard_at),
                            "checked_at": iso(i.checked_at),
                            "check_output": i.check_output,
                        }
                        for i in instances
                        if i.subgraph == s.name
                    ],
                }
                for s in await self.store.subgraphs()
            ]
        )


def create_registry_app(
    config: RegistryConfig, *, health_checks: bool = True, store: RegistryStore | None = None
) -> Starlette:
    """The registry: its store is created on startup, the health checker runs beside it."""
    store = store if store is not None else RegistryStore(config.database_url)
    api = RegistryApi(config, store, Authenticator.from_config(config))
    checker = HealthChecker(config, store)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await store.create()
        if health_checks:
            checker.start()
        try:
            yield
        finally:
            await checker.stop()
            await store.dispose()

    v1 = "/api/v1"
    routes = [
        Route("/", api.page, methods=["GET"]),
        Route("/health", api.health, methods=["GET"]),
        Route(f"{v1}/subgraphs", _guarded(api.subgraphs), methods=["GET"]),
        Route(f"{v1}/subgraphs/{{name}}/publish", _guarded(api.publish), methods=["POST"]),
        Route(
            f"{v1}/subgraphs/{{name}}/instances/{{instance_id}}/heartbeat",
            _guarded(api.heartbeat),
            methods=["POST"],
        ),
        Route(
            f"{v1}/subgraphs/{{name}}/instances/{{instance_id}}",
            _guarded(api.deregister),
            methods=["DELETE"],
        ),
        Route(f"{v1}/router/state", _guarded(api.router_state), methods=["GET"]),
        Route(f"{v1}/usage", _guarded(api.usage), methods=["POST"]),
        Route(f"{v1}/supergraph/versions", _guarded(api.versions), methods=["GET"]),
        Route(f"{v1}/supergraph/versions/{{version}}", _guarded(api.version), methods=["GET"]),
        Route(f"{v1}/checks", _guarded(api.checks), methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.store = store
    app.state.health_checker = checker
    app.state.config = config
    return app

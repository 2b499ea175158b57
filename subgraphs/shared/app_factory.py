"""FastAPI + Strawberry app shared by the subgraphs: lifespan, per-request context, /health and
/ready."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar, cast

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from starlette.requests import HTTPConnection
from strawberry.fastapi import GraphQLRouter
from strawberry.federation import Schema
from strawberry.types.unset import UnsetType

from .context import Identity, SubgraphContext
from .db import Database
from .identity import IdentityError, TokenVerifier
from .migrations import migrations_enabled
from .readiness import Readiness, ready_timeout_from_env
from .registration import Registration, RegistrationSettings
from .request_session import RequestSession

ContextT = TypeVar("ContextT", bound=SubgraphContext)

LifecycleHook = Callable[[], Awaitable[None]]


def create_subgraph_app(
    *,
    name: str,
    schema: Schema,
    database: Database,
    seed: Callable[[Database], Awaitable[bool]],
    make_context: Callable[[RequestSession, Identity], ContextT],
    verifier: TokenVerifier | None = None,
    on_startup: Sequence[LifecycleHook] = (),
    on_shutdown: Sequence[LifecycleHook] = (),
    routers: Sequence[APIRouter] = (),
    migrations: bool | None = None,
) -> FastAPI:
    """A subgraph app serving `schema` at /graphql.

    On start it creates the tables, seeds an empty database and runs `on_startup`; on stop
    it runs `on_shutdown` and disposes of the engine. `app.state.database` is the Database.
    With `migrations` (default: `FEDRA_DATABASE_MIGRATIONS`) the tables come from the Alembic
    migrations instead: the app refuses to start on a database behind its head revision.
    GET /ready answers 200 while the database answers (and, with migrations, is at the head
    revision), else 503.
    Callers are identified by `verifier` (else one configured from the environment): a verified
    token or router-signed claims header, never a header a client can set. Over WebSocket
    (graphql-transport-ws) the upgrade request's headers count, overridden by a `headers`
    object in the `connection_init` payload if there is one.
    `routers` add HTTP routes of the subgraph's own beside /graphql and /health.
    With `FEDRA_REGISTRY_URL` set, the subgraph publishes its SDL to the schema registry once
    started, heartbeats and deregisters on stop (`subgraphs.shared.registration`).
    """
    verifier = verifier if verifier is not None else TokenVerifier.from_env()
    use_migrations = migrations_enabled() if migrations is None else migrations
    readiness = Readiness(name, database, ready_timeout_from_env(), migrations=use_migrations)
    registration_settings = RegistrationSettings.from_env()

    async def federation_sdl() -> str:
        result = await schema.execute("{ _service { sdl } }")
        if result.errors or result.data is None:
            raise RuntimeError(f"{name}: _service query failed: {result.errors}")
        return str(result.data["_service"]["sdl"])

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if use_migrations:
            await readiness.require_current_schema()
        else:
            await database.create_tables()
        await seed(database)
        for hook in on_startup:
            await hook()
        registration = (
            Registration(name, federation_sdl, registration_settings)
            if registration_settings is not None
            else None
        )
        if registration is not None:
            registration.start()
        _app.state.registration = registration
        try:
            yield
        finally:
            if registration is not None:
                await registration.stop()
            for hook in on_shutdown:
                await hook()
            await database.dispose()

    async def get_context(connection: HTTPConnection) -> AsyncIterator[ContextT]:
        session = RequestSession(database.session())
        try:
            yield make_context(session, await identify(verifier, connection.headers))
        finally:
            await session.close()

    app = FastAPI(title=f"fedra {name} subgraph", lifespan=lifespan)
    app.state.database = database
    app.state.verifier = verifier
    app.state.readiness = readiness
    graphql_router: GraphQLRouter[Any, None] = SubgraphGraphQLRouter(
        verifier,
        schema,
        path="/graphql",
        graphql_ide=None,
        context_getter=cast(Callable[..., Any], get_context),
    )
    app.include_router(graphql_router)
    for router in routers:
        app.include_router(router)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok", "subgraph": name}

    @app.get("/ready")
    async def ready() -> JSONResponse:
        report = await readiness.check()
        return JSONResponse(report.body(name), status_code=200 if report.ready else 503)

    return app


async def identify(verifier: TokenVerifier, headers: Mapping[str, str]) -> Identity:
    try:
        return await verifier.caller(headers)
    except IdentityError as error:
        return error


class SubgraphGraphQLRouter(GraphQLRouter[Any, None]):
    """/graphql over HTTP and WebSocket; a WebSocket caller may also present credentials as
    `connection_init` payload `headers`."""

    def __init__(self, verifier: TokenVerifier, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._verifier = verifier

    async def on_ws_connect(self, context: Any) -> UnsetType | dict[str, object] | None:
        params = getattr(context, "connection_params", None)
        extra = params.get("headers") if isinstance(params, dict) else None
        if isinstance(context, SubgraphContext) and isinstance(extra, dict):
            request = context.request
            upgrade = request.headers.items() if request is not None else []
            headers = {key.lower(): value for key, value in upgrade}
            headers.update(
                (str(key).lower(), value) for key, value in extra.items() if isinstance(value, str)
            )
            context.set_identity(await identify(self._verifier, headers))
        return await super().on_ws_connect(context)

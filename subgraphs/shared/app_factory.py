"""FastAPI + Strawberry app shared by the subgraphs: lifespan, per-request context, /health and
/ready."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar, cast

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from strawberry.fastapi import GraphQLRouter
from strawberry.federation import Schema

from .context import Identity, SubgraphContext
from .db import Database
from .identity import IdentityError, TokenVerifier
from .migrations import migrations_enabled
from .readiness import Readiness, ready_timeout_from_env
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
    token or router-signed claims header, never a header a client can set.
    `routers` add HTTP routes of the subgraph's own beside /graphql and /health.
    """
    verifier = verifier if verifier is not None else TokenVerifier.from_env()
    use_migrations = migrations_enabled() if migrations is None else migrations
    readiness = Readiness(name, database, ready_timeout_from_env(), migrations=use_migrations)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if use_migrations:
            await readiness.require_current_schema()
        else:
            await database.create_tables()
        await seed(database)
        for hook in on_startup:
            await hook()
        try:
            yield
        finally:
            for hook in on_shutdown:
                await hook()
            await database.dispose()

    async def get_context(request: Request) -> AsyncIterator[ContextT]:
        session = RequestSession(database.session())
        try:
            identity: Identity
            try:
                identity = await verifier.caller(request.headers)
            except IdentityError as error:
                identity = error
            yield make_context(session, identity)
        finally:
            await session.close()

    app = FastAPI(title=f"fedra {name} subgraph", lifespan=lifespan)
    app.state.database = database
    app.state.verifier = verifier
    app.state.readiness = readiness
    graphql_router: GraphQLRouter[Any, None] = GraphQLRouter(
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

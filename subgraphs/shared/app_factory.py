"""FastAPI + Strawberry app shared by the subgraphs: lifespan, per-request context, /health."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar, cast

from fastapi import APIRouter, FastAPI, Request
from strawberry.fastapi import GraphQLRouter
from strawberry.federation import Schema

from .context import Identity, SubgraphContext
from .db import Database
from .identity import IdentityError, TokenVerifier
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
) -> FastAPI:
    """A subgraph app serving `schema` at /graphql.

    On start it creates the tables, seeds an empty database and runs `on_startup`; on stop
    it runs `on_shutdown` and disposes of the engine. `app.state.database` is the Database.
    Callers are identified by `verifier` (else one configured from the environment): a verified
    token or router-signed claims header, never a header a client can set.
    `routers` add HTTP routes of the subgraph's own beside /graphql and /health.
    With `FEDRA_REGISTRY_URL` set, the subgraph publishes its SDL to the schema registry once
    started, heartbeats and deregisters on stop (`subgraphs.shared.registration`).
    """
    verifier = verifier if verifier is not None else TokenVerifier.from_env()
    registration_settings = RegistrationSettings.from_env()

    async def federation_sdl() -> str:
        result = await schema.execute("{ _service { sdl } }")
        if result.errors or result.data is None:
            raise RuntimeError(f"{name}: _service query failed: {result.errors}")
        return str(result.data["_service"]["sdl"])

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
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

    return app

"""FastAPI + Strawberry app shared by the subgraphs: lifespan, per-request context, /health."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar, cast

from fastapi import FastAPI, Request
from strawberry.fastapi import GraphQLRouter
from strawberry.federation import Schema

from .context import CALLER_HEADER, SubgraphContext
from .db import Database
from .request_session import RequestSession

ContextT = TypeVar("ContextT", bound=SubgraphContext)

LifecycleHook = Callable[[], Awaitable[None]]


def create_subgraph_app(
    *,
    name: str,
    schema: Schema,
    database: Database,
    seed: Callable[[Database], Awaitable[bool]],
    make_context: Callable[[RequestSession, str | None], ContextT],
    on_startup: Sequence[LifecycleHook] = (),
    on_shutdown: Sequence[LifecycleHook] = (),
) -> FastAPI:
    """A subgraph app serving `schema` at /graphql.

    On start it creates the tables, seeds an empty database and runs `on_startup`; on stop
    it runs `on_shutdown` and disposes of the engine. `app.state.database` is the Database.
    """

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
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
            yield make_context(session, request.headers.get(CALLER_HEADER))
        finally:
            await session.close()

    app = FastAPI(title=f"fedra {name} subgraph", lifespan=lifespan)
    app.state.database = database
    graphql_router: GraphQLRouter[Any, None] = GraphQLRouter(
        schema,
        path="/graphql",
        graphql_ide=None,
        context_getter=cast(Callable[..., Any], get_context),
    )
    app.include_router(graphql_router)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok", "subgraph": name}

    return app

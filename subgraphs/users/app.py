"""ASGI app of the users subgraph: `uvicorn subgraphs.users.app:app` (port 4001)."""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI

from subgraphs.shared.app_factory import create_subgraph_app
from subgraphs.shared.context import Identity
from subgraphs.shared.db import Database, resolve_database_url
from subgraphs.shared.identity import JWKS_ENV, JwksKeys, TokenVerifier
from subgraphs.shared.request_session import RequestSession

from .loaders import UsersContext
from .models import metadata
from .schema import schema
from .seed import seed_users
from .services import LazyServices
from .settings import UsersSettings
from .token_routes import token_router

NAME = "users"


class OwnKeys(JwksKeys):
    """The published keys of this service's own key store: a rotation is seen at once."""

    def __init__(self, services: LazyServices) -> None:
        super().__init__("users key store")
        self._services = services

    async def key(self, kid: str) -> Any | None:
        for key in self._services.get().keys.published():
            if key.kid == kid:
                return key.private_key.public_key()
        return None


def create_app(
    database_url: str | None = None,
    *,
    settings: UsersSettings | None = None,
    verifier: TokenVerifier | None = None,
) -> FastAPI:
    """The users app on `database_url`, else `DATABASE_URL`, else var/users.sqlite3.

    `settings` default to the environment's; callers are verified against this service's own
    published keys unless `FEDRA_AUTH_JWKS` (or `verifier`) names another key set.
    """
    database = Database(resolve_database_url(NAME, database_url), metadata)
    services = LazyServices(settings)
    if verifier is None:
        verifier = TokenVerifier.from_env()
        if not os.environ.get(JWKS_ENV):
            verifier.keys = OwnKeys(services)

    async def seed(db: Database) -> bool:
        started = services.get()
        return await seed_users(db, started.passwords, started.personal)

    def make_context(session: RequestSession, identity: Identity) -> UsersContext:
        return UsersContext(session, identity, services.get())

    app = create_subgraph_app(
        name=NAME,
        schema=schema,
        database=database,
        seed=seed,
        make_context=make_context,
        verifier=verifier,
        routers=[token_router(database, services.get)],
    )
    app.state.services = services
    return app


app = create_app()

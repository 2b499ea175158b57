"""A deliberately slow subgraph: ``slow(ms:)`` answers after sleeping ``ms`` milliseconds,
so a test can have a request in flight at a moment of its choosing."""

from __future__ import annotations

import asyncio

import strawberry
from fastapi import FastAPI
from strawberry.fastapi import GraphQLRouter


@strawberry.type
class Query:
    @strawberry.field
    async def slow(self, ms: int) -> str:
        await asyncio.sleep(ms / 1000)
        return f"slept {ms}ms"


schema = strawberry.federation.Schema(query=Query, federation_version="2.7")
app = FastAPI()
app.include_router(GraphQLRouter(schema), prefix="/graphql")

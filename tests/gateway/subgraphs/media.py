"""Interface entities: ``media`` owns the Media interface and its types; ``ratings`` extends
Media as an ``@interfaceObject`` without knowing the implementations."""

from __future__ import annotations

import strawberry
from strawberry.asgi import GraphQL

from tests.executor.subgraphs.recording import RecordingApp


@strawberry.federation.interface(keys=["id"])
class Media:
    id: strawberry.ID
    title: str

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Media | None:
        return LIBRARY.get(id)


@strawberry.federation.type(keys=["id"])
class Book(Media):
    author: str


@strawberry.federation.type(keys=["id"])
class Movie(Media):
    minutes: int


LIBRARY: dict[str, Media] = {
    "1": Book(id=strawberry.ID("1"), title="Dune", author="Frank Herbert"),
    "2": Movie(id=strawberry.ID("2"), title="Alien", minutes=117),
    "3": Book(id=strawberry.ID("3"), title="Solaris", author="Stanisław Lem"),
}
RATINGS = {"1": 5, "2": 4, "3": 3}


@strawberry.type
class MediaQuery:
    @strawberry.field
    def library(self) -> list[Media]:
        return list(LIBRARY.values())


media_schema = strawberry.federation.Schema(
    query=MediaQuery, types=[Book, Movie], federation_version="2.5"
)


@strawberry.federation.interface_object(keys=["id"], name="Media")
class RatedMedia:
    id: strawberry.ID

    @strawberry.field
    def rating(self) -> int | None:
        return RATINGS.get(self.id)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> RatedMedia:
        return RatedMedia(id=id)


@strawberry.type
class RatingsQuery:
    @strawberry.field
    def top_rated(self) -> list[RatedMedia]:
        ranked = sorted(RATINGS, key=lambda key: -RATINGS[key])
        return [RatedMedia(id=strawberry.ID(key)) for key in ranked]


ratings_schema = strawberry.federation.Schema(
    query=RatingsQuery, types=[RatedMedia], federation_version="2.5"
)


def make_media_app() -> RecordingApp:
    return RecordingApp(GraphQL(media_schema))


def make_ratings_app() -> RecordingApp:
    return RecordingApp(GraphQL(ratings_schema))

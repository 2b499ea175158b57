"""A one-subgraph catalog: interfaces, unions, enums, inputs and a custom scalar."""

from __future__ import annotations

import datetime
import enum
from typing import Annotated

import strawberry
from strawberry.asgi import GraphQL

from tests.executor.subgraphs.recording import RecordingApp


@strawberry.enum
class Genre(enum.Enum):
    FICTION = "FICTION"
    SCIENCE = "SCIENCE"


@strawberry.interface
class Item:
    id: strawberry.ID
    title: str


@strawberry.federation.type(keys=["id"])
class Book(Item):
    author: str | None
    genre: Genre | None
    published: datetime.date | None

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Book | None:
        return next((b for b in BOOKS if b.id == id), None)


@strawberry.type
class Movie(Item):
    minutes: int


SearchResult = Annotated[Book | Movie, strawberry.union("SearchResult")]


@strawberry.input
class SearchFilter:
    text: str
    genres: list[Genre] | None = None
    limit: int = 10


BOOKS = [
    Book(
        id=strawberry.ID("b1"),
        title="Dune",
        author="Frank Herbert",
        genre=Genre.FICTION,
        published=datetime.date(1965, 8, 1),
    ),
    Book(
        id=strawberry.ID("b2"),
        title="Cosmos",
        author="Carl Sagan",
        genre=Genre.SCIENCE,
        published=None,
    ),
]
MOVIES = [Movie(id=strawberry.ID("m1"), title="Dune", minutes=155)]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return [*BOOKS, *MOVIES]

    @strawberry.field
    def search(self, filter: SearchFilter) -> list[SearchResult]:
        every: list[Book | Movie] = [*BOOKS, *MOVIES]
        found = [
            item
            for item in every
            if filter.text.lower() in item.title.lower()
            and (filter.genres is None or (isinstance(item, Book) and item.genre in filter.genres))
        ]
        return found[: filter.limit]

    @strawberry.field
    def book(self, id: strawberry.ID) -> Book | None:
        return next((b for b in BOOKS if b.id == id), None)


@strawberry.type
class Mutation:
    @strawberry.mutation
    def add_book(self, title: str) -> Book:
        book = Book(
            id=strawberry.ID(f"b{len(BOOKS) + 1}"),
            title=title,
            author=None,
            genre=None,
            published=None,
        )
        BOOKS.append(book)
        return book


schema = strawberry.federation.Schema(
    query=Query, mutation=Mutation, types=[Book, Movie], federation_version="2.5"
)


def make_app() -> RecordingApp:
    return RecordingApp(GraphQL(schema))

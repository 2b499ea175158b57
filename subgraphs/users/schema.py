"""The users subgraph schema: User (@key id), me, user, users, createUser."""

from __future__ import annotations

from datetime import datetime

import strawberry
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from strawberry import UNSET
from strawberry.federation.schema_directives import ListSize

from subgraphs.shared.errors import (
    bad_user_input,
    mask_unexpected_errors,
    parse_int_id,
    parse_int_id_or_none,
)
from subgraphs.shared.pagination import (
    DEFAULT_PAGE_SIZE,
    Connection,
    build_connection,
    check_page_size,
    decode_cursor,
)
from subgraphs.shared.timestamps import as_utc, utc_now

from .loaders import UsersContext
from .models import UserRow
from .validation import validate_new_user

USER_CURSOR_KIND = "user"


@strawberry.federation.type(keys=["id"], description="A customer account.")
class User:
    id: strawberry.ID
    email: str = strawberry.federation.field(tags=["pii"])
    name: str
    created_at: datetime
    order_count: int = strawberry.federation.field(
        description="How many orders the user has placed, cancelled included."
    )

    @classmethod
    def from_row(cls, row: UserRow) -> User:
        return cls(
            id=strawberry.ID(str(row.id)),
            email=row.email,
            name=row.name,
            created_at=as_utc(row.created_at),
            order_count=row.order_count,
        )

    @classmethod
    async def resolve_reference(
        cls, info: strawberry.Info[UsersContext, None], id: strawberry.ID
    ) -> User | None:
        return await load_user(info.context, parse_int_id_or_none(id))


async def load_user(context: UsersContext, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    row = await context.user_by_id.load(user_id)
    return User.from_row(row) if row is not None else None


@strawberry.input(description="A new user account.")
class CreateUserInput:
    email: str
    name: str


async def resolve_me(info: strawberry.Info[UsersContext, None]) -> User | None:
    return await load_user(info.context, info.context.caller_id())


async def resolve_user(info: strawberry.Info[UsersContext, None], id: strawberry.ID) -> User | None:
    return await load_user(info.context, parse_int_id(id, field="id"))


async def resolve_users(
    info: strawberry.Info[UsersContext, None],
    first: int = DEFAULT_PAGE_SIZE,
    after: str | None = None,
) -> Connection[User]:
    check_page_size(first)
    query = select(UserRow).order_by(UserRow.id).limit(first + 1)
    if after is not None:
        query = query.where(UserRow.id > decode_cursor(USER_CURSOR_KIND, after))
    async with info.context.session.use() as db:
        rows = (await db.scalars(query)).all()
    for row in rows:
        info.context.user_by_id.prime(row.id, row)
    return build_connection(
        rows, first=first, kind=USER_CURSOR_KIND, row_id=lambda r: r.id, to_node=User.from_row
    )


async def create_user(info: strawberry.Info[UsersContext, None], input: CreateUserInput) -> User:
    new_user = validate_new_user(input.email, input.name)
    async with info.context.session.use() as db:
        taken = await db.scalar(select(UserRow.id).where(UserRow.email == new_user.email))
        if taken is not None:
            raise _email_taken(new_user.email)
        row = UserRow(email=new_user.email, name=new_user.name, created_at=utc_now())
        db.add(row)
        try:
            await db.commit()
        except IntegrityError:
            await db.rollback()
            raise _email_taken(new_user.email) from None
    return User.from_row(row)


@strawberry.type
class Query:
    me: User | None = strawberry.field(
        resolver=resolve_me, description="The calling user (from the x-user-id header), or null."
    )
    user: User | None = strawberry.field(resolver=resolve_user)
    users: Connection[User] = strawberry.field(
        resolver=resolve_users,
        description="All users, oldest account first.",
        directives=[
            ListSize(assumed_size=UNSET, slicing_arguments=["first"], sized_fields=["edges"])
        ],
    )


@strawberry.type
class Mutation:
    create_user: User = strawberry.mutation(
        resolver=create_user, description="Creates a user; the email must be valid and unused."
    )


def _email_taken(email: str) -> Exception:
    return bad_user_input(f"A user with email {email!r} already exists", field="email")


schema = strawberry.federation.Schema(
    query=Query,
    mutation=Mutation,
    types=[User],
    federation_version="2.9",
    extensions=[mask_unexpected_errors],
)

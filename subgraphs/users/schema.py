"""The users subgraph schema: User (@key id), me, user, users, createUser, signIn, refreshToken."""

from __future__ import annotations

from datetime import datetime

import strawberry
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from strawberry import UNSET
from strawberry.federation.schema_directives import ListSize

from subgraphs.shared.errors import (
    FORBIDDEN,
    UNAUTHENTICATED,
    bad_user_input,
    coded_error,
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
from .tokens import GrantError, TokenGrant
from .validation import validate_new_user

USER_CURSOR_KIND = "user"


def resolve_email(root: User, info: strawberry.Info[UsersContext, None]) -> str | None:
    caller = info.context.caller
    if not root.email_known_to_caller and caller.user_id != int(root.id) and not caller.is_admin:
        raise coded_error("Only the user themself and admins may read this email", FORBIDDEN)
    return info.context.services.personal.decrypt(root.email_encrypted)


@strawberry.federation.type(keys=["id"], description="A customer account.")
class User:
    id: strawberry.ID
    name: str
    created_at: datetime
    order_count: int = strawberry.federation.field(
        description="How many orders the user has placed, cancelled included."
    )
    email_encrypted: strawberry.Private[str]
    # The caller just proved to be this user (signIn, refreshToken) or gave this email
    # (createUser): showing it to them reveals nothing.
    email_known_to_caller: strawberry.Private[bool] = False

    email: str | None = strawberry.federation.field(
        resolver=resolve_email,
        tags=["pii"],
        description="The user's email: for the user themself and for admins only.",
    )

    @classmethod
    def from_row(cls, row: UserRow) -> User:
        return cls(
            id=strawberry.ID(str(row.id)),
            email_encrypted=row.email_encrypted,
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
    personal = info.context.services.personal
    lookup = personal.email_lookup(new_user.email)
    async with info.context.session.use() as db:
        taken = await db.scalar(select(UserRow.id).where(UserRow.email_lookup == lookup))
        if taken is not None:
            raise _email_taken(new_user.email)
        row = UserRow(
            email_encrypted=personal.encrypt(new_user.email),
            email_lookup=lookup,
            name=new_user.name,
            created_at=utc_now(),
        )
        db.add(row)
        try:
            await db.commit()
        except IntegrityError:
            await db.rollback()
            raise _email_taken(new_user.email) from None
    created = User.from_row(row)
    created.email_known_to_caller = True
    return created


@strawberry.type(description="A signed-in session: an access token and its refresh token.")
class AuthPayload:
    access_token: str = strawberry.field(
        description="Send as `Authorization: Bearer <accessToken>`."
    )
    token_type: str
    expires_in: int = strawberry.field(description="Seconds until the access token expires.")
    refresh_token: str = strawberry.field(
        description="Single use: trade it for a new payload with refreshToken."
    )
    user: User


async def sign_in(
    info: strawberry.Info[UsersContext, None], email: str, password: str
) -> AuthPayload:
    tokens = info.context.services.tokens
    async with info.context.session.use() as db:
        try:
            grant = await tokens.password_grant(db, email, password)
        except GrantError as error:
            raise coded_error(error.description, UNAUTHENTICATED) from None
    return await _payload(info, grant)


async def refresh_token(
    info: strawberry.Info[UsersContext, None], refresh_token: str
) -> AuthPayload:
    tokens = info.context.services.tokens
    async with info.context.session.use() as db:
        try:
            grant = await tokens.refresh_grant(db, refresh_token)
        except GrantError as error:
            raise coded_error(error.description, UNAUTHENTICATED) from None
    return await _payload(info, grant)


async def _payload(info: strawberry.Info[UsersContext, None], grant: TokenGrant) -> AuthPayload:
    assert grant.user_id is not None and grant.refresh_token is not None
    user = await load_user(info.context, grant.user_id)
    assert user is not None
    user.email_known_to_caller = True
    return AuthPayload(
        access_token=grant.access_token,
        token_type="bearer",
        expires_in=grant.expires_in,
        refresh_token=grant.refresh_token,
        user=user,
    )


@strawberry.type
class Query:
    me: User | None = strawberry.federation.field(
        resolver=resolve_me,
        authenticated=True,
        description="The signed-in user (from the bearer token), or null.",
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
    sign_in: AuthPayload = strawberry.mutation(
        resolver=sign_in, description="Signs in with an email and password."
    )
    refresh_token: AuthPayload = strawberry.mutation(
        resolver=refresh_token,
        description="Trades a refresh token (used once) for a new access and refresh token.",
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

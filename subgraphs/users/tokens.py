"""Issuing tokens: the OAuth2 password, refresh-token and client-credentials grants.

Access tokens are EdDSA JWTs from the key store (the identity contract's claims). Refresh tokens
are random strings stored only as their SHA-256, with an expiry; each use replaces the token
with a new one of the same family, and presenting a replaced token again (a stolen copy, or
the thief's use of the original) revokes the whole family.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.shared.identity import ADMIN_SCOPE, SERVICE_PREFIX
from subgraphs.shared.timestamps import as_utc, utc_now

from .keys import KeyStore
from .models import RefreshTokenRow, UserRow
from .passwords import Passwords
from .personal_data import PersonalData
from .secret_files import read_or_create_secret
from .settings import UsersSettings

USER_SCOPES = ("orders:read", "orders:write")
# Longer passwords are refused before hashing: argon2 over megabytes is a denial of service.
MAX_PASSWORD_LENGTH = 1024
ORDERS_SERVICE_SCOPES = ("stock:reserve",)
ORDERS_SECRET_FILE = "service-orders.secret"

INVALID_REQUEST = "invalid_request"
INVALID_CLIENT = "invalid_client"
INVALID_GRANT = "invalid_grant"
INVALID_SCOPE = "invalid_scope"
UNSUPPORTED_GRANT_TYPE = "unsupported_grant_type"


class GrantError(Exception):
    """An OAuth2 error response (RFC 6749 section 5.2)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


@dataclass(frozen=True, slots=True)
class ServiceClient:
    name: str
    secret: str
    scopes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TokenGrant:
    access_token: str
    expires_in: int
    scope: str
    refresh_token: str | None = None
    user_id: int | None = None

    def to_response(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "access_token": self.access_token,
            "token_type": "bearer",
            "expires_in": self.expires_in,
            "scope": self.scope,
        }
        if self.refresh_token is not None:
            body["refresh_token"] = self.refresh_token
        return body


def user_scopes(row: UserRow) -> str:
    return " ".join((*USER_SCOPES, ADMIN_SCOPE) if row.is_admin else USER_SCOPES)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def service_clients(settings: UsersSettings) -> dict[str, ServiceClient]:
    """The services allowed the client-credentials grant, with their secrets."""
    orders_secret = settings.orders_secret or read_or_create_secret(
        settings.keys_dir / ORDERS_SECRET_FILE, secrets.token_urlsafe(32)
    )
    return {"orders": ServiceClient("orders", orders_secret, ORDERS_SERVICE_SCOPES)}


BAD_CREDENTIALS = "Incorrect email or password"
BAD_REFRESH_TOKEN = "The refresh token is invalid or expired"
REUSED_REFRESH_TOKEN = "The refresh token was already used; its sign-in has been revoked"


class TokenService:
    def __init__(
        self,
        settings: UsersSettings,
        keys: KeyStore,
        passwords: Passwords,
        personal: PersonalData,
        clients: Mapping[str, ServiceClient],
        *,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.settings = settings
        self.keys = keys
        self.passwords = passwords
        self.personal = personal
        self.clients = dict(clients)
        self.now = now
        self._dummy_secret = secrets.token_urlsafe(32)

    async def password_grant(self, db: AsyncSession, email: str, password: str) -> TokenGrant:
        """Tokens for a user's email and password. The error never says which one was wrong,
        and an unknown email costs a password check too."""
        if len(password) > MAX_PASSWORD_LENGTH:
            raise GrantError(INVALID_GRANT, BAD_CREDENTIALS)
        lookup = self.personal.email_lookup(email)
        row = await db.scalar(select(UserRow).where(UserRow.email_lookup == lookup))
        check = await self.passwords.check_async(row.password_hash if row else None, password)
        if row is None or not check.ok:
            raise GrantError(INVALID_GRANT, BAD_CREDENTIALS)
        if check.rehashed is not None:
            row.password_hash = check.rehashed
        grant = await self._user_grant(db, row, family=secrets.token_hex(16))
        await db.commit()
        return grant

    async def refresh_grant(self, db: AsyncSession, refresh_token: str) -> TokenGrant:
        now = self.now()
        token_hash = hash_refresh_token(refresh_token)
        stored = await db.scalar(
            select(RefreshTokenRow).where(RefreshTokenRow.token_hash == token_hash)
        )
        if stored is None or stored.revoked_at is not None:
            raise GrantError(INVALID_GRANT, BAD_REFRESH_TOKEN)
        # plain values: a rollback expires the row object
        family, user_id = stored.family, stored.user_id
        if stored.used_at is not None:
            await self._revoke_family(db, family, now)
            raise GrantError(INVALID_GRANT, REUSED_REFRESH_TOKEN)
        if as_utc(stored.expires_at) <= now:
            raise GrantError(INVALID_GRANT, BAD_REFRESH_TOKEN)
        # Claim the token atomically: of two concurrent uses only one may win.
        claimed = cast(
            CursorResult[Any],
            await db.execute(
                update(RefreshTokenRow)
                .where(
                    RefreshTokenRow.id == stored.id,
                    RefreshTokenRow.used_at.is_(None),
                    RefreshTokenRow.revoked_at.is_(None),
                )
                .values(used_at=now)
            ),
        )
        if claimed.rowcount != 1:
            await db.rollback()
            await self._revoke_family(db, family, now)
            raise GrantError(INVALID_GRANT, REUSED_REFRESH_TOKEN)
        user = await db.get(UserRow, user_id)
        if user is None:
            await db.rollback()
            raise GrantError(INVALID_GRANT, BAD_REFRESH_TOKEN)
        grant = await self._user_grant(db, user, family=family)
        await db.commit()
        return grant

    def client_credentials_grant(
        self, client_id: str, client_secret: str, scope: str | None = None
    ) -> TokenGrant:
        client = self.clients.get(client_id)
        expected = client.secret if client is not None else self._dummy_secret
        secret_ok = hmac.compare_digest(client_secret.encode(), expected.encode())
        if client is None or not secret_ok:
            raise GrantError(INVALID_CLIENT, "Client authentication failed")
        requested = tuple(scope.split()) if scope else client.scopes
        if not set(requested) <= set(client.scopes):
            raise GrantError(INVALID_SCOPE, f"Client {client_id!r} may not request {scope!r}")
        scope_text = " ".join(requested)
        token = self.keys.signing_key().sign(
            f"{SERVICE_PREFIX}{client.name}",
            scope=scope_text,
            issuer=self.settings.issuer,
            audience=self.settings.audience,
            lifetime=self.settings.access_token_ttl,
        )
        return TokenGrant(token, self.settings.access_token_ttl, scope_text)

    def access_token_for(self, row: UserRow) -> str:
        return self.keys.signing_key().sign(
            str(row.id),
            scope=user_scopes(row),
            issuer=self.settings.issuer,
            audience=self.settings.audience,
            lifetime=self.settings.access_token_ttl,
            now=time.time(),
        )

    async def _user_grant(self, db: AsyncSession, row: UserRow, *, family: str) -> TokenGrant:
        now = self.now()
        # Expired tokens of this user are past any use, reuse detection included.
        await db.execute(
            delete(RefreshTokenRow)
            .where(RefreshTokenRow.user_id == row.id, RefreshTokenRow.expires_at < now)
            .execution_options(synchronize_session=False)
        )
        refresh_token = secrets.token_urlsafe(32)
        db.add(
            RefreshTokenRow(
                token_hash=hash_refresh_token(refresh_token),
                family=family,
                user_id=row.id,
                created_at=now,
                expires_at=now + timedelta(seconds=self.settings.refresh_token_ttl),
            )
        )
        return TokenGrant(
            access_token=self.access_token_for(row),
            expires_in=self.settings.access_token_ttl,
            scope=user_scopes(row),
            refresh_token=refresh_token,
            user_id=row.id,
        )

    async def _revoke_family(self, db: AsyncSession, family: str, now: datetime) -> None:
        await db.execute(
            update(RefreshTokenRow)
            .where(RefreshTokenRow.family == family, RefreshTokenRow.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        await db.commit()

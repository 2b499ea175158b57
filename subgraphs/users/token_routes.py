"""HTTP endpoints of the users service besides GraphQL: `POST /token` and the public keys.

`POST /token` is an OAuth2 token endpoint (RFC 6749) taking form fields:
- `grant_type=password` (or none) with `username` (the email) and `password`;
- `grant_type=refresh_token` with `refresh_token`;
- `grant_type=client_credentials` with `client_id`/`client_secret` (form fields or HTTP Basic)
  and an optional `scope`.
Errors are RFC 6749 section 5.2 bodies: `{"error", "error_description"}`, 400, or 401 for
`invalid_client`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import FormData

from subgraphs.shared.db import Database

from .services import UsersServices
from .tokens import (
    INVALID_CLIENT,
    INVALID_REQUEST,
    UNSUPPORTED_GRANT_TYPE,
    GrantError,
    TokenGrant,
)

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
MAX_FIELD_LENGTH = 4096


def token_router(database: Database, services: Callable[[], UsersServices]) -> APIRouter:
    router = APIRouter()

    @router.post("/token", include_in_schema=True, summary="OAuth2 token endpoint")
    async def token(request: Request) -> JSONResponse:
        try:
            grant = await _grant(request, database, services())
        except GrantError as error:
            return _error_response(error)
        return JSONResponse(grant.to_response(), headers=NO_STORE)

    @router.get("/.well-known/jwks.json", summary="The public keys tokens are signed with")
    async def jwks() -> JSONResponse:
        current = services()
        max_age = current.settings.jwks_max_age
        return JSONResponse(
            current.keys.public_jwks(),
            headers={"Cache-Control": f"public, max-age={max_age}"},
        )

    return router


async def _grant(request: Request, database: Database, services: UsersServices) -> TokenGrant:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in FORM_TYPES:
        raise GrantError(INVALID_REQUEST, "The token request must be form-encoded")
    form = await request.form()
    try:
        grant_type = _field(form, "grant_type") or "password"
        if grant_type == "password":
            username = _required(form, "username")
            password = _required(form, "password")
            async with database.session() as db:
                return await services.tokens.password_grant(db, username, password)
        if grant_type == "refresh_token":
            refresh_token = _required(form, "refresh_token")
            async with database.session() as db:
                return await services.tokens.refresh_grant(db, refresh_token)
        if grant_type == "client_credentials":
            client_id, client_secret = _client_credentials(request, form)
            return services.tokens.client_credentials_grant(
                client_id, client_secret, _field(form, "scope")
            )
        raise GrantError(UNSUPPORTED_GRANT_TYPE, f"Unsupported grant_type {grant_type!r}")
    finally:
        await form.close()


def _field(form: FormData, name: str) -> str | None:
    values = form.getlist(name)
    if len(values) > 1:
        raise GrantError(INVALID_REQUEST, f"{name} must be given once")
    if not values:
        return None
    value = values[0]
    if not isinstance(value, str):
        raise GrantError(INVALID_REQUEST, f"{name} must be a text field")
    if len(value) > MAX_FIELD_LENGTH:
        raise GrantError(INVALID_REQUEST, f"{name} is longer than {MAX_FIELD_LENGTH} characters")
    return value


def _required(form: FormData, name: str) -> str:
    value = _field(form, name)
    if not value:
        raise GrantError(INVALID_REQUEST, f"{name} is required")
    return value


def _client_credentials(request: Request, form: FormData) -> tuple[str, str]:
    """HTTP Basic (RFC 6749 section 2.3.1, form-urlencoded parts) or the form fields."""
    authorization = request.headers.get("authorization", "")
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise GrantError(INVALID_CLIENT, "Malformed HTTP Basic credentials") from None
        client_id, separator, client_secret = decoded.partition(":")
        if not separator:
            raise GrantError(INVALID_CLIENT, "Malformed HTTP Basic credentials")
        return unquote_plus(client_id), unquote_plus(client_secret)
    form_id = _field(form, "client_id")
    form_secret = _field(form, "client_secret")
    if not form_id or form_secret is None:
        raise GrantError(INVALID_CLIENT, "Client authentication is required")
    return form_id, form_secret


def _error_response(error: GrantError) -> JSONResponse:
    body: dict[str, Any] = {"error": error.error, "error_description": error.description}
    if error.error == INVALID_CLIENT:
        headers = {**NO_STORE, "WWW-Authenticate": 'Basic realm="fedra-users"'}
        return JSONResponse(body, status_code=401, headers=headers)
    return JSONResponse(body, status_code=400, headers=NO_STORE)

"""Signed test credentials: a key set in a JWKS file, user and service tokens, a token endpoint.

Tests give the apps a verifier on ``jwks_path`` and sign their callers' tokens with the same
key, so every request is identified exactly as in production: by a verified signature.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Form
from fastapi.responses import JSONResponse

from .identity import ADMIN_SCOPE, SERVICE_PREFIX, JwksKeys, TokenVerifier
from .signing_keys import SigningKey, write_jwks

USER_SCOPE = "orders:read orders:write"
ORDERS_SERVICE_SCOPE = "stock:reserve"


@dataclass(frozen=True, slots=True)
class ServiceClient:
    """A service allowed the client credentials grant, and the scope its tokens get."""

    secret: str
    scope: str


@dataclass(frozen=True, slots=True)
class TestKeys:
    key: SigningKey
    jwks_path: Path

    __test__ = False  # not a pytest test class

    @classmethod
    def create(cls, folder: Path) -> TestKeys:
        key = SigningKey.generate()
        path = folder / "jwks.json"
        write_jwks(path, [key])
        return cls(key, path)

    def verifier(self) -> TokenVerifier:
        return TokenVerifier(JwksKeys(str(self.jwks_path), refresh_interval=0))

    def user_token(self, user_id: int, *, admin: bool = False, scope: str = USER_SCOPE) -> str:
        return self.key.sign(str(user_id), scope=f"{scope} {ADMIN_SCOPE}" if admin else scope)

    def user(self, user_id: int, *, admin: bool = False, scope: str = USER_SCOPE) -> dict[str, str]:
        """Request headers of a signed-in user."""
        return bearer(self.user_token(user_id, admin=admin, scope=scope))

    def service(self, name: str = "orders", scope: str = ORDERS_SERVICE_SCOPE) -> dict[str, str]:
        """Request headers of a service credential."""
        return bearer(self.key.sign(f"{SERVICE_PREFIX}{name}", scope=scope))

    def token_endpoint(
        self, clients: Mapping[str, ServiceClient], *, lifetime: int = 900
    ) -> FastAPI:
        """A small OAuth2 token endpoint (``POST /token``, client credentials grant only)
        issuing tokens signed with this key, with the wire format of the users service's."""
        app = FastAPI()
        app.state.issued = 0

        @app.post("/token", response_model=None)
        async def token(
            grant_type: Annotated[str, Form()],
            client_id: Annotated[str, Form()] = "",
            client_secret: Annotated[str, Form()] = "",
        ) -> dict[str, Any] | JSONResponse:
            if grant_type != "client_credentials":
                return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
            client = clients.get(client_id)
            if client is None or not hmac.compare_digest(
                client.secret.encode(), client_secret.encode()
            ):
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            app.state.issued += 1
            access_token = self.key.sign(
                f"{SERVICE_PREFIX}{client_id}", scope=client.scope, lifetime=lifetime
            )
            return {"access_token": access_token, "token_type": "bearer", "expires_in": lifetime}

        return app


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}

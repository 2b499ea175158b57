"""Tokens for subgraph tests: signed directly with the session's key store, or asked of the
users service's token endpoint."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from subgraphs.shared.testing import SubgraphClient
from subgraphs.users.keys import KeyStore
from subgraphs.users.tokens import ORDERS_SERVICE_SCOPES, USER_SCOPES

REPO_ROOT = Path(__file__).resolve().parents[2]
USER_SCOPE = " ".join(USER_SCOPES)
ADMIN_SCOPE = f"{USER_SCOPE} admin"


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


@dataclass(frozen=True, slots=True)
class TokenFactory:
    store: KeyStore

    def user(self, user_id: int, *, admin: bool = False, **kwargs: Any) -> dict[str, str]:
        """Authorization headers of a user's access token."""
        scope = ADMIN_SCOPE if admin else USER_SCOPE
        return bearer(self.store.signing_key().sign(str(user_id), scope=scope, **kwargs))

    def service(
        self, name: str = "orders", scope: str = " ".join(ORDERS_SERVICE_SCOPES)
    ) -> dict[str, str]:
        return bearer(self.store.signing_key().sign(f"service:{name}", scope=scope))


async def password_grant(users: SubgraphClient, email: str, password: str) -> dict[str, Any]:
    """The token endpoint's answer to a password grant (asserting it succeeded)."""
    response = await users.http.post("/token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def keys_command(*args: str, env: dict[str, str]) -> str:
    """Runs `python -m subgraphs.users.keys <args>` as its own process; returns its stdout."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "subgraphs.users.keys",
        *args,
        cwd=REPO_ROOT,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, stderr.decode()
    return stdout.decode()

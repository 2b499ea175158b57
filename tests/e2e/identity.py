"""The callers of the end-to-end tests: tokens signed with one test key the subgraphs trust.

The key is made once per test session; its JWKS file and a token endpoint granting the orders
service its credential are set up by the fixtures (conftest.py).
"""

from __future__ import annotations

from collections.abc import Mapping

import jwt

from router.auth import ANONYMOUS, Principal
from subgraphs.shared.signing_keys import SigningKey
from subgraphs.shared.testing_tokens import USER_SCOPE, bearer

KEY = SigningKey.generate("e2e")
ORDERS_SECRET = "e2e-orders-secret"
ADMIN_ID = 100_000  # an admin who is not a seeded user and owns no orders
TOKEN_LIFETIME_SECONDS = 3600.0  # tokens are signed when the operations are defined


def user(user_id: int, *, admin: bool = False) -> dict[str, str]:
    """Request headers of a signed-in user (an admin too with ``admin``)."""
    scope = f"{USER_SCOPE} admin" if admin else USER_SCOPE
    return bearer(KEY.sign(str(user_id), scope=scope, lifetime=TOKEN_LIFETIME_SECONDS))


CALLER = user(5)
ADMIN = user(ADMIN_ID, admin=True)


def principal(headers: Mapping[str, str] | None) -> Principal:
    """The caller the router's authentication makes of these headers: the claims of a token
    that verifies against the test key, else anonymous (the Gateway runs below that step)."""
    authorization = (headers or {}).get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return ANONYMOUS
    claims = jwt.decode(
        token,
        KEY.private_key.public_key(),
        algorithms=["EdDSA"],
        audience="fedra",
        issuer="fedra-users",
    )
    return Principal.from_claims(claims, token)

"""The users service's token endpoint and sign-in mutations, over HTTP through the ASGI app."""

from __future__ import annotations

import asyncio
import base64
from datetime import timedelta
from pathlib import Path

import httpx
import jwt
import pytest
from sqlalchemy import select, update

from subgraphs.shared.identity import JwksKeys, TokenVerifier
from subgraphs.shared.seed import ADMIN_EMAIL, seed_data
from subgraphs.shared.testing import SubgraphClient, serve_in_process
from subgraphs.shared.timestamps import utc_now
from subgraphs.users.app import create_app as create_users_app
from subgraphs.users.models import RefreshTokenRow, UserRow
from subgraphs.users.seed import ADMIN_PASSWORD, DEMO_PASSWORD
from subgraphs.users.settings import Argon2Parameters, UsersSettings
from subgraphs.users.tokens import ORDERS_SECRET_FILE, hash_refresh_token

from .auth import ADMIN_SCOPE, USER_SCOPE, bearer, password_grant
from .conftest import DatabaseUrls, restored

SIGN_IN = """
mutation($email: String!, $password: String!) {
  signIn(email: $email, password: $password) {
    accessToken tokenType expiresIn refreshToken user { id name email }
  }
}
"""
REFRESH = """
mutation($token: String!) {
  refreshToken(refreshToken: $token) { accessToken refreshToken user { id } }
}
"""


def customer(index: int = 4) -> tuple[int, str]:
    user = seed_data().users[index]
    return user.id, user.email


async def post_token(
    users: SubgraphClient, data: dict[str, str], headers: dict[str, str] | None = None
) -> httpx.Response:
    return await users.http.post("/token", data=data, headers=headers)


async def verifier_from_jwks_endpoint(users: SubgraphClient, folder: Path) -> TokenVerifier:
    """A subgraph's verifier, reading the key set the users service publishes."""
    response = await users.http.get("/.well-known/jwks.json")
    assert response.status_code == 200
    path = folder / "published-jwks.json"
    path.write_text(response.text)
    return TokenVerifier(JwksKeys(str(path), refresh_interval=0))


async def test_password_grant_issues_a_token_subgraphs_verify(
    users: SubgraphClient, tmp_path: Path
) -> None:
    user_id, email = customer()
    response = await post_token(users, {"username": email.upper(), "password": DEMO_PASSWORD})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    assert body["scope"] == USER_SCOPE
    assert len(body["refresh_token"]) >= 40
    header = jwt.get_unverified_header(body["access_token"])
    assert header["alg"] == "EdDSA" and header["kid"]

    verifier = await verifier_from_jwks_endpoint(users, tmp_path)
    claims = await verifier.verify(body["access_token"])
    assert claims["sub"] == str(user_id)
    assert (claims["iss"], claims["aud"]) == ("fedra-users", "fedra")
    assert claims["scope"] == "orders:read orders:write"
    assert claims["exp"] - claims["iat"] == 900
    assert claims["jti"]
    caller = await verifier.caller(bearer(body["access_token"]))
    assert caller.user_id == user_id and not caller.is_admin


async def test_the_admin_gets_the_admin_scope(users: SubgraphClient) -> None:
    body = await password_grant(users, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert body["scope"] == ADMIN_SCOPE
    assert jwt.decode(body["access_token"], options={"verify_signature": False})["scope"] == (
        "orders:read orders:write admin"
    )


async def test_wrong_password_and_unknown_email_look_the_same(users: SubgraphClient) -> None:
    _, email = customer()
    wrong = await post_token(users, {"username": email, "password": "fedra-demo!"})
    unknown = await post_token(users, {"username": "nobody@example.com", "password": "fedra-demo"})
    for response in (wrong, unknown):
        assert response.status_code == 400
        assert response.headers["cache-control"] == "no-store"
    assert (
        wrong.json()
        == unknown.json()
        == {
            "error": "invalid_grant",
            "error_description": "Incorrect email or password",
        }
    )


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"username": "a@example.com"}, "invalid_request"),
        ({"grant_type": "password", "password": "x"}, "invalid_request"),
        ({"grant_type": "refresh_token"}, "invalid_request"),
        ({"grant_type": "authorization_code", "code": "x"}, "unsupported_grant_type"),
        ({"grant_type": "refresh_token", "refresh_token": "made-up"}, "invalid_grant"),
    ],
)
async def test_malformed_token_requests_are_oauth2_errors(
    users: SubgraphClient, data: dict[str, str], error: str
) -> None:
    response = await post_token(users, data)
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert response.json()["error_description"]


async def test_a_json_token_request_is_refused(users: SubgraphClient) -> None:
    response = await users.http.post("/token", json={"username": "a", "password": "b"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_refresh_tokens_rotate_and_a_reused_one_revokes_its_family(
    users: SubgraphClient,
) -> None:
    user_id, email = customer()
    first = await password_grant(users, email, DEMO_PASSWORD)
    refreshed = await post_token(
        users, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert refreshed.status_code == 200
    second = refreshed.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert jwt.decode(second["access_token"], options={"verify_signature": False})["sub"] == str(
        user_id
    )
    async with users.database.session() as db:
        stored = (await db.scalars(select(RefreshTokenRow.token_hash))).all()
    assert first["refresh_token"] not in stored  # only hashes are kept
    # the first token again: refused, and the token that replaced it is revoked with it
    reused = await post_token(
        users, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
    after_reuse = await post_token(
        users, {"grant_type": "refresh_token", "refresh_token": second["refresh_token"]}
    )
    assert after_reuse.status_code == 400
    assert after_reuse.json()["error"] == "invalid_grant"
    # another sign-in of the same user is a family of its own, untouched
    other = await password_grant(users, email, DEMO_PASSWORD)
    still_fine = await post_token(
        users, {"grant_type": "refresh_token", "refresh_token": other["refresh_token"]}
    )
    assert still_fine.status_code == 200


async def test_concurrent_uses_of_one_refresh_token_let_at_most_one_through(
    users: SubgraphClient,
) -> None:
    _, email = customer()
    grant = await password_grant(users, email, DEMO_PASSWORD)
    data = {"grant_type": "refresh_token", "refresh_token": grant["refresh_token"]}
    responses = await asyncio.gather(*(post_token(users, data) for _ in range(3)))
    statuses = sorted(response.status_code for response in responses)
    assert statuses.count(200) <= 1
    assert statuses.count(400) >= 2
    # whatever got through belongs to a family revoked by the reuse
    for response in responses:
        if response.status_code == 200:
            again = await post_token(
                users,
                {"grant_type": "refresh_token", "refresh_token": response.json()["refresh_token"]},
            )
            assert again.status_code == 400


async def test_an_expired_refresh_token_is_refused(users: SubgraphClient) -> None:
    _, email = customer()
    grant = await password_grant(users, email, DEMO_PASSWORD)
    async with users.database.session() as db:
        await db.execute(
            update(RefreshTokenRow).values(expires_at=utc_now() - timedelta(seconds=1))
        )
        await db.commit()
    response = await post_token(
        users, {"grant_type": "refresh_token", "refresh_token": grant["refresh_token"]}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    # the next sign-in of that user clears the expired token away
    await password_grant(users, email, DEMO_PASSWORD)
    async with users.database.session() as db:
        remaining = (await db.scalars(select(RefreshTokenRow.token_hash))).all()
    assert len(remaining) == 1
    assert hash_refresh_token(grant["refresh_token"]) not in remaining


def orders_secret(auth_keys_dir: Path) -> str:
    return (auth_keys_dir / ORDERS_SECRET_FILE).read_text().strip()


async def test_client_credentials_for_the_orders_service(
    users: SubgraphClient, auth_keys_dir: Path, tmp_path: Path
) -> None:
    secret = orders_secret(auth_keys_dir)
    assert (auth_keys_dir / ORDERS_SECRET_FILE).stat().st_mode & 0o777 == 0o600
    by_form = await post_token(
        users, {"grant_type": "client_credentials", "client_id": "orders", "client_secret": secret}
    )
    basic = base64.b64encode(f"orders:{secret}".encode()).decode()
    by_basic = await post_token(
        users, {"grant_type": "client_credentials"}, headers={"authorization": f"Basic {basic}"}
    )
    verifier = await verifier_from_jwks_endpoint(users, tmp_path)
    for response in (by_form, by_basic):
        assert response.status_code == 200
        body = response.json()
        assert "refresh_token" not in body
        assert body["scope"] == "stock:reserve"
        caller = await verifier.caller(bearer(body["access_token"]))
        assert caller.service == "orders"
        assert caller.has_scope("stock:reserve")
        assert caller.user_id is None


@pytest.mark.parametrize(
    ("client_id", "client_secret"), [("orders", "wrong"), ("products", "anything")]
)
async def test_bad_client_credentials_are_invalid_client(
    users: SubgraphClient, client_id: str, client_secret: str
) -> None:
    response = await post_token(
        users,
        {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        },
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic")
    assert response.json()["error"] == "invalid_client"


async def test_a_client_may_not_ask_for_more_scope(
    users: SubgraphClient, auth_keys_dir: Path
) -> None:
    response = await post_token(
        users,
        {
            "grant_type": "client_credentials",
            "client_id": "orders",
            "client_secret": orders_secret(auth_keys_dir),
            "scope": "stock:reserve admin",
        },
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


async def test_sign_in_through_graphql(users: SubgraphClient) -> None:
    user_id, email = customer()
    result = await users.execute(SIGN_IN, {"email": email, "password": DEMO_PASSWORD})
    payload = result.ok()["signIn"]
    assert payload["tokenType"] == "bearer"
    assert payload["expiresIn"] == 900
    assert payload["user"]["id"] == str(user_id)
    assert payload["user"] == {
        "id": str(user_id),
        "name": seed_data().users[4].name,
        "email": email,
    }
    me = await users.execute("{ me { id email } }", headers=bearer(payload["accessToken"]))
    assert me.ok() == {"me": {"id": str(user_id), "email": email}}

    refreshed = await users.execute(REFRESH, {"token": payload["refreshToken"]})
    assert refreshed.ok()["refreshToken"]["user"] == {"id": str(user_id)}
    reused = await users.execute(REFRESH, {"token": payload["refreshToken"]})
    assert reused.error_codes == ["UNAUTHENTICATED"]
    assert reused.data is None


async def test_sign_in_with_bad_credentials_says_nothing_about_the_email(
    users: SubgraphClient,
) -> None:
    _, email = customer()
    messages = []
    for variables in (
        {"email": email, "password": "not-it"},
        {"email": "nobody@example.com", "password": DEMO_PASSWORD},
        {"email": email, "password": ""},
        {"email": email, "password": DEMO_PASSWORD + "x" * 5000},
    ):
        result = await users.execute(SIGN_IN, variables)
        assert result.error_codes == ["UNAUTHENTICATED"], variables
        assert result.data is None
        messages.append(result.errors[0]["message"])
    assert set(messages) == {"Incorrect email or password"}


async def test_a_password_hash_is_upgraded_when_the_parameters_change(
    database_urls: DatabaseUrls, auth_keys_dir: Path
) -> None:
    _, email = customer()
    stronger = UsersSettings(
        keys_dir=auth_keys_dir,
        argon2=Argon2Parameters(time_cost=2, memory_kib=8192, parallelism=1),
    )
    url = await restored(database_urls, "users")
    async with serve_in_process(create_users_app(url, settings=stronger)) as users:

        async def stored_hash() -> str:
            async with users.database.session() as db:
                lookup = users.app.state.services.get().personal.email_lookup(email)
                value = await db.scalar(
                    select(UserRow.password_hash).where(UserRow.email_lookup == lookup)
                )
            assert isinstance(value, str)
            return value

        before = await stored_hash()
        assert "t=1" in before
        await password_grant(users, email, DEMO_PASSWORD)
        after = await stored_hash()
        assert "t=2" in after and "p=1" in after
        assert DEMO_PASSWORD not in after
        await password_grant(users, email, DEMO_PASSWORD)  # the new hash verifies
        assert await stored_hash() == after

"""The users service's signing keys: generated on first start, published, rotated, pruned."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import jwt
import pytest

from subgraphs.shared.identity import IdentityError, JwksKeys, TokenVerifier
from subgraphs.shared.seed import seed_data
from subgraphs.shared.testing import SubgraphClient, serve_in_process
from subgraphs.users.app import create_app as create_users_app
from subgraphs.users.keys import KeyStore
from subgraphs.users.seed import DEMO_PASSWORD
from subgraphs.users.settings import UsersSettings

from .auth import bearer, keys_command, password_grant

RETENTION = 930.0  # a 900 s access token plus the verifiers' 30 s leeway


class FakeClock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def verifier(jwks_path: Path) -> TokenVerifier:
    return TokenVerifier(JwksKeys(str(jwks_path), refresh_interval=0))


def test_first_start_generates_a_private_key_and_publishes_only_its_public_half(
    tmp_path: Path,
) -> None:
    store = KeyStore(tmp_path / "keys", retention=RETENTION)
    key = store.ensure()
    private_file = tmp_path / "keys" / "signing" / f"{key.kid}.json"
    assert private_file.stat().st_mode & 0o777 == 0o600
    assert json.loads(private_file.read_text())["jwk"]["d"]  # the private JWK
    published = json.loads(store.jwks_path.read_text())
    assert [k["kid"] for k in published["keys"]] == [key.kid]
    assert all("d" not in k for k in published["keys"])
    assert published["keys"][0]["alg"] == "EdDSA" and published["keys"][0]["crv"] == "Ed25519"
    # a second start keeps the key
    assert KeyStore(tmp_path / "keys", retention=RETENTION).ensure().kid == key.kid


async def test_rotation_keeps_old_tokens_valid_until_they_expire(tmp_path: Path) -> None:
    clock = FakeClock()
    store = KeyStore(tmp_path, retention=RETENTION, clock=clock)
    old = store.ensure()
    old_token = old.sign("3", now=clock.now)
    new = store.rotate()
    assert new.kid != old.kid
    assert store.signing_key().kid == new.kid
    assert {k.kid for k in store.published()} == {old.kid, new.kid}
    checker = verifier(store.jwks_path)
    # the rotated-out key's tokens still verify, and so do the new key's
    assert (await checker.caller(bearer(old_token))).user_id == 3
    assert (await checker.caller(bearer(new.sign("4")))).user_id == 4

    clock.now += RETENTION - 1  # not yet: a token signed just before rotation may be valid
    assert store.prune() == []
    clock.now += 2
    assert store.signing_key().kid == new.kid  # signing prunes what has expired
    assert store.prune() == []
    assert [k["kid"] for k in json.loads(store.jwks_path.read_text())["keys"]] == [new.kid]
    assert not (tmp_path / "signing" / f"{old.kid}.json").exists()
    with pytest.raises(IdentityError, match="unknown key"):
        await verifier(store.jwks_path).verify(old.sign("3"))


@pytest.fixture
async def users_with_own_keys(tmp_path: Path) -> AsyncIterator[SubgraphClient]:
    """A users app on a fresh SQLite database and a key directory of its own."""
    settings = UsersSettings(keys_dir=tmp_path / "keys", jwks_max_age=120)
    app = create_users_app(f"sqlite+aiosqlite:///{tmp_path / 'users.sqlite3'}", settings=settings)
    async with serve_in_process(app) as client:
        yield client


async def test_the_jwks_endpoint_serves_the_published_keys(
    users_with_own_keys: SubgraphClient, tmp_path: Path
) -> None:
    response = await users_with_own_keys.http.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=120"
    assert response.json() == json.loads((tmp_path / "keys" / "jwks.json").read_text())


async def test_a_rotation_by_the_command_is_seen_by_the_running_service(
    users_with_own_keys: SubgraphClient, tmp_path: Path
) -> None:
    users = users_with_own_keys
    email = seed_data().users[0].email
    before = (await password_grant(users, email, DEMO_PASSWORD))["access_token"]
    rotated = await keys_command("rotate", env={"FEDRA_AUTH_KEYS_DIR": str(tmp_path / "keys")})
    new_kid = rotated.split()[-1]
    after = (await password_grant(users, email, DEMO_PASSWORD))["access_token"]
    assert jwt.get_unverified_header(after)["kid"] == new_kid
    assert jwt.get_unverified_header(before)["kid"] != new_kid
    published = (await users.http.get("/.well-known/jwks.json")).json()
    assert {k["kid"] for k in published["keys"]} == {
        jwt.get_unverified_header(before)["kid"],
        new_kid,
    }
    for token in (before, after):
        me = await users.execute("{ me { id } }", headers=bearer(token))
        assert me.ok() == {"me": {"id": "1"}}
    shown = await keys_command("show", env={"FEDRA_AUTH_KEYS_DIR": str(tmp_path / "keys")})
    assert "retired" in shown and new_kid in shown

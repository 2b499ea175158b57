"""Personal data in the users service: encrypted at rest, shown only to the user and admins."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import text

from subgraphs.shared.seed import ADMIN_USER_ID, seed_data
from subgraphs.shared.testing import SubgraphClient, serve_in_process
from subgraphs.users.app import create_app as create_users_app
from subgraphs.users.personal_data import DATA_KEYS_FILE, LOOKUP_KEY_FILE
from subgraphs.users.seed import DEMO_PASSWORD
from subgraphs.users.settings import UsersSettings

from .auth import TokenFactory, keys_command, password_grant
from .conftest import DatabaseUrls


async def raw_user(users: SubgraphClient, user_id: int) -> dict[str, object]:
    async with users.database.engine.connect() as connection:
        row = (
            (await connection.execute(text("SELECT * FROM users WHERE id = :id"), {"id": user_id}))
            .mappings()
            .one()
        )
    return dict(row)


async def test_emails_are_stored_encrypted_with_a_keyed_lookup(
    users: SubgraphClient, auth_keys_dir: Path
) -> None:
    seeded = seed_data().users[9]
    row = await raw_user(users, seeded.id)
    assert "email" not in row
    stored = str(row["email_encrypted"])
    assert seeded.email not in stored
    assert seeded.email.split("@")[0] not in stored
    # Fernet under the (development) data key; a lookup HMAC under the lookup key
    data_key = (auth_keys_dir / DATA_KEYS_FILE).read_text().split()[0]
    assert Fernet(data_key).decrypt(stored.encode()).decode() == seeded.email
    lookup_key = (auth_keys_dir / LOOKUP_KEY_FILE).read_text().strip().encode()
    expected = hmac.new(lookup_key, seeded.email.encode(), hashlib.sha256).hexdigest()
    assert row["email_lookup"] == expected
    assert (auth_keys_dir / DATA_KEYS_FILE).stat().st_mode & 0o777 == 0o600
    # two users' ciphertexts differ even in length-equal prefixes: no deterministic encryption
    other = await raw_user(users, seed_data().users[10].id)
    assert str(other["email_encrypted"])[:40] != stored[:40]


async def test_a_created_user_is_stored_encrypted_too(users: SubgraphClient) -> None:
    result = await users.execute(
        'mutation { createUser(input: {email: "Secret.Person@Example.com", name: "S"}) { id } }'
    )
    row = await raw_user(users, int(result.ok()["createUser"]["id"]))
    assert "secret.person" not in str(row["email_encrypted"]).lower()
    assert len(str(row["email_lookup"])) == 64


async def test_email_is_for_the_user_themself_and_admins(
    users: SubgraphClient, tokens: TokenFactory
) -> None:
    seeded = seed_data().users[2]
    query = f'{{ user(id: "{seeded.id}") {{ id email }} }}'
    for headers in (tokens.user(seeded.id), tokens.user(ADMIN_USER_ID, admin=True)):
        result = await users.execute(query, headers=headers)
        assert result.ok() == {"user": {"id": str(seeded.id), "email": seeded.email}}
    # anonymous callers, other users and services do not see it
    for headers in ({}, tokens.user(seeded.id + 1), tokens.service()):
        result = await users.execute(query, headers=headers)
        assert result.data == {"user": {"id": str(seeded.id), "email": None}}, headers
        assert result.error_codes == ["FORBIDDEN"]
        assert result.errors[0]["path"] == ["user", "email"]


async def test_email_visibility_holds_for_entities(
    users: SubgraphClient, tokens: TokenFactory
) -> None:
    result = await users.execute(
        """
        query($representations: [_Any!]!) {
          _entities(representations: $representations) { ... on User { id email } }
        }
        """,
        {"representations": [{"__typename": "User", "id": "5"}, {"__typename": "User", "id": "6"}]},
        headers=tokens.user(5),
    )
    assert result.data == {
        "_entities": [{"id": "5", "email": seed_data().users[4].email}, {"id": "6", "email": None}]
    }
    assert result.error_codes == ["FORBIDDEN"]


async def test_data_key_rotation_reencrypts_every_email(
    empty_database_urls: DatabaseUrls, tmp_path: Path
) -> None:
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    lookup_key = "lookup-key-for-the-test"

    def settings(*data_keys: str) -> UsersSettings:
        return UsersSettings(keys_dir=tmp_path / "keys", data_keys=data_keys, lookup_key=lookup_key)

    url = empty_database_urls.users
    async with serve_in_process(create_users_app(url, settings=settings(old_key))) as users:
        before = await raw_user(users, 1)
    rotated = await keys_command(
        "rotate-data",
        "--database-url",
        url,
        env={
            "FEDRA_AUTH_KEYS_DIR": str(tmp_path / "keys"),
            "FEDRA_USERS_DATA_KEYS": f"{new_key},{old_key}",
            "FEDRA_USERS_LOOKUP_KEY": lookup_key,
        },
    )
    assert rotated.strip() == f"re-encrypted {len(seed_data().users)} users"
    # the old key can go: the new one alone reads everything, and sign-in by email still works
    async with serve_in_process(create_users_app(url, settings=settings(new_key))) as users:
        after = await raw_user(users, 1)
        assert after["email_encrypted"] != before["email_encrypted"]
        assert after["email_lookup"] == before["email_lookup"]
        try:
            Fernet(old_key).decrypt(str(after["email_encrypted"]).encode())
            raise AssertionError("still readable with the retired key")
        except InvalidToken:
            pass
        seeded = seed_data().users[0]
        grant = await password_grant(users, seeded.email, DEMO_PASSWORD)
        me = await users.execute(
            "{ me { email } }", headers={"authorization": f"Bearer {grant['access_token']}"}
        )
        assert me.ok() == {"me": {"email": seeded.email}}

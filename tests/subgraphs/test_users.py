"""The users subgraph: queries, pagination, createUser, _entities."""

from __future__ import annotations

from sqlalchemy import func, select

from subgraphs.shared.seed import ADMIN_USER_ID, USER_COUNT, seed_data
from subgraphs.shared.signing_keys import SigningKey
from subgraphs.shared.testing import SubgraphClient
from subgraphs.users.models import UserRow

from .auth import TokenFactory, bearer

ALL_USERS = USER_COUNT + 1  # the customers and the admin
USER_FIELDS = "id email name createdAt orderCount"


async def count_users(users: SubgraphClient) -> int:
    async with users.database.session() as db:
        return int((await db.execute(select(func.count()).select_from(UserRow))).scalar_one())


async def test_me_is_the_user_of_the_bearer_token(
    users: SubgraphClient, tokens: TokenFactory
) -> None:
    result = await users.execute(f"{{ me {{ {USER_FIELDS} }} }}", headers=tokens.user(7))
    seeded = seed_data().users[6]
    assert result.ok()["me"] == {
        "id": "7",
        "email": seeded.email,
        "name": seeded.name,
        "createdAt": seeded.created_at.isoformat(),
        "orderCount": seeded.order_count,
    }


async def test_me_is_null_for_anonymous_callers_and_services(
    users: SubgraphClient, tokens: TokenFactory
) -> None:
    assert (await users.execute("{ me { id } }")).ok() == {"me": None}
    # a client's x-user-id header means nothing
    assert (await users.execute("{ me { id } }", headers={"x-user-id": "7"})).ok() == {"me": None}
    assert (await users.execute("{ me { id } }", headers=tokens.service())).ok() == {"me": None}


async def test_me_rejects_a_token_that_does_not_verify(
    users: SubgraphClient, tokens: TokenFactory
) -> None:
    for headers in (
        bearer("not-a-jwt"),
        tokens.user(7, lifetime=-120),
        bearer(SigningKey.generate("stranger").sign("7")),
    ):
        result = await users.execute("{ me { id } }", headers=headers)
        assert result.error_codes == ["UNAUTHENTICATED"], headers
        assert result.data == {"me": None}


async def test_me_is_null_for_an_unknown_user(users: SubgraphClient, tokens: TokenFactory) -> None:
    result = await users.execute("{ me { id } }", headers=tokens.user(999999))
    assert result.ok() == {"me": None}


async def test_user_by_id_unknown_and_malformed(users: SubgraphClient) -> None:
    result = await users.execute('{ a: user(id: "1") { id } b: user(id: "424242") { id } }')
    assert result.ok() == {"a": {"id": "1"}, "b": None}
    malformed = await users.execute('{ user(id: "not-a-number") { id } }')
    assert malformed.error_codes == ["BAD_USER_INPUT"]
    assert malformed.errors[0]["path"] == ["user"]


async def test_users_pages_through_every_user_once(users: SubgraphClient) -> None:
    query = """
    query Page($first: Int!, $after: String) {
      users(first: $first, after: $after) {
        edges { cursor node { id } }
        pageInfo { hasNextPage endCursor }
      }
    }
    """
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = (await users.execute(query, {"first": 100, "after": after})).ok()["users"]
        pages += 1
        seen.extend(edge["node"]["id"] for edge in page["edges"])
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == 4
    assert seen == [str(user_id) for user_id in range(1, ALL_USERS + 1)]


async def test_users_cursor_is_opaque_and_continues_after_it(users: SubgraphClient) -> None:
    first = (await users.execute("{ users(first: 2) { edges { cursor node { id } } } }")).ok()
    cursor = first["users"]["edges"][1]["cursor"]
    assert "2" not in cursor
    result = await users.execute(
        "query($after: String) { users(first: 2, after: $after) { edges { node { id } } } }",
        {"after": cursor},
    )
    assert [edge["node"]["id"] for edge in result.ok()["users"]["edges"]] == ["3", "4"]


async def test_users_empty_page_and_end_of_list(users: SubgraphClient) -> None:
    result = await users.execute(
        "{ users(first: 0) { edges { node { id } } pageInfo { hasNextPage endCursor } } }"
    )
    assert result.ok()["users"] == {
        "edges": [],
        "pageInfo": {"hasNextPage": True, "endCursor": None},
    }


async def test_users_first_is_bounded(users: SubgraphClient) -> None:
    for first in (101, -1):
        result = await users.execute(f"{{ users(first: {first}) {{ edges {{ cursor }} }} }}")
        assert result.error_codes == ["BAD_USER_INPUT"]
        assert "between 0 and 100" in result.errors[0]["message"]


async def test_users_rejects_a_foreign_cursor(users: SubgraphClient) -> None:
    for cursor in ("garbage!", "cHJvZHVjdDox"):  # the second is a product cursor
        result = await users.execute(
            "query($after: String) { users(after: $after) { edges { cursor } } }",
            {"after": cursor},
        )
        assert result.error_codes == ["BAD_USER_INPUT"]


async def test_create_user_stores_a_normalised_user(
    users: SubgraphClient, tokens: TokenFactory
) -> None:
    result = await users.execute(
        """
        mutation($input: CreateUserInput!) {
          createUser(input: $input) { id email name orderCount createdAt }
        }
        """,
        {"input": {"email": "  New.Person@Example.COM ", "name": "  New Person "}},
    )
    created = result.ok()["createUser"]
    assert created["id"] == str(ALL_USERS + 1)
    assert created["email"] == "new.person@example.com"  # the caller's own input, normalised
    assert created["name"] == "New Person"
    assert created["orderCount"] == 0
    anonymous = await users.execute(f'{{ user(id: "{created["id"]}") {{ email }} }}')
    assert anonymous.error_codes == ["FORBIDDEN"]
    read_back = await users.execute(
        f'{{ user(id: "{created["id"]}") {{ email name }} }}',
        headers=tokens.user(ADMIN_USER_ID, admin=True),
    )
    assert read_back.ok()["user"] == {"email": "new.person@example.com", "name": "New Person"}


async def test_create_user_rejects_bad_input_and_writes_nothing(users: SubgraphClient) -> None:
    taken = seed_data().users[0].email.upper()
    cases = [
        ({"email": "not-an-email", "name": "X"}, "email"),
        ({"email": "a@b", "name": "X"}, "email"),
        ({"email": "two@@example.com", "name": "X"}, "email"),
        ({"email": taken, "name": "Duplicate"}, "email"),
        ({"email": "fresh@example.com", "name": "   "}, "name"),
        ({"email": "fresh@example.com", "name": "x" * 201}, "name"),
    ]
    for user_input, field in cases:
        result = await users.execute(
            "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }",
            {"input": user_input},
        )
        assert result.error_codes == ["BAD_USER_INPUT"], user_input
        assert result.errors[0]["extensions"]["field"] == field
        assert result.data is None
    assert await count_users(users) == ALL_USERS
    lookup = await users.execute('{ users(first: 1, after: "dXNlcjozMDE") { edges { cursor } } }')
    assert lookup.ok()["users"]["edges"] == []


async def test_entities_resolve_users_and_null_for_unknown(users: SubgraphClient) -> None:
    result = await users.execute(
        """
        query($representations: [_Any!]!) {
          _entities(representations: $representations) { ... on User { id name } }
        }
        """,
        {
            "representations": [
                {"__typename": "User", "id": "3"},
                {"__typename": "User", "id": "999999"},
                {"__typename": "User", "id": "1"},
                {"__typename": "User", "id": "bogus"},
            ]
        },
    )
    seeded = seed_data().users
    assert result.ok()["_entities"] == [
        {"id": "3", "name": seeded[2].name},
        None,
        {"id": "1", "name": seeded[0].name},
        None,
    ]


async def test_service_sdl_declares_the_user_key(users: SubgraphClient) -> None:
    sdl = (await users.execute("{ _service { sdl } }")).ok()["_service"]["sdl"]
    assert 'type User @key(fields: "id")' in sdl
    assert "federation/v2.9" in sdl


async def test_health(users: SubgraphClient) -> None:
    response = await users.http.get("/health")
    assert response.json() == {"status": "ok", "subgraph": "users"}

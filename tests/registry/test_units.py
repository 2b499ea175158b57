"""The registry's parts on their own: change coordinates and their use by operations, the
configuration (file, tokens file, environment) and JWT callers with a scope claim."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from router.config.authentication import JwksSourceConfig, JwtConfig
from router.registry.auth import Authenticator, AuthError
from router.registry.checks import change_coordinate, coordinate_used_by
from router.registry.config import (
    DEFAULT_DATABASE_URL,
    RegistryConfig,
    RegistryConfigError,
    load_registry_config,
)
from tests.auth.keys import SigningKey, claims, write_jwks
from tests.registry.helpers import TOKENS, sha256, static_tokens


@pytest.mark.parametrize(
    ("message", "coordinate"),
    [
        ("Field Product.weight was removed.", "Product.weight"),
        ("Product was removed.", "Product"),
        ("Argument Query.products(search:) was removed.", "Query.products(search:)"),
        ("Query.products(first:) has changed type from Int to String.", "Query.products(first:)"),
        ("Enum value Status.SHIPPED was removed.", "Status.SHIPPED"),
        ("A required argument Query.product(region:) was added.", "Query.product(region:)"),
        ("Field Product.price changed type from Money! to Money.", "Product.price"),
        ("Directive @tag was removed.", "@tag"),
        ("Order no longer implements interface Node.", "Order"),
        ("Money changed from an Object type to an Input type.", "Money"),
    ],
)
def test_change_coordinates(message: str, coordinate: str) -> None:
    assert change_coordinate(message) == coordinate


def test_which_operations_a_coordinate_touches() -> None:
    used = ("Query.product", "Product.name", "Product.price", "Money.amount")
    assert coordinate_used_by("Product.name", used)
    assert not coordinate_used_by("Product.weight", used)
    assert coordinate_used_by("Query.product(sku:)", used)  # an argument of a used field
    assert not coordinate_used_by("Query.products(search:)", used)
    assert coordinate_used_by("Money", used)  # a whole type: any of its fields
    assert not coordinate_used_by("MoneyInput", used)
    assert not coordinate_used_by("@tag", used)
    assert not coordinate_used_by("", used)


def test_configuration_file_tokens_file_and_environment(tmp_path: Path) -> None:
    assert load_registry_config(None, environ={}).database_url == DEFAULT_DATABASE_URL
    tokens_file = tmp_path / "tokens.yaml"
    tokens_file.write_text(
        yaml.safe_dump(
            {"tokens": [{"name": "ci", "sha256": sha256("t"), "scopes": ["registry:publish"]}]}
        )
    )
    config_file = tmp_path / "registry.yaml"
    config_file.write_text(
        yaml.safe_dump(
            {
                "database_url": "sqlite+aiosqlite:///a.sqlite3",
                "usage_window_days": 3,
                "tokens": [{"name": "r", "sha256": sha256("r"), "scopes": ["registry:read"]}],
            }
        )
    )
    config = load_registry_config(
        config_file,
        environ={
            "FEDRA_REGISTRY_DATABASE_URL": "postgresql+asyncpg://db/registry",
            "FEDRA_REGISTRY_TOKENS_FILE": str(tokens_file),
        },
    )
    assert config.database_url == "postgresql+asyncpg://db/registry"
    assert config.usage_window_days == 3
    assert [t.name for t in config.tokens] == ["r", "ci"]
    config_file.write_text("usage_window_dayz: 3\n")
    with pytest.raises(RegistryConfigError, match="usage_window_dayz"):
        load_registry_config(config_file, environ={})
    tokens_file.write_text("tokens: [{name: x, sha256: short, scopes: [registry:read]}]\n")
    with pytest.raises(RegistryConfigError, match="tokens file"):
        load_registry_config(None, environ={"FEDRA_REGISTRY_TOKENS_FILE": str(tokens_file)})


async def test_static_tokens_and_jwts_with_a_scope_claim(tmp_path: Path) -> None:
    key = SigningKey.ed25519(kid="registry-key")
    jwks_path = tmp_path / "jwks.json"
    write_jwks(jwks_path, key)
    config = RegistryConfig(
        tokens=static_tokens(),
        jwt=JwtConfig(
            jwks=(JwksSourceConfig(file=str(jwks_path)),),
            issuers=("ci-issuer",),
            audiences=("fedra-registry",),
        ),
    )
    auth = Authenticator.from_config(config)
    caller = await auth.require(f"Bearer {TOKENS['read']}", "registry:read")
    assert caller.name == "read-client"
    router_token = key.sign(
        claims(
            "router-7", iss="ci-issuer", aud="fedra-registry", scope="registry:read registry:report"
        )
    )
    caller = await auth.require(f"Bearer {router_token}", "registry:report")
    assert (caller.name, caller.scopes) == (
        "router-7",
        frozenset({"registry:read", "registry:report"}),
    )
    with pytest.raises(AuthError) as forbidden:
        await auth.require(f"Bearer {router_token}", "registry:publish")
    assert forbidden.value.status == 403
    other_issuer = key.sign(
        claims("x", iss="elsewhere", aud="fedra-registry", scope="registry:publish")
    )
    with pytest.raises(AuthError) as invalid:
        await auth.require(f"Bearer {other_issuer}", "registry:publish")
    assert invalid.value.status == 401
    assert invalid.value.message.startswith("invalid token")
    stranger = SigningKey.ed25519(kid="registry-key").sign(
        claims("x", iss="ci-issuer", aud="fedra-registry")
    )
    with pytest.raises(AuthError) as unsigned:
        await auth.require(f"Bearer {stranger}", "registry:read")
    assert unsigned.value.status == 401


def test_fields_reaching_enums_and_inputs() -> None:
    from router.registry.checks import fields_reaching
    from router.supergraph import read_supergraph_file
    from tests.server.stack import REPO_ROOT

    schema = read_supergraph_file(REPO_ROOT / "schema" / "supergraph.graphql").api_schema
    assert "Order.status" in fields_reaching(schema, "OrderStatus.SHIPPED")
    # An input nested in another: the mutation taking the outer one.
    assert fields_reaching(schema, "OrderLineInput.note") == {"Mutation.placeOrder"}
    assert "Mutation.createProduct" in fields_reaching(schema, "CreateProductInput")
    assert fields_reaching(schema, "Product") == frozenset()  # object types: their own fields
    assert fields_reaching(schema, "Nothing.here") == frozenset()
    used = ("Query.order", "Order.status")
    through = fields_reaching(schema, "OrderStatus.SHIPPED")
    assert coordinate_used_by("OrderStatus.SHIPPED", used, through)
    assert not coordinate_used_by("OrderStatus.SHIPPED", ("Query.order", "Order.id"), through)


async def test_old_usage_is_pruned(tmp_path: Path) -> None:
    import time

    from router.registry.store import RegistryStore, ReportedOperation

    store = RegistryStore(f"sqlite+aiosqlite:///{tmp_path / 'usage.sqlite3'}")
    await store.create()
    try:
        now = time.time()
        await store.record_usage(
            [
                ReportedOperation("old", "Old", 4, now - 40 * 86_400, ("Query.a",)),
                ReportedOperation("new", "New", 2, now, ("Query.b",)),
                ReportedOperation("new", "New", 3, now, ("Query.b", "Query.c")),
            ]
        )
        listed = {u.hash: u for u in await store.usage_since(now - 50 * 86_400)}
        assert (listed["old"].count, listed["new"].count) == (4, 5)
        assert listed["new"].coordinates == ("Query.b", "Query.c")
        assert await store.prune_usage(now - 30 * 86_400) == 1
        assert [u.hash for u in await store.usage_since(now - 50 * 86_400)] == ["new"]
    finally:
        await store.dispose()

"""Configuration: YAML, environment overlays, FEDRA_* variables, and errors naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from router.config import ConfigError, RouterConfig, load_config
from tests.server.stack import REPO_ROOT


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "router.yaml"
    path.write_text(text)
    return path


def test_defaults_without_a_file() -> None:
    config = load_config(None, environ={})
    assert config == RouterConfig()
    assert config.server.port == 4000
    assert config.limits.max_depth == 20
    assert config.batching.max_size == 10
    assert config.query_plan.enabled is False


def test_yaml_values_and_env_overrides(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "server: {port: 5000, workers: 2}\n"
        "subgraphs:\n  users: {url: 'http://yaml/graphql', timeout: 3}\n"
        "cors: {allow_origins: [https://a.example]}\n",
    )
    config = load_config(
        path,
        environ={
            "FEDRA_SERVER__PORT": "6000",
            "FEDRA_SUBGRAPHS__ORDERS__URL": "http://orders:4003/graphql",
            "FEDRA_CORS__ALLOW_ORIGINS": "[https://b.example, https://c.example]",
            "FEDRA_APQ__REDIS__URL": "redis://cache:6379/0",
            "FEDRA_ENV_UNRELATED": "ignored",
            "OTHER": "ignored",
        },
    )
    assert config.server.port == 6000
    assert config.server.workers == 2
    assert config.subgraph_url_overrides() == {
        "users": "http://yaml/graphql",
        "orders": "http://orders:4003/graphql",
    }
    assert config.subgraph_timeouts() == {"users": 3.0}
    assert config.cors.allow_origins == ("https://b.example", "https://c.example")
    assert config.apq.redis is not None and config.apq.redis.url == "redis://cache:6379/0"


def test_environment_overlay(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "subgraphs: {users: {url: 'http://localhost:4001/graphql'}}\n"
        "environments:\n"
        "  staging:\n"
        "    subgraphs: {users: {url: 'http://users.staging/graphql'}}\n",
    )
    assert load_config(path, environ={}).subgraphs["users"].url == "http://localhost:4001/graphql"
    staging = load_config(path, environ={"FEDRA_ENV": "staging"})
    assert staging.subgraphs["users"].url == "http://users.staging/graphql"
    assert load_config(path, environ={}, environment="staging") == staging
    with pytest.raises(ConfigError, match=r"environments\.prod: no such environment"):
        load_config(path, environ={"FEDRA_ENV": "prod"})


def test_variable_references_in_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "apq:\n  redis: {url: '${REDIS_URL}', prefix: '${PREFIX:-apq:}'}\n")
    config = load_config(path, environ={"REDIS_URL": "redis://r:6379"})
    assert config.apq.redis is not None
    assert (config.apq.redis.url, config.apq.redis.prefix) == ("redis://r:6379", "apq:")
    with pytest.raises(ConfigError, match="REDIS_URL is not set"):
        load_config(path, environ={})


@pytest.mark.parametrize(
    ("text", "environ", "message"),
    [
        ("server: {port: seventy}\n", {}, "server.port: Input should be a valid integer"),
        ("limits: {max_depth: 0}\n", {}, "limits.max_depth: Input should be greater than"),
        ("server: {prot: 1}\n", {}, "server.prot: Extra inputs are not permitted"),
        (
            "headers:\n  all:\n    - propagate: {named: a, matching: b}\n",
            {},
            "headers.all[0].propagate: Value error, give exactly one of 'named' or 'matching'",
        ),
        ("rate_limit: {limit: lots}\n", {}, "rate_limit.limit: Value error, not a rate limit"),
        ("", {"FEDRA_BATCHING__MAX_SIZE": "-1"}, "batching.max_size: Input should be greater"),
        (
            "cors: {allow_origins: ['*'], allow_credentials: true}\n",
            {},
            "cors: Value error, allow_origins '*' cannot be combined",
        ),
    ],
)
def test_errors_name_the_bad_key(
    tmp_path: Path, text: str, environ: dict[str, str], message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_config(path, environ=environ)
    assert str(raised.value).startswith(f"invalid configuration in {path}:")
    assert message in str(raised.value)


def test_unreadable_and_invalid_yaml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read configuration file"):
        load_config(tmp_path / "missing.yaml", environ={})
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(write(tmp_path, "server: [unclosed\n"), environ={})
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_config(write(tmp_path, "- a list\n"), environ={})


def test_the_repository_router_yaml_is_valid() -> None:
    config = load_config(REPO_ROOT / "router.yaml", environ={})
    assert config.headers.all == ()  # the caller's identity is authentication's, not a rule's
    jwt = config.authentication.jwt
    assert jwt is not None
    assert [source.file for source in jwt.jwks] == ["var/keys/jwks.json"]
    assert jwt.issuers == ("fedra-users",) and jwt.audiences == ("fedra",)
    assert config.authentication.forward_token and not config.authentication.claims_header
    docker = load_config(REPO_ROOT / "router.yaml", environ={"FEDRA_ENV": "docker"})
    assert docker.server.host == "0.0.0.0"
    assert docker.subgraph_url_overrides()["orders"] == "http://orders:4003/graphql"
    assert docker.authentication.jwt is not None
    assert [s.url for s in docker.authentication.jwt.jwks] == [
        "http://users:4001/.well-known/jwks.json"
    ]


@pytest.mark.parametrize(
    "environ",
    [
        {"FEDRA_LIMITS": "x", "FEDRA_LIMITS__MAX_DEPTH": "3"},
        {"FEDRA_LIMITS__MAX_DEPTH": "3", "FEDRA_LIMITS__MAX_DEPTH__DEEPER": "3"},
    ],
)
def test_variables_that_set_a_key_and_a_key_inside_it_are_a_config_error(
    environ: dict[str, str],
) -> None:
    with pytest.raises(ConfigError, match="FEDRA_LIMITS"):
        load_config(None, environ=environ)

"""authentication configuration: only asymmetric algorithms, one location per JWKS source."""

from __future__ import annotations

import pytest

from router.config import ConfigError, load_config


def jwt_environ(**settings: str) -> dict[str, str]:
    return {
        "FEDRA_AUTHENTICATION__JWT__JWKS": "[{file: keys/jwks.json}]",
        **{f"FEDRA_AUTHENTICATION__JWT__{name.upper()}": value for name, value in settings.items()},
    }


@pytest.mark.parametrize(
    "algorithms", ["[none]", "[EdDSA, HS256]", "[hs512]", "[NONE]", "[XX1]", "[]"]
)
def test_symmetric_none_and_unknown_algorithms_are_refused(algorithms: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(environ=jwt_environ(algorithms=algorithms))
    assert "authentication.jwt.algorithms" in str(raised.value)


def test_defaults_and_overrides() -> None:
    config = load_config(
        environ=jwt_environ(issuers="[a, b]", audiences="[fedra]", header_name="X-Token")
    )
    jwt = config.authentication.jwt
    assert jwt is not None
    assert jwt.algorithms == ("EdDSA", "RS256")
    assert jwt.issuers == ("a", "b") and jwt.audiences == ("fedra",)
    assert jwt.header_name == "x-token" and jwt.header_prefix == "Bearer"
    assert jwt.leeway_seconds == 30
    assert load_config(environ={}).authentication.jwt is None  # off unless configured


@pytest.mark.parametrize(
    "jwks",
    ["[{file: a, url: 'http://b'}]", "[{}]", "[{url: 'ftp://keys'}]", "[]"],
)
def test_a_jwks_source_is_one_file_or_one_http_url(jwks: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(environ={"FEDRA_AUTHENTICATION__JWT__JWKS": jwks})
    assert "authentication.jwt.jwks" in str(raised.value)


def test_per_subgraph_identity_settings_fall_back_to_the_global_ones() -> None:
    config = load_config(
        environ={
            "FEDRA_AUTHENTICATION__CLAIMS_HEADER": "false",
            "FEDRA_AUTHENTICATION__SUBGRAPHS__PRODUCTS__FORWARD_TOKEN": "false",
            "FEDRA_AUTHENTICATION__SUBGRAPHS__ORDERS__CLAIMS_HEADER": "true",
        }
    ).authentication
    assert not config.forwards_token("products") and config.forwards_token("orders")
    assert config.sends_claims_header("orders") and not config.sends_claims_header("users")
    assert config.claims_header_anywhere
